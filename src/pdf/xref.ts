/**
 * Cross-reference loading (§7.5.4–7.5.8): classic tables, xref streams, hybrid files (/XRefStm) and
 * /Prev chains, newest section first. Each section also yields the revision boundary (%%EOF) that
 * follows it, which signature validation compares against /ByteRange.
 */
import type { PdfBudget } from './budget.ts';
import type { ByteSource } from './byte-source.ts';
import { pdfLimitExceeded, pdfMalformed, pdfTruncated } from './errors.ts';
import { decodeStream } from './filters.ts';
import { PdfArray, PdfDict, PdfNumber, type PdfObject, type PdfRef, PdfStream } from './objects.ts';
import { type ParserLimits, PdfParser } from './parser.ts';
import type { PdfReadLimits } from './types.ts';

export type XrefEntry =
  | { readonly kind: 'offset'; readonly offset: number; readonly generation: number }
  | { readonly kind: 'compressed'; readonly streamNumber: number; readonly index: number }
  | { readonly kind: 'free' };

export interface XrefSection {
  /** The startxref value that leads here. */
  readonly offset: number;
  readonly kind: 'table' | 'stream';
  readonly trailer: PdfDict;
  readonly entries: Map<number, XrefEntry>;
  /** Offset just after the section (trailer dictionary or xref stream object). */
  readonly end: number;
  /** Offset just after the %%EOF that closes this section's revision, and after its end-of-line. */
  readonly eofOffset: number;
  readonly endOffset: number;
}

const TAIL_WINDOW = 4096;
const EOF_SEARCH_WINDOW = 64 * 1024;

/** The startxref value of the last revision; SHOMEI_PDF_TRUNCATED when the file has no proper end. */
export function findLastStartxref(source: ByteSource): number {
  const tailStart = Math.max(0, source.size - TAIL_WINDOW);
  const tail = source.slice(tailStart, source.size).toString('latin1');
  const eof = tail.lastIndexOf('%%EOF');
  const startxref = tail.lastIndexOf('startxref', eof < 0 ? undefined : eof);
  if (eof < 0 || startxref < 0) throw pdfTruncated();
  const match = /^startxref\s+(\d{1,15})\s+%%EOF/.exec(tail.slice(startxref, eof + 5));
  if (!match) throw pdfMalformed('bad startxref');
  const offset = Number(match[1]);
  if (offset >= source.size) throw pdfMalformed('startxref beyond end of file');
  return offset;
}

function findRevisionEnd(source: ByteSource, from: number): { eofOffset: number; endOffset: number } {
  const window = source.slice(from, from + EOF_SEARCH_WINDOW).toString('latin1');
  const at = window.indexOf('%%EOF');
  if (at < 0) throw pdfTruncated();
  const eofOffset = from + at + 5;
  let endOffset = eofOffset;
  if (source.byteAt(endOffset) === 0x0d) endOffset++;
  if (source.byteAt(endOffset) === 0x0a) endOffset++;
  return { eofOffset, endOffset };
}

export interface XrefContext {
  readonly source: ByteSource;
  readonly limits: PdfReadLimits;
  readonly parserLimits: ParserLimits;
  readonly budget: PdfBudget;
  /** Resolves an indirect /Length of an xref stream (rare; only through older sections). */
  readonly resolveLength: (ref: PdfRef) => PdfObject | undefined;
}

/** Reads the chain of sections starting at `startOffset`, newest first. */
export function loadXrefChain(context: XrefContext, startOffset: number): XrefSection[] {
  const sections: XrefSection[] = [];
  const visited = new Set<number>();
  let entryCount = 0;
  let offset: number | undefined = startOffset;
  while (offset !== undefined) {
    if (visited.has(offset)) throw pdfMalformed('cross-reference /Prev loop', { offset });
    visited.add(offset);
    if (sections.length >= context.limits.maxRevisions) {
      throw pdfLimitExceeded('revisions', sections.length + 1, context.limits.maxRevisions);
    }
    const section = readSection(context, offset);
    entryCount += section.entries.size;
    if (entryCount > context.limits.maxObjects) {
      throw pdfLimitExceeded('cross-reference entries', entryCount, context.limits.maxObjects);
    }
    sections.push(section);
    const prev = section.trailer.get('Prev');
    if (prev === undefined) offset = undefined;
    else if (
      prev instanceof PdfNumber &&
      Number.isInteger(prev.value) &&
      prev.value >= 0 &&
      prev.value < context.source.size
    ) {
      offset = prev.value;
    } else throw pdfMalformed('bad /Prev', { offset });
  }
  return sections;
}

function readSection(context: XrefContext, offset: number): XrefSection {
  const parser = new PdfParser(context.source, offset, context.parserLimits);
  if (parser.tryKeyword('xref')) {
    const entries = readTable(parser, context.limits.maxObjects);
    parser.expectKeyword('trailer');
    const trailer = parser.parseObject();
    if (!(trailer instanceof PdfDict)) throw pdfMalformed('trailer is not a dictionary', { offset });
    const end = parser.position;
    const hybrid = trailer.get('XRefStm');
    if (hybrid !== undefined) {
      // Hybrid file: the table wins; the stream supplies entries the table leaves free or absent.
      if (!(hybrid instanceof PdfNumber) || !Number.isInteger(hybrid.value) || hybrid.value < 0) {
        throw pdfMalformed('bad /XRefStm', { offset });
      }
      const streamSection = readXrefStream(context, hybrid.value);
      for (const [number, entry] of streamSection.entries) {
        const own = entries.get(number);
        if (own === undefined || own.kind === 'free') entries.set(number, entry);
      }
    }
    return { offset, kind: 'table', trailer, entries, end, ...findRevisionEnd(context.source, end) };
  }
  const { trailer, entries, end } = readXrefStream(context, offset);
  return { offset, kind: 'stream', trailer, entries, end, ...findRevisionEnd(context.source, end) };
}

function readTable(parser: PdfParser, maxObjects: number): Map<number, XrefEntry> {
  const entries = new Map<number, XrefEntry>();
  for (;;) {
    const first = parser.tryInteger();
    if (first === undefined) return entries;
    const count = parser.tryInteger();
    if (count === undefined)
      throw pdfMalformed('bad cross-reference subsection', { offset: parser.position });
    if (first + count > maxObjects)
      throw pdfLimitExceeded('cross-reference entries', first + count, maxObjects);
    for (let i = 0; i < count; i++) {
      const field1 = parser.tryInteger();
      const generation = parser.tryInteger();
      parser.skipWhitespace();
      const type = parser.readRegularToken();
      if (field1 === undefined || generation === undefined || (type !== 'n' && type !== 'f')) {
        throw pdfMalformed('bad cross-reference entry', { offset: parser.position });
      }
      const number = first + i;
      if (type === 'n' && field1 > 0) entries.set(number, { kind: 'offset', offset: field1, generation });
      else entries.set(number, { kind: 'free' });
    }
  }
}

function readXrefStream(
  context: XrefContext,
  offset: number,
): { trailer: PdfDict; entries: Map<number, XrefEntry>; end: number } {
  const parser = new PdfParser(context.source, offset, context.parserLimits);
  const { value } = parser.parseIndirectObject(undefined, context.resolveLength);
  if (!(value instanceof PdfStream) || value.dict.name('Type') !== 'XRef') {
    throw pdfMalformed('startxref does not point at a cross-reference section', { offset });
  }
  parser.tryKeyword('endobj');
  const dict = value.dict;
  const widths = dict.get('W');
  const size = dict.number('Size');
  if (
    !(widths instanceof PdfArray) ||
    widths.length !== 3 ||
    size === undefined ||
    !Number.isInteger(size) ||
    size < 0
  ) {
    throw pdfMalformed('bad cross-reference stream dictionary', { offset });
  }
  const w = widths.items.map((item) => (item instanceof PdfNumber ? item.value : -1));
  if (w.some((x) => !Number.isInteger(x) || x < 0 || x > 8)) throw pdfMalformed('bad /W', { offset });
  const [w0, w1, w2] = w as [number, number, number];
  const rowWidth = w0 + w1 + w2;
  if (rowWidth === 0) throw pdfMalformed('bad /W', { offset });
  const indexValue = dict.get('Index');
  const index = indexValue instanceof PdfArray ? indexValue.items : [new PdfNumber(0), new PdfNumber(size)];
  if (
    index.length % 2 !== 0 ||
    index.some((x) => !(x instanceof PdfNumber) || !Number.isInteger(x.value) || x.value < 0)
  ) {
    throw pdfMalformed('bad /Index', { offset });
  }
  const data = decodeStream(value, context.limits.maxDecodedStreamBytes, context.budget);
  const entries = new Map<number, XrefEntry>();
  const readField = (at: number, width: number): number => {
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + data[at + i]!;
    return v;
  };
  let row = 0;
  for (let i = 0; i < index.length; i += 2) {
    const first = (index[i] as PdfNumber).value;
    const count = (index[i + 1] as PdfNumber).value;
    if (first + count > context.limits.maxObjects) {
      throw pdfLimitExceeded('cross-reference entries', first + count, context.limits.maxObjects);
    }
    for (let j = 0; j < count; j++, row++) {
      const at = row * rowWidth;
      if (at + rowWidth > data.length) throw pdfMalformed('cross-reference stream too short', { offset });
      const type = w0 === 0 ? 1 : readField(at, w0);
      const f2 = readField(at + w0, w1);
      const f3 = readField(at + w0 + w1, w2);
      const number = first + j;
      if (type === 0) entries.set(number, { kind: 'free' });
      else if (type === 1) entries.set(number, { kind: 'offset', offset: f2, generation: f3 });
      else if (type === 2) entries.set(number, { kind: 'compressed', streamNumber: f2, index: f3 });
    }
  }
  return { trailer: dict, entries, end: parser.position };
}
