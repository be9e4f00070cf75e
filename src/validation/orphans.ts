/**
 * Signature widgets reachable from a page's /Annots but not from /AcroForm /Fields. Some producers
 * write them (poppler 22.12 `pdfsig -add-signature` on a document whose /AcroForm is a direct
 * dictionary); a verifier that only walks the form would silently skip such a signature, so they
 * are found here and described like the pdf module describes form signatures.
 */
import {
  PdfArray,
  PdfDict,
  PdfName,
  PdfNumber,
  type PdfObject,
  type PdfReader,
  PdfRef,
  type PdfSignatureInfo,
  PdfString,
} from '../pdf/index.ts';

const MAX_PAGES = 2000;
const MAX_ANNOTS = 500;

const text = (reader: PdfReader, value: PdfObject | undefined): string | undefined => {
  const resolved = reader.resolve(value);
  return resolved instanceof PdfString
    ? resolved.text()
    : resolved instanceof PdfName
      ? resolved.value
      : undefined;
};

function holeMatches(
  reader: PdfReader,
  range: readonly number[],
  contents: Uint8Array,
  objectOffset: number | undefined,
): boolean {
  if (range.length !== 4 || !range.every((n) => Number.isSafeInteger(n) && n >= 0)) return false;
  const [a, b, c, d] = range as [number, number, number, number];
  if (a !== 0 || b >= c || c + d > reader.size || objectOffset === undefined || objectOffset >= b)
    return false;
  if (c - b !== contents.length * 2 + 2) return false;
  const hole = reader.source.slice(b, c);
  if (hole[0] !== 0x3c || hole[hole.length - 1] !== 0x3e) return false;
  const hex = hole.subarray(1, hole.length - 1).toString('latin1');
  return /^[0-9A-Fa-f]*$/.test(hex) && Buffer.from(hex, 'hex').equals(Buffer.from(contents));
}

export function orphanSignatures(reader: PdfReader, known: readonly PdfSignatureInfo[]): PdfSignatureInfo[] {
  const knownContents = new Set(known.map((k) => Buffer.from(k.contents).toString('base64')));
  const out: PdfSignatureInfo[] = [];
  const pages = Math.min(reader.pageCount(), MAX_PAGES);
  for (let p = 0; p < pages; p += 1) {
    const annots = reader.resolve(reader.page(p).dict.get('Annots'));
    if (!(annots instanceof PdfArray)) continue;
    for (const item of annots.items.slice(0, MAX_ANNOTS)) {
      const widget = reader.dict(item);
      if (widget?.name('Subtype') !== 'Widget' || widget.name('FT') !== 'Sig') continue;
      const vRef = widget.get('V');
      const value = reader.resolve(vRef);
      if (!(value instanceof PdfDict)) continue;
      const contentsValue = reader.resolve(value.get('Contents'));
      const contents = contentsValue instanceof PdfString ? contentsValue.bytes : new Uint8Array(0);
      if (knownContents.has(Buffer.from(contents).toString('base64'))) continue;
      const rangeValue = reader.resolve(value.get('ByteRange'));
      const byteRange =
        rangeValue instanceof PdfArray
          ? rangeValue.items.map((i) => {
              const n = reader.resolve(i);
              return n instanceof PdfNumber ? n.value : Number.NaN;
            })
          : undefined;
      const objectOffset = vRef instanceof PdfRef ? reader.objectOffset(vRef) : undefined;
      const matches = byteRange !== undefined && holeMatches(reader, byteRange, contents, objectOffset);
      const end = byteRange?.length === 4 ? byteRange[2]! + byteRange[3]! : Number.NaN;
      const revision = reader.revisions.find((r) => end >= r.eofOffset && end <= r.endOffset);
      let trimmed = contents.length;
      while (trimmed > 0 && contents[trimmed - 1] === 0) trimmed -= 1;
      out.push({
        fieldName: text(reader, widget.get('T')) ?? '(unnamed)',
        type: value.name('Type'),
        filter: value.name('Filter'),
        subFilter: value.name('SubFilter'),
        byteRange,
        contents,
        cms: contents.subarray(0, trimmed),
        signingTime: text(reader, value.get('M')),
        reason: text(reader, value.get('Reason')),
        location: text(reader, value.get('Location')),
        contactInfo: text(reader, value.get('ContactInfo')),
        name: text(reader, value.get('Name')),
        revisionIndex: revision?.index,
        coversWholeFile: matches && end === reader.size,
        coversRevision: matches && revision !== undefined,
        docMdpPermissions: undefined,
      });
    }
  }
  return out;
}
