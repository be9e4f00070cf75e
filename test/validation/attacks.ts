/**
 * Byte-level incremental updates for the attack corpus: the attacker writes whatever objects,
 * xref entries and trailer it likes — nothing here goes through src/pdf's writer, which would refuse
 * or normalise the tricks (a new /Root, a generation-1 redefinition, an xref entry pointing at a decoy,
 * a freed object still referred to, a revision after the last %%EOF).
 */
import { openPdf, PdfArray, PdfDict, PdfRef, serializePdf } from '../../src/pdf/index.ts';

export interface RawObject {
  readonly number: number;
  readonly generation?: number;
  /** Text between `n g obj` and `endobj`. */
  readonly body: string;
  /** Written in the body but marked free in the xref (a "freed" overlay). */
  readonly freed?: boolean;
}

export interface RawRevision {
  readonly objects: readonly RawObject[];
  /** Trailer entries replacing the defaults (`Root`, `Info`). */
  readonly trailer?: Readonly<Record<string, string>>;
  /** xref entries pointing where the attacker likes: object number → file offset. */
  readonly pointAt?: ReadonlyMap<number, number>;
  /** Leave out the final %%EOF (the revision then sits after the last one a strict reader sees). */
  readonly withoutEof?: boolean;
}

/** A dictionary written back with some entries replaced (raw PDF text values). */
export function rewrite(dict: PdfDict, entries: Readonly<Record<string, string>>): string {
  const copy = dict.clone();
  for (const key of Object.keys(entries)) copy.delete(key);
  const extra = Object.entries(entries)
    .map(([k, v]) => `/${k} ${v}`)
    .join(' ');
  return serializePdf(copy)
    .toString('latin1')
    .replace(/>>\s*$/, ` ${extra} >>`);
}

/** Facts of the document's newest revision that an attacker reads before writing the next one. */
export async function lastRevision(bytes: Buffer) {
  const reader = await openPdf(bytes);
  try {
    const info = reader.trailer.get('Info');
    const acroForm = reader.catalog.get('AcroForm');
    const page1 = reader.page(0);
    const annots = reader.resolve(page1.dict.get('Annots'));
    return {
      startxref: reader.lastXrefOffset,
      size: reader.nextObjectNumber,
      root: reader.catalogRef.key,
      catalogNumber: reader.catalogRef.objectNumber,
      info: info instanceof PdfRef ? info.key : undefined,
      catalog: reader.catalog,
      acroForm:
        acroForm instanceof PdfRef
          ? { number: acroForm.objectNumber, dict: reader.dict(acroForm)! }
          : undefined,
      acroFormDict: reader.dict(acroForm),
      page1: { number: page1.ref.objectNumber, dict: page1.dict },
      /** Page 1's annotation list as PDF text, to be extended by an attacker. */
      annots1: annots instanceof PdfArray ? serializePdf(annots).toString('latin1') : '[]',
    };
  } finally {
    reader.close();
  }
}

export async function appendRaw(bytes: Buffer, revision: RawRevision): Promise<Buffer> {
  const last = await lastRevision(bytes);
  const parts: string[] = [bytes.at(-1) === 0x0a ? '' : '\n'];
  let offset = bytes.length + parts[0]!.length;
  const rows = new Map<number, string>();
  for (const object of revision.objects) {
    const text = `${object.number} ${object.generation ?? 0} obj\n${object.body}\nendobj\n`;
    rows.set(
      object.number,
      object.freed
        ? '0000000000 00001 f '
        : `${String(offset).padStart(10, '0')} ${String(object.generation ?? 0).padStart(5, '0')} n `,
    );
    parts.push(text);
    offset += Buffer.byteLength(text, 'latin1');
  }
  for (const [number, at] of revision.pointAt ?? [])
    rows.set(number, `${String(at).padStart(10, '0')} 00000 n `);
  const lines = ['xref', '0 1', '0000000000 65535 f '];
  for (const number of [...rows.keys()].sort((a, b) => a - b)) lines.push(`${number} 1`, rows.get(number)!);
  const size = Math.max(last.size, ...revision.objects.map((o) => o.number + 1));
  const trailer = {
    Size: String(size),
    Root: `${last.root} R`,
    ...(last.info ? { Info: `${last.info} R` } : {}),
    Prev: String(last.startxref),
    ...revision.trailer,
  };
  const entries = Object.entries(trailer)
    .map(([k, v]) => `/${k} ${v}`)
    .join(' ');
  parts.push(`${lines.join('\n')}\ntrailer\n<< ${entries} >>\nstartxref\n${offset}\n`);
  if (!revision.withoutEof) parts.push('%%EOF\n');
  return Buffer.concat([bytes, Buffer.from(parts.join(''), 'latin1')]);
}

export const stream = (text: string, extra = ''): string =>
  `<< /Length ${text.length}${extra} >>\nstream\n${text}\nendstream`;

/** What the forger wants the reader to see instead of the signed text. */
export const FORGED_TEXT = 'BT /F1 24 Tf 72 700 Td (PAY 1,000,000 YEN) Tj ET';
/** An opaque white box with the forged text: an overlay that hides what is beneath. */
export const OVERLAY = `1 1 1 rg 0 0 595 842 re f 0 0 0 rg ${FORGED_TEXT}`;

/** A PDF array's text with references appended. */
export const withItems = (array: string, ...refs: string[]): string =>
  array.replace(/\]\s*$/, ` ${refs.join(' ')}]`);

/**
 * A revision with a cross-reference stream: `objects` at plain offsets, `compressed` entries naming
 * an object stream and an index (objects the attacker keeps in an object stream).
 */
export async function appendXrefStream(
  bytes: Buffer,
  objects: readonly RawObject[],
  compressed: ReadonlyMap<number, readonly [number, number]>,
): Promise<Buffer> {
  const last = await lastRevision(bytes);
  const lead = bytes.at(-1) === 0x0a ? '' : '\n';
  let offset = bytes.length + lead.length;
  const parts: string[] = [lead];
  const rows = new Map<number, Buffer>();
  const row = (type: number, a: number, b: number) => {
    const r = Buffer.alloc(7);
    r.writeUInt8(type, 0);
    r.writeUInt32BE(a, 1);
    r.writeUInt16BE(b, 5);
    return r;
  };
  for (const object of objects) {
    const text = `${object.number} 0 obj\n${object.body}\nendobj\n`;
    rows.set(object.number, row(1, offset, 0));
    parts.push(text);
    offset += Buffer.byteLength(text, 'latin1');
  }
  for (const [number, [stream, index]] of compressed) rows.set(number, row(2, stream, index));
  const self = Math.max(last.size, ...objects.map((o) => o.number + 1));
  rows.set(self, row(1, offset, 0));
  const numbers = [...rows.keys()].sort((a, b) => a - b);
  const data = Buffer.concat(numbers.map((n) => rows.get(n)!));
  const index = numbers.map((n) => `${n} 1`).join(' ');
  const head = `${self} 0 obj\n<< /Type /XRef /Size ${self + 1} /W [1 4 2] /Index [${index}] /Root ${last.root} R${last.info ? ` /Info ${last.info} R` : ''} /Prev ${last.startxref} /Length ${data.length} >>\nstream\n`;
  return Buffer.concat([
    bytes,
    Buffer.from(parts.join('') + head, 'latin1'),
    data,
    Buffer.from(`\nendstream\nendobj\nstartxref\n${offset}\n%%EOF\n`, 'latin1'),
  ]);
}

/** An object stream holding one object. */
export function objectStream(number: number, body: string): string {
  const header = `${number} 0 `;
  return stream(`${header}${body}`, ` /Type /ObjStm /N 1 /First ${header.length}`);
}

/** What a /Perms entry's new signature dictionary says and whether its /ByteRange ends with its revision. */
export interface PermsSignature {
  /** The /Perms entry: /UR3 (usage rights) or /DocMDP (certification). */
  readonly entry: 'UR3' | 'DocMDP';
  readonly signedInRevision: boolean;
}

const TRANSFORM = {
  UR3: '/TransformMethod /UR3 /TransformParams << /Type /TransformParams /V /2.2 /Document [/FullSave] /Annots [/Create] >>',
  DocMDP: '/TransformMethod /DocMDP /TransformParams << /Type /TransformParams /V /1.2 /P 3 >>',
} as const;

/**
 * A revision that puts a new signature dictionary under /Perms (directly in the catalog's /Perms
 * when it has one, else in a new indirect /Perms). Its /ByteRange is fixed after writing, with the
 * same width, to end at this revision's %%EOF — or to cover nothing sensible. Its /Contents stays
 * zeros: shomei does not validate usage-rights signatures (no form field holds them), only where
 * their byte range ends.
 */
export async function appendPermsSignature(bytes: Buffer, options: PermsSignature): Promise<Buffer> {
  const last = await lastRevision(bytes);
  const n = last.size;
  const placeholder = '[0 0000000000 0000000000 0000000000]';
  const signature = `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange ${placeholder} /Contents <${'0'.repeat(128)}> /Reference [<< /Type /SigRef ${TRANSFORM[options.entry]} >>] >>`;
  const perms = last.catalog.get('Perms');
  const objects: RawObject[] = [{ number: n, body: signature }];
  if (perms instanceof PdfDict) {
    objects.push({
      number: last.catalogNumber,
      body: rewrite(last.catalog, { Perms: rewrite(perms, { [options.entry]: `${n} 0 R` }) }),
    });
  } else {
    objects.push(
      { number: n + 1, body: `<< /${options.entry} ${n} 0 R >>` },
      { number: last.catalogNumber, body: rewrite(last.catalog, { Perms: `${n + 1} 0 R` }) },
    );
  }
  const out = await appendRaw(bytes, { objects });
  const at = out.indexOf(placeholder, bytes.length);
  const holeStart = out.indexOf('/Contents <', at) + '/Contents '.length;
  const holeEnd = out.indexOf('>', holeStart) + 1;
  const pad = (v: number) => String(v).padStart(10, '0');
  const range = options.signedInRevision
    ? `[0 ${pad(holeStart)} ${pad(holeEnd)} ${pad(out.length - holeEnd)}]`
    : `[0 ${pad(holeStart)} ${pad(holeEnd)} ${pad(0)}]`;
  out.write(range, at, 'latin1');
  return out;
}
