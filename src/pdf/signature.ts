/**
 * PAdES signature mechanics: a revision with a signature dictionary whose /Contents is a zero-filled
 * hole, the streamed digest of the /ByteRange, and writing the CMS into the hole in place.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { berElementEnd } from '../pki/index.ts';
import { pdfFieldInvalid, pdfMalformed, pdfSignatureTooLarge } from './errors.ts';
import { RevisionBuilder, serializeRevision, writeWithRevision } from './incremental-writer.ts';
import {
  PdfArray,
  PdfDict,
  PdfName,
  PdfNumber,
  type PdfObject,
  PdfRef,
  PdfString,
  pdfArray,
  pdfDate,
  pdfDict,
  pdfName,
  pdfNumber,
  pdfText,
  serializePdf,
} from './objects.ts';
import { type OpenPdfOptions, openPdf, type PdfReader } from './reader.ts';
import { CatalogEditor, placeSignatureField } from './signature-field.ts';
import type {
  ByteRange,
  PdfSignatureInfo,
  PdfSource,
  PreparedSignature,
  SignaturePlaceholder,
  SignaturePlaceholderOptions,
} from './types.ts';

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

const DEFAULT_CONTENTS_SIZE = 16384;
const MAX_CONTENTS_SIZE = 1024 * 1024;
/** Room for three ten-digit numbers, so /ByteRange is fixed in width before offsets are known. */
const BYTE_RANGE_WIDTH = '[0 0000000000 0000000000 0000000000]'.length;

/** Prepares a revision with an empty signature (or document timestamp) for `src/ades` to fill. */
export async function prepareSignatureRevision(
  source: PdfSource,
  options: SignaturePlaceholderOptions & OpenPdfOptions,
): Promise<PreparedSignature> {
  const capacity = options.contentsSize ?? DEFAULT_CONTENTS_SIZE;
  if (!Number.isInteger(capacity) || capacity < 64 || capacity > MAX_CONTENTS_SIZE) {
    throw pdfFieldInvalid('contents size must be between 64 bytes and 1 MiB', { contentsSize: capacity });
  }
  const reader = await openPdf(source, options);
  try {
    const builder = new RevisionBuilder(reader);
    const editor = new CatalogEditor(reader, builder);
    const signatureRef = builder.allocate();
    const isTimestamp = options.subFilter === 'ETSI.RFC3161';
    if (options.docMdpPermissions !== undefined) {
      if (isTimestamp) throw pdfFieldInvalid('a document timestamp cannot certify');
      if (existingSignatureCount(reader) > 0)
        throw pdfFieldInvalid('a certification signature must be the first');
    }
    refuseWhenLockedByDocMdp(reader);
    const placed = placeSignatureField(reader, builder, editor, options, signatureRef);
    if (options.docMdpPermissions !== undefined) {
      const perms = editor.editDict('Perms');
      perms.set('DocMDP', signatureRef);
    }
    editor.finish();
    const body = signatureDictionaryBody(options, capacity);
    builder.setRaw({ ref: signatureRef, body: body.bytes });
    const revision = serializeRevision(builder);
    const objectOffset = revision.offsets.get(signatureRef.objectNumber)!;
    const headerLength = `${signatureRef.objectNumber} 0 obj\n`.length;
    const holeStart = objectOffset + headerLength + body.contentsAt;
    const holeEnd = holeStart + capacity * 2 + 2;
    const byteRange: ByteRange = [0, holeStart, holeEnd, revision.fileSize - holeEnd];
    // Fill the fixed-width /ByteRange in the appended bytes before anything is written.
    const text = `[${byteRange.join(' ')}]`;
    const rangeAt = objectOffset + headerLength + body.byteRangeAt - reader.size;
    revision.bytes.write(text.padEnd(BYTE_RANGE_WIDTH, ' '), rangeAt, 'latin1');
    const written = await writeWithRevision(source, revision.bytes, options.output);
    const prepared = written.path ?? written.bytes!;
    return {
      path: written.path,
      bytes: written.bytes,
      fieldName: placed.fieldName,
      byteRange,
      placeholder: { byteRange, contentsOffset: holeStart, capacity },
      digestByteRange: (algorithm) => digestByteRange(prepared, byteRange, algorithm),
    };
  } finally {
    reader.close();
  }
}

function signatureDictionaryBody(
  options: SignaturePlaceholderOptions,
  capacity: number,
): { bytes: Buffer; byteRangeAt: number; contentsAt: number } {
  const isTimestamp = options.subFilter === 'ETSI.RFC3161';
  const rest = pdfDict({
    Type: pdfName(isTimestamp ? 'DocTimeStamp' : 'Sig'),
    Filter: pdfName('Adobe.PPKLite'),
    SubFilter: pdfName(options.subFilter ?? 'ETSI.CAdES.detached'),
    M: !isTimestamp && options.signingTime ? pdfDate(options.signingTime) : undefined,
    Name: options.signerName !== undefined ? pdfText(options.signerName) : undefined,
    Reason: options.reason !== undefined ? pdfText(options.reason) : undefined,
    Location: options.location !== undefined ? pdfText(options.location) : undefined,
    ContactInfo: options.contactInfo !== undefined ? pdfText(options.contactInfo) : undefined,
    Reference:
      options.docMdpPermissions !== undefined
        ? pdfArray(
            pdfDict({
              Type: pdfName('SigRef'),
              TransformMethod: pdfName('DocMDP'),
              TransformParams: pdfDict({
                Type: pdfName('TransformParams'),
                P: pdfNumber(options.docMdpPermissions),
                V: pdfName('1.2'),
              }),
            }),
          )
        : undefined,
  });
  const restBytes = serializePdf(rest).subarray(2);
  const head = '<</ByteRange ';
  const middle = `${'['.padEnd(BYTE_RANGE_WIDTH - 1, ' ')}]\n/Contents `;
  const hole = `<${'0'.repeat(capacity * 2)}>\n`;
  const bytes = Buffer.concat([Buffer.from(head + middle + hole, 'latin1'), restBytes]);
  return { bytes, byteRangeAt: head.length, contentsAt: head.length + middle.length };
}

function existingSignatureCount(reader: PdfReader): number {
  return reader.formFields().filter((f) => f.fieldType === 'Sig' && f.value instanceof PdfDict).length;
}

/** A document certified with DocMDP P=1 allows no further change, so no revision is prepared. */
function refuseWhenLockedByDocMdp(reader: PdfReader): void {
  const perms = reader.dict(reader.catalog.get('Perms'));
  const docMdp = reader.dict(perms?.get('DocMDP'));
  if (docMdp && docMdpPermissions(reader, docMdp) === 1) {
    throw pdfFieldInvalid('the document is certified with no changes allowed (DocMDP P=1)');
  }
}

function docMdpPermissions(reader: PdfReader, signature: PdfDict): 1 | 2 | 3 | undefined {
  const references = reader.resolve(signature.get('Reference'));
  if (!(references instanceof PdfArray)) return undefined;
  for (const item of references.items) {
    const reference = reader.dict(item);
    if (reference?.name('TransformMethod') !== 'DocMDP') continue;
    const p = reader.dict(reference.get('TransformParams'))?.number('P') ?? 2;
    return p === 1 || p === 3 ? p : 2;
  }
  return undefined;
}

function checkByteRange(byteRange: readonly number[], size: number): void {
  if (
    byteRange.length !== 4 ||
    !byteRange.every((n) => Number.isSafeInteger(n) && n >= 0) ||
    byteRange[0]! + byteRange[1]! > byteRange[2]! ||
    byteRange[2]! + byteRange[3]! > size
  ) {
    throw pdfMalformed('bad /ByteRange', { byteRange: [...byteRange] });
  }
}

/** Digest of the two covered ranges, streamed from disk for a path (no copy of the file in memory). */
export async function digestByteRange(
  prepared: PdfSource,
  byteRange: ByteRange,
  algorithm: DigestAlgorithm,
): Promise<Buffer> {
  const hash = createHash(algorithm);
  if (typeof prepared !== 'string') {
    checkByteRange(byteRange, prepared.length);
    hash.update(prepared.subarray(byteRange[0], byteRange[0] + byteRange[1]));
    hash.update(prepared.subarray(byteRange[2], byteRange[2] + byteRange[3]));
    return hash.digest();
  }
  const handle = await open(prepared, 'r');
  try {
    checkByteRange(byteRange, (await handle.stat()).size);
  } finally {
    await handle.close();
  }
  for (const [start, length] of [
    [byteRange[0], byteRange[1]],
    [byteRange[2], byteRange[3]],
  ] as const) {
    if (length === 0) continue;
    const stream = createReadStream(prepared, { start, end: start + length - 1, highWaterMark: 1024 * 1024 });
    for await (const chunk of stream) hash.update(chunk as Buffer);
  }
  return hash.digest();
}

/** Writes the DER CMS as hex into the /Contents hole, in place; the rest of the file is untouched. */
export async function embedSignatureContents(
  prepared: string | Uint8Array,
  placeholder: SignaturePlaceholder,
  der: Uint8Array,
): Promise<void> {
  if (der.length > placeholder.capacity) throw pdfSignatureTooLarge(der.length, placeholder.capacity);
  const hex = Buffer.from(Buffer.from(der).toString('hex').toUpperCase(), 'latin1');
  const holeLength = placeholder.capacity * 2 + 2;
  if (typeof prepared !== 'string') {
    checkHole(
      Buffer.from(prepared.subarray(placeholder.contentsOffset, placeholder.contentsOffset + holeLength)),
      holeLength,
    );
    prepared.set(hex, placeholder.contentsOffset + 1);
    return;
  }
  const handle = await open(prepared, 'r+');
  try {
    const hole = Buffer.alloc(holeLength);
    await handle.read(hole, 0, holeLength, placeholder.contentsOffset);
    checkHole(hole, holeLength);
    await handle.write(hex, 0, hex.length, placeholder.contentsOffset + 1);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function checkHole(hole: Buffer, length: number): void {
  if (hole.length !== length || hole[0] !== 0x3c || hole[length - 1] !== 0x3e) {
    throw pdfMalformed('the placeholder does not match the prepared file');
  }
  for (let i = 1; i < length - 1; i++) {
    const c = hole[i]!;
    const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
    if (!hex) throw pdfMalformed('the placeholder does not match the prepared file');
  }
}

/**
 * The CMS value at the start of `contents` without the zero padding after it: the declared length
 * for DER, or a walk to the end-of-contents octets for BER indefinite length (some signing tools
 * write that). Trailing zeros cannot simply be trimmed: a value may itself end in 00 (an EOC, or a
 * signature whose last byte is zero). When no well-formed value is found, everything is returned and
 * the CMS parser reports the error.
 */
export function stripPadding(contents: Uint8Array): Uint8Array {
  const end = berElementEnd(contents);
  return end === undefined ? contents : contents.subarray(0, end);
}

/** A text string's or a name's value, resolved through references (e.g. a signature field's /T). */
export const readText = (reader: PdfReader, value: PdfObject | undefined): string | undefined => {
  const resolved = reader.resolve(value);
  return resolved instanceof PdfString
    ? resolved.text()
    : resolved instanceof PdfName
      ? resolved.value
      : undefined;
};

/** Every signature and document timestamp in the document, with how its /ByteRange relates to the file. */
export async function listSignatures(
  source: PdfSource,
  options: OpenPdfOptions = {},
): Promise<PdfSignatureInfo[]> {
  const reader = await openPdf(source, options);
  try {
    return readSignatures(reader);
  } finally {
    reader.close();
  }
}

export function readSignatures(reader: PdfReader): PdfSignatureInfo[] {
  const out: PdfSignatureInfo[] = [];
  for (const field of reader.formFields()) {
    if (field.fieldType !== 'Sig' || !(field.value instanceof PdfDict)) continue;
    out.push(describeSignature(reader, field.name, field.value, field.dict.get('V')));
  }
  return out;
}

/**
 * One signature dictionary as a verifier sees it: its CMS value, its byte range and what that range
 * covers. Used for the form's signatures and, by validation, for widgets reachable only from a
 * page's /Annots, so both are read the same way.
 */
export function describeSignature(
  reader: PdfReader,
  fieldName: string,
  value: PdfDict,
  vRef: PdfObject | undefined,
): PdfSignatureInfo {
  const contentsValue = reader.resolve(value.get('Contents'));
  const contents = contentsValue instanceof PdfString ? contentsValue.bytes : new Uint8Array(0);
  const rangeValue = reader.resolve(value.get('ByteRange'));
  const byteRange =
    rangeValue instanceof PdfArray
      ? rangeValue.items.map((item) => {
          const n = reader.resolve(item);
          return n instanceof PdfNumber ? n.value : Number.NaN;
        })
      : undefined;
  const objectOffset = vRef instanceof PdfRef ? reader.objectOffset(vRef) : undefined;
  const holeMatches = byteRange !== undefined && holeIsContents(reader, byteRange, contents, objectOffset);
  const end = byteRange && byteRange.length === 4 ? byteRange[2]! + byteRange[3]! : Number.NaN;
  const rangeRevision = reader.revisions.find((r) => end >= r.eofOffset && end <= r.endOffset);
  const objectRevision =
    vRef instanceof PdfRef
      ? [...reader.revisions].reverse().find((r) => r.objectNumbers.includes(vRef.objectNumber))
      : undefined;
  return {
    fieldName,
    type: value.name('Type'),
    filter: value.name('Filter'),
    subFilter: value.name('SubFilter'),
    byteRange,
    contents,
    cms: stripPadding(contents),
    signingTime: readText(reader, value.get('M')),
    reason: readText(reader, value.get('Reason')),
    location: readText(reader, value.get('Location')),
    contactInfo: readText(reader, value.get('ContactInfo')),
    name: readText(reader, value.get('Name')),
    revisionIndex: (rangeRevision ?? objectRevision)?.index,
    coversWholeFile: holeMatches && end === reader.size,
    coversRevision: holeMatches && rangeRevision !== undefined,
    docMdpPermissions: docMdpPermissions(reader, value),
  };
}

/**
 * True when the ByteRange starts at 0 and leaves out exactly the hex string that is this
 * signature's /Contents (checked byte for byte, inside the signature object).
 */
function holeIsContents(
  reader: PdfReader,
  byteRange: readonly number[],
  contents: Uint8Array,
  objectOffset: number | undefined,
): boolean {
  if (byteRange.length !== 4 || !byteRange.every((n) => Number.isSafeInteger(n) && n >= 0)) return false;
  const [a, b, c, d] = byteRange as [number, number, number, number];
  if (a !== 0 || b >= c || c + d > reader.size) return false;
  if (objectOffset === undefined || objectOffset >= b) return false;
  if (c - b !== contents.length * 2 + 2) return false;
  const hole = reader.source.slice(b, c);
  if (hole[0] !== 0x3c || hole[hole.length - 1] !== 0x3e) return false;
  const text = hole.subarray(1, hole.length - 1).toString('latin1');
  return /^[0-9A-Fa-f]*$/.test(text) && Buffer.from(text, 'hex').equals(Buffer.from(contents));
}
