/**
 * The Document Security Store (PAdES, ETSI EN 319 142-1 §5.4; ISO 32000-2 §12.8.4.3): validation
 * data (certificates, CRLs, OCSP responses) stored as streams in /DSS, optionally per signature in
 * /VRI. Appending de-duplicates by content so repeated LTV updates do not grow the file needlessly.
 */
import { createHash } from 'node:crypto';
import { pdfFieldInvalid, pdfMalformed } from './errors.ts';
import { RevisionBuilder, serializeRevision, writeWithRevision } from './incremental-writer.ts';
import {
  flateStream,
  PdfArray,
  PdfDict,
  type PdfObject,
  PdfRef,
  PdfStream,
  PdfString,
  pdfDate,
  pdfDict,
  pdfName,
} from './objects.ts';
import { type OpenPdfOptions, openPdf, type PdfReader } from './reader.ts';
import { CatalogEditor } from './signature-field.ts';
import type { DocumentSecurityStore, DssMaterial, PdfSource, VriEntry, WriteResult } from './types.ts';

type Category = 'Certs' | 'CRLs' | 'OCSPs';
/** The keys of a VRI entry differ from the DSS keys (singular). */
const VRI_KEYS: Record<Category, string> = { Certs: 'Cert', CRLs: 'CRL', OCSPs: 'OCSP' };
const CATEGORIES: readonly Category[] = ['Certs', 'CRLs', 'OCSPs'];

const contentKey = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The VRI key of a signature: upper-case hex SHA-1 of its /Contents string as stored (padding included). */
export function vriKey(signature: Uint8Array | string): string {
  if (typeof signature === 'string') {
    if (!/^[0-9A-Fa-f]{40}$/.test(signature)) throw pdfFieldInvalid('a VRI key is 40 hexadecimal digits');
    return signature.toUpperCase();
  }
  return createHash('sha1').update(signature).digest('hex').toUpperCase();
}

/** Adds an incremental revision that creates or extends /DSS in the catalog. */
export async function appendDocumentSecurityStore(
  source: PdfSource,
  material: DssMaterial,
  options: { output?: string } & OpenPdfOptions = {},
): Promise<WriteResult> {
  const reader = await openPdf(source, options);
  try {
    const builder = new RevisionBuilder(reader);
    const editor = new CatalogEditor(reader, builder);
    const existingValue = reader.catalog.get('DSS');
    const existing = reader.dict(existingValue);
    const dss = existing?.clone() ?? pdfDict({ Type: pdfName('DSS') });
    const known = new Map<string, PdfRef>();
    const arrays = new Map<Category, PdfObject[]>();
    for (const category of CATEGORIES) {
      const items = referencesIn(reader, dss.get(category));
      arrays.set(category, items);
      for (const ref of items) {
        const stream = reader.resolve(ref);
        if (ref instanceof PdfRef && stream instanceof PdfStream)
          known.set(contentKey(reader.streamData(stream)), ref);
      }
    }
    const store = (category: Category, bytes: Uint8Array): PdfRef => {
      const key = contentKey(bytes);
      let ref = known.get(key);
      if (!ref) {
        ref = builder.add(flateStream(new PdfDict(), bytes));
        known.set(key, ref);
      }
      const list = arrays.get(category)!;
      if (!list.some((item) => item instanceof PdfRef && item.equals(ref))) list.push(ref);
      return ref;
    };
    for (const bytes of material.certificates ?? []) store('Certs', bytes);
    for (const bytes of material.crls ?? []) store('CRLs', bytes);
    for (const bytes of material.ocspResponses ?? []) store('OCSPs', bytes);
    if (material.vri && material.vri.length > 0) {
      const vri = reader.dict(dss.get('VRI'))?.clone() ?? new PdfDict();
      for (const input of material.vri) {
        const key = vriKey(input.signature);
        const entry = reader.dict(vri.get(key))?.clone() ?? new PdfDict();
        const lists: [Category, readonly Uint8Array[] | undefined][] = [
          ['Certs', input.certificates],
          ['CRLs', input.crls],
          ['OCSPs', input.ocspResponses],
        ];
        for (const [category, values] of lists) {
          if (!values || values.length === 0) continue;
          const refs = referencesIn(reader, entry.get(VRI_KEYS[category]));
          for (const bytes of values) {
            const ref = store(category, bytes);
            if (!refs.some((item) => item instanceof PdfRef && item.equals(ref))) refs.push(ref);
          }
          entry.set(VRI_KEYS[category], new PdfArray(refs));
        }
        if (input.time) entry.set('TU', pdfDate(input.time));
        vri.set(key, entry);
      }
      dss.set('VRI', vri);
    }
    for (const category of CATEGORIES) {
      const list = arrays.get(category)!;
      if (list.length > 0) dss.set(category, new PdfArray(list));
    }
    if (existingValue instanceof PdfRef) builder.set(existingValue, dss);
    else {
      editor.catalog.set('DSS', builder.add(dss));
      editor.touch();
    }
    editor.finish();
    const revision = serializeRevision(builder);
    return await writeWithRevision(source, revision.bytes, options.output);
  } finally {
    reader.close();
  }
}

function referencesIn(reader: PdfReader, value: PdfObject | undefined): PdfObject[] {
  const array = reader.resolve(value);
  if (array === undefined) return [];
  if (!(array instanceof PdfArray)) throw pdfMalformed('DSS entry is not an array');
  return [...array.items];
}

function streamsIn(reader: PdfReader, value: PdfObject | undefined): Uint8Array[] {
  return referencesIn(reader, value).map((item) => {
    const stream = reader.resolve(item);
    if (!(stream instanceof PdfStream)) throw pdfMalformed('DSS entry is not a stream');
    return reader.streamData(stream);
  });
}

/** Reads /DSS: certificates, CRLs, OCSP responses and VRI entries (empty when absent). */
export async function extractDss(
  source: PdfSource,
  options: OpenPdfOptions = {},
): Promise<DocumentSecurityStore> {
  const reader = await openPdf(source, options);
  try {
    const dss = reader.dict(reader.catalog.get('DSS'));
    if (!dss) return { certificates: [], crls: [], ocspResponses: [], vri: [] };
    const vriDict = reader.dict(dss.get('VRI'));
    const vri: VriEntry[] = [];
    for (const key of vriDict?.keys() ?? []) {
      const entry = reader.dict(vriDict!.get(key));
      if (!entry) continue;
      const tu = reader.resolve(entry.get('TU'));
      vri.push({
        key,
        certificates: streamsIn(reader, entry.get('Cert')),
        crls: streamsIn(reader, entry.get('CRL')),
        ocspResponses: streamsIn(reader, entry.get('OCSP')),
        time: tu instanceof PdfString ? tu.text() : undefined,
      });
    }
    return {
      certificates: streamsIn(reader, dss.get('Certs')),
      crls: streamsIn(reader, dss.get('CRLs')),
      ocspResponses: streamsIn(reader, dss.get('OCSPs')),
      vri,
    };
  } finally {
    reader.close();
  }
}
