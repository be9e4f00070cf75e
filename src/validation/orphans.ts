/**
 * Signature widgets reachable from a page's /Annots but not from /AcroForm /Fields. Some producers
 * write them (poppler 22.12 `pdfsig -add-signature` on a document whose /AcroForm is a direct
 * dictionary); a verifier that only walks the form would silently skip such a signature, so they
 * are found here and described like the pdf module describes form signatures.
 */
import {
  describeSignature,
  PdfArray,
  PdfDict,
  type PdfReader,
  type PdfSignatureInfo,
  readText,
} from '../pdf/index.ts';

const MAX_PAGES = 2000;
const MAX_ANNOTS = 500;

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
      const described = describeSignature(
        reader,
        readText(reader, widget.get('T')) ?? '(unnamed)',
        value,
        vRef,
      );
      if (knownContents.has(Buffer.from(described.contents).toString('base64'))) continue;
      // As before, only the form's certifying signature sets DocMDP permissions, not an orphan.
      out.push({ ...described, docMdpPermissions: undefined });
    }
  }
  return out;
}
