/**
 * The PDF reader: opens the last revision through its cross-reference chain and resolves indirect
 * objects lazily, so only the objects a caller touches are read (a 100 MB file costs a few blocks).
 */
import { statSync } from 'node:fs';
import { isShomeiError } from '../errors/index.ts';
import { currentPdfBudget, type PdfBudget } from './budget.ts';
import { type ByteSource, FileByteSource, MemoryByteSource } from './byte-source.ts';
import {
  pdfEncrypted,
  pdfLimitExceeded,
  pdfMalformed,
  pdfPageOutOfRange,
  pdfTooLarge,
  pdfUnreadable,
} from './errors.ts';
import { decodeStream } from './filters.ts';
import { PdfArray, PdfDict, PdfNumber, type PdfObject, PdfRef, PdfStream, PdfString } from './objects.ts';
import { type ParserLimits, PdfParser } from './parser.ts';
import type { PdfFormField, PdfPageInfo, PdfReadLimits, PdfRevision, PdfSource } from './types.ts';
import { findLastStartxref, loadXrefChain, type XrefEntry, type XrefSection } from './xref.ts';

export const DEFAULT_PDF_LIMITS: PdfReadLimits = {
  maxFileBytes: 512 * 1024 * 1024,
  maxObjects: 5_000_000,
  maxDepth: 64,
  maxStreamBytes: 64 * 1024 * 1024,
  maxDecodedStreamBytes: 128 * 1024 * 1024,
  maxRevisions: 1000,
};

export interface PdfReader {
  /** File size in bytes. */
  readonly size: number;
  /** The newest trailer (for an xref stream: its dictionary). */
  readonly trailer: PdfDict;
  /** Oldest first; the last one is the current document. */
  readonly revisions: readonly PdfRevision[];
  /** Offset of the newest cross-reference section (for /Prev of the next revision). */
  readonly lastXrefOffset: number;
  /** Kind of the newest section; a hybrid file counts as 'table'. */
  readonly lastXrefKind: 'table' | 'stream';
  readonly catalog: PdfDict;
  readonly catalogRef: PdfRef;
  /** The highest object number in use plus one (at least the trailer's /Size). */
  readonly nextObjectNumber: number;
  readonly source: ByteSource;
  /** Follows references until a direct value (undefined for a missing or free object). */
  resolve(value: PdfObject | undefined): PdfObject | undefined;
  getObject(ref: PdfRef): PdfObject | undefined;
  /** Resolves to a dictionary (a stream's dictionary counts) or undefined. */
  dict(value: PdfObject | undefined): PdfDict | undefined;
  /** Decoded data of a stream, within the configured limits. */
  streamData(stream: PdfStream): Uint8Array;
  /** File offset of an uncompressed object (undefined for compressed or missing objects). */
  objectOffset(ref: PdfRef): number | undefined;
  pageCount(): number;
  page(index: number): PdfPageInfo;
  /** Terminal form fields of /AcroForm, with fully qualified names. */
  formFields(): PdfFormField[];
  close(): void;
}

export interface OpenPdfOptions {
  readonly limits?: Partial<PdfReadLimits>;
}

export function openSource(source: PdfSource, limits: PdfReadLimits): ByteSource {
  if (typeof source !== 'string') {
    if (source.length > limits.maxFileBytes) throw pdfTooLarge(source.length, limits.maxFileBytes);
    return new MemoryByteSource(source);
  }
  let size: number;
  try {
    const stat = statSync(source);
    if (!stat.isFile()) throw pdfUnreadable('not a regular file');
    size = stat.size;
  } catch (error) {
    throw isShomeiError(error) ? error : pdfUnreadable((error as NodeJS.ErrnoException).code ?? 'I/O error');
  }
  if (size > limits.maxFileBytes) throw pdfTooLarge(size, limits.maxFileBytes);
  try {
    return new FileByteSource(source);
  } catch (error) {
    throw pdfUnreadable((error as NodeJS.ErrnoException).code ?? 'I/O error');
  }
}

/** Opens a PDF for reading; the caller closes it. Throws the typed SHOMEI_PDF_… errors. */
export async function openPdf(source: PdfSource, options: OpenPdfOptions = {}): Promise<PdfReader> {
  return openPdfSync(source, options);
}

export function openPdfSync(source: PdfSource, options: OpenPdfOptions = {}): PdfReader {
  const limits = { ...DEFAULT_PDF_LIMITS, ...options.limits };
  const bytes = openSource(source, limits);
  try {
    return new PdfDocumentReader(bytes, limits);
  } catch (error) {
    bytes.close();
    throw error;
  }
}

/** The revisions of a PDF, oldest first. */
export async function revisions(source: PdfSource, options: OpenPdfOptions = {}): Promise<PdfRevision[]> {
  const reader = await openPdf(source, options);
  try {
    return [...reader.revisions];
  } finally {
    reader.close();
  }
}

interface ObjectStreamIndex {
  readonly data: Uint8Array;
  readonly first: number;
  readonly numbers: number[];
  readonly offsets: number[];
}

interface PageNode {
  readonly ref: PdfRef;
  readonly dict: PdfDict;
  readonly inherited: ReadonlyMap<string, PdfObject>;
}

const INHERITABLE_PAGE_KEYS = ['MediaBox', 'CropBox', 'Rotate', 'Resources'];
const OBJECT_STREAM_CACHE = 8;
/** Longest string token: far above any /Contents hole or DSS entry kept in a string. */
const MAX_STRING_BYTES = 16 * 1024 * 1024;

class PdfDocumentReader implements PdfReader {
  readonly size: number;
  readonly trailer: PdfDict;
  readonly revisions: readonly PdfRevision[];
  readonly lastXrefOffset: number;
  readonly lastXrefKind: 'table' | 'stream';
  readonly catalog: PdfDict;
  readonly catalogRef: PdfRef;
  readonly nextObjectNumber: number;
  private readonly entries = new Map<number, XrefEntry>();
  private readonly cache = new Map<number, PdfObject | undefined>();
  private readonly resolving = new Set<number>();
  private readonly objectStreams = new Map<number, ObjectStreamIndex>();
  private readonly parserLimits: ParserLimits;
  /** Shared with every reader of the same document work (see budget.ts). */
  private readonly budget: PdfBudget = currentPdfBudget();
  private pages: PageNode[] | undefined;

  constructor(
    readonly source: ByteSource,
    private readonly limits: PdfReadLimits,
  ) {
    this.size = source.size;
    this.parserLimits = {
      maxDepth: limits.maxDepth,
      maxStreamBytes: limits.maxStreamBytes,
      maxTokenBytes: MAX_STRING_BYTES,
    };
    const header = source.slice(0, 1024).toString('latin1');
    if (!header.includes('%PDF-')) throw pdfMalformed('no %PDF header');
    this.lastXrefOffset = findLastStartxref(source);
    const sections = loadXrefChain(
      {
        source,
        limits,
        parserLimits: this.parserLimits,
        budget: this.budget,
        resolveLength: (ref) => this.resolve(this.getObject(ref)),
      },
      this.lastXrefOffset,
    );
    const newest = sections[0]!;
    this.lastXrefKind = newest.kind;
    this.trailer = newest.trailer;
    if (sections.some((s) => s.trailer.has('Encrypt'))) throw pdfEncrypted();
    for (const section of sections) {
      for (const [number, entry] of section.entries)
        if (!this.entries.has(number)) this.entries.set(number, entry);
    }
    this.revisions = buildRevisions(sections);
    let highest = 0;
    for (const number of this.entries.keys()) highest = Math.max(highest, number);
    const size = this.trailer.number('Size');
    this.nextObjectNumber = Math.max(highest + 1, size !== undefined && Number.isInteger(size) ? size : 0);
    const root = this.trailer.get('Root');
    if (!(root instanceof PdfRef)) throw pdfMalformed('trailer has no /Root reference');
    const catalog = this.getObject(root);
    if (!(catalog instanceof PdfDict)) throw pdfMalformed('/Root is not a dictionary');
    this.catalog = catalog;
    this.catalogRef = root;
  }

  close(): void {
    this.source.close();
  }

  objectOffset(ref: PdfRef): number | undefined {
    const entry = this.entries.get(ref.objectNumber);
    return entry?.kind === 'offset' && entry.generation === ref.generation ? entry.offset : undefined;
  }

  getObject(ref: PdfRef): PdfObject | undefined {
    const number = ref.objectNumber;
    if (this.cache.has(number)) return this.cache.get(number);
    if (this.resolving.has(number)) throw pdfMalformed('cyclic reference', { object: number });
    if (this.resolving.size >= this.limits.maxDepth) {
      throw pdfLimitExceeded('reference depth', this.resolving.size + 1, this.limits.maxDepth);
    }
    this.resolving.add(number);
    try {
      const value = this.load(ref);
      this.cache.set(number, value);
      return value;
    } finally {
      this.resolving.delete(number);
    }
  }

  private load(ref: PdfRef): PdfObject | undefined {
    const entry = this.entries.get(ref.objectNumber);
    if (entry === undefined || entry.kind === 'free') return undefined;
    this.budget.spendObject();
    if (entry.kind === 'offset') {
      if (entry.generation !== ref.generation) return undefined;
      if (entry.offset >= this.size)
        throw pdfMalformed('object offset beyond end of file', { object: ref.key });
      const parser = new PdfParser(this.source, entry.offset, this.parserLimits);
      return parser.parseIndirectObject(ref, (length) => this.resolve(this.getObject(length))).value;
    }
    if (ref.generation !== 0) return undefined;
    const stream = this.objectStream(entry.streamNumber);
    const at = stream.numbers.indexOf(ref.objectNumber);
    const index = at >= 0 ? at : entry.index;
    if (stream.numbers[index] !== ref.objectNumber)
      throw pdfMalformed('object stream index mismatch', { object: ref.key });
    const start = stream.first + stream.offsets[index]!;
    const parser = new PdfParser(new MemoryByteSource(stream.data), start, this.parserLimits);
    return parser.parseObject();
  }

  private objectStream(number: number): ObjectStreamIndex {
    const cached = this.objectStreams.get(number);
    if (cached) return cached;
    const entry = this.entries.get(number);
    if (entry?.kind !== 'offset')
      throw pdfMalformed('object stream is not a plain object', { object: number });
    const stream = this.getObject(new PdfRef(number, entry.generation));
    if (!(stream instanceof PdfStream) || stream.dict.name('Type') !== 'ObjStm') {
      throw pdfMalformed('not an object stream', { object: number });
    }
    const n = stream.dict.number('N');
    const first = stream.dict.number('First');
    if (
      n === undefined ||
      first === undefined ||
      !Number.isInteger(n) ||
      !Number.isInteger(first) ||
      n < 0 ||
      first < 0
    ) {
      throw pdfMalformed('bad object stream dictionary', { object: number });
    }
    const data = this.streamData(stream);
    if (n * 4 > data.length || first > data.length)
      throw pdfMalformed('bad object stream header', { object: number });
    const header = new PdfParser(new MemoryByteSource(data), 0, this.parserLimits, first);
    const numbers: number[] = [];
    const offsets: number[] = [];
    for (let i = 0; i < n; i++) {
      const objectNumber = header.tryInteger();
      const offset = header.tryInteger();
      if (objectNumber === undefined || offset === undefined || first + offset >= data.length) {
        throw pdfMalformed('bad object stream header', { object: number });
      }
      numbers.push(objectNumber);
      offsets.push(offset);
    }
    const index = { data, first, numbers, offsets };
    if (this.objectStreams.size >= OBJECT_STREAM_CACHE)
      this.objectStreams.delete(this.objectStreams.keys().next().value!);
    this.objectStreams.set(number, index);
    return index;
  }

  resolve(value: PdfObject | undefined): PdfObject | undefined {
    let current = value;
    for (let hops = 0; current instanceof PdfRef; hops++) {
      if (hops >= this.limits.maxDepth)
        throw pdfLimitExceeded('reference chain', hops + 1, this.limits.maxDepth);
      current = this.getObject(current);
    }
    return current;
  }

  dict(value: PdfObject | undefined): PdfDict | undefined {
    const resolved = this.resolve(value);
    if (resolved instanceof PdfDict) return resolved;
    if (resolved instanceof PdfStream) return resolved.dict;
    return undefined;
  }

  streamData(stream: PdfStream): Uint8Array {
    return decodeStream(stream, this.limits.maxDecodedStreamBytes, this.budget);
  }

  private pageNodes(): PageNode[] {
    if (this.pages) return this.pages;
    const rootRef = this.catalog.get('Pages');
    if (!(rootRef instanceof PdfRef)) throw pdfMalformed('catalog has no /Pages reference');
    const pages: PageNode[] = [];
    const visited = new Set<number>();
    const walk = (ref: PdfRef, inherited: Map<string, PdfObject>, depth: number): void => {
      if (depth > this.limits.maxDepth)
        throw pdfLimitExceeded('page tree depth', depth, this.limits.maxDepth);
      if (visited.has(ref.objectNumber)) throw pdfMalformed('page tree cycle', { object: ref.key });
      visited.add(ref.objectNumber);
      if (visited.size > this.limits.maxObjects)
        throw pdfLimitExceeded('pages', visited.size, this.limits.maxObjects);
      const node = this.resolve(ref);
      if (!(node instanceof PdfDict))
        throw pdfMalformed('page tree node is not a dictionary', { object: ref.key });
      const own = new Map(inherited);
      for (const key of INHERITABLE_PAGE_KEYS) {
        const value = node.get(key);
        if (value !== undefined) own.set(key, value);
      }
      const kids = this.resolve(node.get('Kids'));
      if (node.name('Type') === 'Pages' || (node.name('Type') !== 'Page' && kids instanceof PdfArray)) {
        if (!(kids instanceof PdfArray))
          throw pdfMalformed('page tree node without /Kids', { object: ref.key });
        for (const kid of kids.items) {
          if (!(kid instanceof PdfRef))
            throw pdfMalformed('page tree kid is not a reference', { object: ref.key });
          walk(kid, own, depth + 1);
        }
      } else pages.push({ ref, dict: node, inherited: own });
    };
    walk(rootRef, new Map(), 0);
    this.pages = pages;
    return pages;
  }

  pageCount(): number {
    return this.pageNodes().length;
  }

  page(index: number): PdfPageInfo {
    const pages = this.pageNodes();
    const node = pages[index];
    if (!Number.isInteger(index) || node === undefined) throw pdfPageOutOfRange(index, pages.length);
    const box = (key: string): [number, number, number, number] | undefined => {
      const value = this.resolve(node.inherited.get(key));
      if (!(value instanceof PdfArray) || value.length !== 4) return undefined;
      const numbers = value.items.map((item) => this.resolve(item));
      if (!numbers.every((n) => n instanceof PdfNumber)) return undefined;
      const [a, b, c, d] = numbers.map((n) => (n as PdfNumber).value) as [number, number, number, number];
      return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
    };
    const mediaBox = box('MediaBox') ?? [0, 0, 612, 792];
    const rotateValue = this.resolve(node.inherited.get('Rotate'));
    const rotate =
      rotateValue instanceof PdfNumber && Number.isInteger(rotateValue.value) ? rotateValue.value : 0;
    const rotation = (((rotate % 360) + 360) % 360) as 0 | 90 | 180 | 270;
    return {
      index,
      ref: node.ref,
      dict: node.dict,
      mediaBox,
      cropBox: box('CropBox') ?? mediaBox,
      rotation: [0, 90, 180, 270].includes(rotation) ? rotation : 0,
    };
  }

  formFields(): PdfFormField[] {
    const acroForm = this.dict(this.catalog.get('AcroForm'));
    const fields = this.resolve(acroForm?.get('Fields'));
    if (!(fields instanceof PdfArray)) return [];
    const out: PdfFormField[] = [];
    const visited = new Set<number>();
    const walk = (
      item: PdfObject,
      parentName: string,
      inheritedType: string | undefined,
      inheritedValue: PdfObject | undefined,
      depth: number,
    ): void => {
      if (depth > this.limits.maxDepth)
        throw pdfLimitExceeded('form field depth', depth, this.limits.maxDepth);
      const ref = item instanceof PdfRef ? item : undefined;
      if (ref) {
        if (visited.has(ref.objectNumber)) throw pdfMalformed('form field cycle', { object: ref.key });
        visited.add(ref.objectNumber);
      }
      const dict = this.dict(item);
      if (!dict) return;
      const partial = this.resolve(dict.get('T'));
      const partialName = partial instanceof PdfString ? partial.text() : undefined;
      const name =
        partialName === undefined ? parentName : parentName ? `${parentName}.${partialName}` : partialName;
      const fieldType = dict.name('FT') ?? inheritedType;
      const value = dict.has('V') ? this.resolve(dict.get('V')) : inheritedValue;
      const kids = this.resolve(dict.get('Kids'));
      const fieldKids =
        kids instanceof PdfArray ? kids.items.filter((kid) => this.dict(kid)?.has('T') === true) : [];
      if (fieldKids.length > 0) {
        for (const kid of fieldKids) walk(kid, name, fieldType, value, depth + 1);
      } else if (partialName !== undefined) {
        out.push({ name, ref, dict, fieldType, value });
      }
    };
    for (const field of fields.items) walk(field, '', undefined, undefined, 0);
    return out;
  }
}

/** Revisions oldest first; a section whose %%EOF lies before an older one (linearization) merges into it. */
function buildRevisions(sectionsNewestFirst: readonly XrefSection[]): PdfRevision[] {
  const result: {
    endOffset: number;
    eofOffset: number;
    xrefOffset: number;
    xrefKind: 'table' | 'stream';
    numbers: Set<number>;
    freed: Set<number>;
  }[] = [];
  for (const section of [...sectionsNewestFirst].reverse()) {
    const numbers = new Set<number>();
    const freed = new Set<number>();
    for (const [number, entry] of section.entries) {
      if (entry.kind === 'free') {
        if (number !== 0) freed.add(number);
      } else numbers.add(number);
    }
    const previous = result.at(-1);
    if (previous && section.endOffset <= previous.endOffset) {
      for (const n of numbers) previous.numbers.add(n);
      for (const n of freed) previous.freed.add(n);
      continue;
    }
    result.push({
      endOffset: section.endOffset,
      eofOffset: section.eofOffset,
      xrefOffset: section.offset,
      xrefKind: section.kind,
      numbers,
      freed,
    });
  }
  return result.map((r, index) => ({
    index,
    endOffset: r.endOffset,
    eofOffset: r.eofOffset,
    xrefOffset: r.xrefOffset,
    xrefKind: r.xrefKind,
    objectNumbers: [...r.numbers].sort((a, b) => a - b),
    freedObjectNumbers: [...r.freed].sort((a, b) => a - b),
  }));
}
