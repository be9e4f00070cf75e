/**
 * Incremental updates (§7.5.6): new and changed objects plus a cross-reference section of the same
 * kind as the previous one are appended after the last %%EOF. Earlier bytes are never rewritten:
 * the source is copied (kernel copy for paths, never loaded whole) into a temporary file next to the
 * output, the revision is appended, and the file is renamed into place only when complete.
 */
import { randomBytes } from 'node:crypto';
import { constants, copyFile, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  PdfArray,
  PdfDict,
  PdfName,
  PdfNumber,
  type PdfObject,
  PdfRef,
  PdfStream,
  PdfString,
  serializeIndirectObject,
  serializePdf,
} from './objects.ts';
import { type OpenPdfOptions, openPdf, type PdfReader } from './reader.ts';
import type { PdfSource, WriteResult } from './types.ts';

export interface IncrementalUpdate {
  /** A new object number in this revision (fill it with `set`). */
  allocate(): PdfRef;
  /** Adds a new object and returns its reference. */
  add(value: PdfObject): PdfRef;
  /** Replaces an existing object, or fills an allocated one, in this revision. */
  set(ref: PdfRef, value: PdfObject): void;
  /** The new value set in this update, if any. */
  get(ref: PdfRef): PdfObject | undefined;
}

/** An object already serialized by the caller (the signature dictionary with its /Contents hole). */
export interface RawObject {
  readonly ref: PdfRef;
  /** The bytes between `n g obj\n` and `\nendobj`. */
  readonly body: Buffer;
}

export class RevisionBuilder implements IncrementalUpdate {
  readonly objects = new Map<number, { ref: PdfRef; value: PdfObject | RawObject | undefined }>();
  private next: number;

  constructor(readonly reader: PdfReader) {
    this.next = reader.nextObjectNumber;
  }

  allocate(): PdfRef {
    const ref = new PdfRef(this.next++, 0);
    this.objects.set(ref.objectNumber, { ref, value: undefined });
    return ref;
  }

  add(value: PdfObject): PdfRef {
    const ref = this.allocate();
    this.set(ref, value);
    return ref;
  }

  set(ref: PdfRef, value: PdfObject): void {
    this.objects.set(ref.objectNumber, { ref, value });
  }

  setRaw(raw: RawObject): void {
    this.objects.set(raw.ref.objectNumber, { ref: raw.ref, value: raw });
  }

  get(ref: PdfRef): PdfObject | undefined {
    const entry = this.objects.get(ref.objectNumber);
    return entry && !isRaw(entry.value) ? entry.value : undefined;
  }

  get size(): number {
    return this.next;
  }
}

function isRaw(value: PdfObject | RawObject | undefined): value is RawObject {
  return value !== undefined && 'body' in value && 'ref' in value;
}

export interface SerializedRevision {
  /** Bytes to append to the source (starting with a newline when the source lacks one). */
  readonly bytes: Buffer;
  /** Absolute file offset of each written object. */
  readonly offsets: ReadonlyMap<number, number>;
  /** Size of the resulting file. */
  readonly fileSize: number;
}

function hexId(): PdfString {
  return PdfString.hex(new Uint8Array(randomBytes(16)));
}

/** Lays out the new revision after the source's last byte. */
export function serializeRevision(builder: RevisionBuilder): SerializedRevision {
  const reader = builder.reader;
  const lastByte = reader.source.byteAt(reader.size - 1);
  const chunks: Buffer[] = [];
  let position = reader.size;
  const push = (chunk: Buffer): void => {
    chunks.push(chunk);
    position += chunk.length;
  };
  if (lastByte !== 0x0a && lastByte !== 0x0d) push(Buffer.from('\n', 'latin1'));
  const offsets = new Map<number, number>();
  const numbers = [...builder.objects.keys()].sort((a, b) => a - b);
  for (const number of numbers) {
    const { ref, value } = builder.objects.get(number)!;
    if (value === undefined) throw new Error(`allocated object ${number} was never set`);
    offsets.set(number, position);
    if (isRaw(value)) {
      push(
        Buffer.concat([
          Buffer.from(`${ref.objectNumber} ${ref.generation} obj\n`, 'latin1'),
          value.body,
          Buffer.from('\nendobj\n', 'latin1'),
        ]),
      );
    } else push(serializeIndirectObject(ref, value));
  }
  const previousId = reader.trailer.get('ID');
  const firstId =
    previousId instanceof PdfArray && previousId.get(0) instanceof PdfString
      ? (previousId.get(0) as PdfString)
      : hexId();
  const trailerEntries: [string, PdfObject][] = [['Root', reader.catalogRef]];
  const info = reader.trailer.get('Info');
  if (info instanceof PdfRef) trailerEntries.push(['Info', info]);
  trailerEntries.push(
    ['ID', new PdfArray([firstId, hexId()])],
    ['Prev', new PdfNumber(reader.lastXrefOffset)],
  );

  const generations = new Map([...builder.objects].map(([n, o]) => [n, o.ref.generation]));
  if (reader.lastXrefKind === 'table') {
    const xrefOffset = position;
    let table = 'xref\n';
    for (const run of consecutiveRuns(numbers)) {
      table += `${run[0]} ${run.length}\n`;
      for (const n of run) {
        table += `${String(offsets.get(n)).padStart(10, '0')} ${String(generations.get(n)).padStart(5, '0')} n\r\n`;
      }
    }
    push(Buffer.from(table, 'latin1'));
    const trailer = new PdfDict([['Size', new PdfNumber(builder.size)], ...trailerEntries]);
    push(Buffer.concat([Buffer.from('trailer\n', 'latin1'), serializePdf(trailer)]));
    push(Buffer.from(`\nstartxref\n${xrefOffset}\n%%EOF\n`, 'latin1'));
  } else {
    // The xref stream lists itself too, so its number joins the entries.
    const xrefRef = builder.allocate();
    const xrefOffset = position;
    offsets.set(xrefRef.objectNumber, xrefOffset);
    generations.set(xrefRef.objectNumber, 0);
    const all = [...numbers, xrefRef.objectNumber].sort((a, b) => a - b);
    const offsetWidth = Math.max(4, Math.ceil(Math.log2(xrefOffset + 2) / 8));
    const rows: Buffer[] = [];
    const index: PdfObject[] = [];
    for (const run of consecutiveRuns(all)) {
      index.push(new PdfNumber(run[0]!), new PdfNumber(run.length));
      for (const n of run) {
        const row = Buffer.alloc(1 + offsetWidth + 2);
        row[0] = 1;
        row.writeUIntBE(offsets.get(n)!, 1, offsetWidth);
        row.writeUInt16BE(generations.get(n)!, 1 + offsetWidth);
        rows.push(row);
      }
    }
    const dict = new PdfDict([
      ['Type', new PdfName('XRef')],
      ['Size', new PdfNumber(builder.size)],
      ['W', new PdfArray([new PdfNumber(1), new PdfNumber(offsetWidth), new PdfNumber(2)])],
      ['Index', new PdfArray(index)],
      ['Filter', new PdfName('FlateDecode')],
      ...trailerEntries,
    ]);
    const stream = new PdfStream(dict, new Uint8Array(deflateSync(Buffer.concat(rows))));
    builder.objects.delete(xrefRef.objectNumber);
    push(serializeIndirectObject(xrefRef, stream));
    push(Buffer.from(`startxref\n${xrefOffset}\n%%EOF\n`, 'latin1'));
  }
  return { bytes: Buffer.concat(chunks), offsets, fileSize: position };
}

function consecutiveRuns(sorted: readonly number[]): number[][] {
  const runs: number[][] = [];
  for (const n of sorted) {
    const last = runs.at(-1);
    if (last && last.at(-1)! + 1 === n) last.push(n);
    else runs.push([n]);
  }
  return runs;
}

/**
 * Writes source + appended revision: to `output` through a temporary file and rename, or into
 * memory when no output is given.
 */
export async function writeWithRevision(
  source: PdfSource,
  appended: Buffer,
  output: string | undefined,
  patch?: (file: Buffer, base: number) => void,
): Promise<WriteResult> {
  if (output === undefined) {
    const base = typeof source === 'string' ? await readFile(source) : Buffer.from(source);
    const bytes = Buffer.concat([base, appended]);
    patch?.(bytes, 0);
    return { path: undefined, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) };
  }
  const temporary = path.join(
    path.dirname(output),
    `.${path.basename(output)}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    if (typeof source === 'string') await copyFile(source, temporary, constants.COPYFILE_FICLONE);
    const handle = await open(temporary, typeof source === 'string' ? 'a' : 'w');
    try {
      if (typeof source !== 'string') await handle.writeFile(source);
      await handle.writeFile(appended);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, output);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { path: output, bytes: undefined };
}

/**
 * Appends a revision built by `build` (which receives the reader of the current document and the
 * update to fill). Returns the output path, or the bytes when no output is given.
 */
export async function appendRevision(
  source: PdfSource,
  build: (reader: PdfReader, update: IncrementalUpdate) => void | Promise<void>,
  options: { output?: string } & OpenPdfOptions = {},
): Promise<WriteResult> {
  const reader = await openPdf(source, options);
  try {
    const builder = new RevisionBuilder(reader);
    await build(reader, builder);
    const revision = serializeRevision(builder);
    return await writeWithRevision(source, revision.bytes, options.output);
  } finally {
    reader.close();
  }
}
