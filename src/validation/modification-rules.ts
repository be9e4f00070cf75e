/**
 * What a revision may change after a signature, as data: one rule per (role, kind of change), with
 * the level it counts as (ISO 32000-2 §12.8.2.2 DocMDP, PAdES / ETSI EN 319 142-1 §5.4 for DSS and
 * document timestamps; pyHanko's difference analysis orders the same levels). A change that no rule of
 * one of its roles allows is OTHER: what a reader sees is not what was signed.
 */
import {
  PdfArray,
  PdfDict,
  PdfName,
  PdfNumber,
  type PdfObject,
  type PdfReader,
  PdfRef,
  type PdfRevision,
  PdfStream,
  serializePdf,
} from '../pdf/index.ts';
import type { ObjectRole } from './roles.ts';
import type { ModificationLevel } from './types.ts';

/**
 * `added`: newly reachable (a new object, or an old one that nothing showed before); `changed`: same
 * object, other value; `removed`: still referred to but gone; `filled`: referred to but missing when
 * signed, present now (a planted dangling reference).
 */
export type ChangeKind = 'added' | 'changed' | 'removed' | 'filled';

export interface ObjectChange {
  readonly kind: ChangeKind;
  readonly ref: PdfRef;
  readonly before: PdfObject | undefined;
  readonly after: PdfObject | undefined;
  readonly prev: PdfReader;
  readonly cur: PdfReader;
  /** The revision that made the change. */
  readonly revision: PdfRevision;
}

export interface ModificationRule {
  readonly id: string;
  /** `any`: checked for every role, before the role's own rules. */
  readonly role: ObjectRole | 'any';
  readonly level: ModificationLevel;
  readonly when: (change: ObjectChange) => boolean;
  readonly ja: string;
  readonly en: string;
}

export const same = (a: PdfObject | undefined, b: PdfObject | undefined): boolean => {
  if (a === undefined || b === undefined) return a === b;
  if (a instanceof PdfStream || b instanceof PdfStream) {
    return (
      a instanceof PdfStream &&
      b instanceof PdfStream &&
      serializePdf(a.dict).equals(serializePdf(b.dict)) &&
      Buffer.from(a.data).equals(Buffer.from(b.data))
    );
  }
  return serializePdf(a).equals(serializePdf(b));
};

const dictOf = (value: PdfObject | undefined): PdfDict | undefined =>
  value instanceof PdfStream ? value.dict : value instanceof PdfDict ? value : undefined;

export function changedKeys(before: PdfDict | undefined, after: PdfDict | undefined): string[] {
  const keys = new Set([...(before?.entries.keys() ?? []), ...(after?.entries.keys() ?? [])]);
  return [...keys].filter((key) => !same(before?.get(key), after?.get(key)));
}

const within = (keys: readonly string[], allowed: readonly string[]) =>
  keys.every((k) => allowed.includes(k));

/** Keys that differ, counting a stream's data as `(stream data)`. */
function keysOf(change: ObjectChange): string[] {
  const keys = changedKeys(dictOf(change.before), dictOf(change.after));
  const { before, after } = change;
  if (
    before instanceof PdfStream &&
    after instanceof PdfStream &&
    !Buffer.from(before.data).equals(after.data)
  )
    keys.push('(stream data)');
  return keys;
}

/** A field attribute, inherited through /Parent (ISO 32000-2 §12.7.4.1). */
function inherited(reader: PdfReader, dict: PdfDict | undefined, key: string): PdfObject | undefined {
  let current = dict;
  for (let depth = 0; current !== undefined && depth < 16; depth += 1) {
    const value = current.get(key);
    if (value !== undefined) return value;
    current = reader.dict(current.get('Parent'));
  }
  return undefined;
}

function fieldType(reader: PdfReader, dict: PdfDict | undefined): string | undefined {
  const ft = inherited(reader, dict, 'FT');
  return ft instanceof PdfName ? ft.value : undefined;
}

/** A signature dictionary whose /ByteRange ends with the revision that added it: signed there. */
export function signedIn(reader: PdfReader, value: PdfObject | undefined, revision: PdfRevision): boolean {
  const range = reader.resolve(reader.dict(value)?.get('ByteRange'));
  if (!(range instanceof PdfArray) || range.length !== 4) return false;
  const n = range.items.map((i) => (i instanceof PdfNumber ? i.value : Number.NaN));
  const end = n[2]! + n[3]!;
  return n[0] === 0 && end >= revision.eofOffset && end <= revision.endOffset;
}

const isSigWidget = (c: ObjectChange) => fieldType(c.cur, dictOf(c.after)) === 'Sig';
const signedHere = (c: ObjectChange) => signedIn(c.cur, inherited(c.cur, dictOf(c.after), 'V'), c.revision);

/** References an array lists (resolved through an indirect array). */
function refsIn(reader: PdfReader, value: PdfObject | undefined): string[] {
  const array = reader.resolve(value);
  return array instanceof PdfArray ? array.items.flatMap((i) => (i instanceof PdfRef ? [i.key] : [])) : [];
}

/** Every reference listed under `key` before is still listed after, and the list holds only references. */
function keeps(change: ObjectChange, key: string, before = dictOf(change.before)): boolean {
  const list = dictOf(change.after)?.get(key);
  const now = new Set(refsIn(change.cur, list));
  return onlyRefs(change.cur, list) && refsIn(change.prev, before?.get(key)).every((k) => now.has(k));
}

function arrayKeeps(change: ObjectChange): boolean {
  const now = new Set(refsIn(change.cur, change.after));
  return onlyRefs(change.cur, change.after) && refsIn(change.prev, change.before).every((k) => now.has(k));
}

/**
 * Every item is a reference: a direct annotation or field dictionary is no object of its own, so no
 * rule would judge it — it counts as the list's own change.
 */
function onlyRefs(reader: PdfReader, value: PdfObject | undefined): boolean {
  const array = reader.resolve(value);
  return !(array instanceof PdfArray) || array.items.every((i) => i instanceof PdfRef);
}

const isLeafPage = (c: ObjectChange) => !dictOf(c.before)?.has('Kids') && !dictOf(c.after)?.has('Kids');
const catalogKeys = (c: ObjectChange) => changedKeys(c.prev.catalog, c.cur.catalog);
const LTA_CATALOG_KEYS = ['DSS', 'Extensions', 'Version', 'Metadata'];
const FORM_CATALOG_KEYS = [...LTA_CATALOG_KEYS, 'AcroForm'];
const prevAcroForm = (c: ObjectChange) => c.prev.dict(c.prev.catalog.get('AcroForm'));

function onlyAttachments(c: ObjectChange): boolean {
  if (!within(catalogKeys(c), [...FORM_CATALOG_KEYS, 'Names', 'AF'])) return false;
  const before = c.prev.dict(c.prev.catalog.get('Names'));
  const after = c.cur.dict(c.cur.catalog.get('Names'));
  return within(changedKeys(before, after), ['EmbeddedFiles']);
}

function acroFormFilled(c: ObjectChange): boolean {
  const before = prevAcroForm(c);
  const after = dictOf(c.after);
  const needAppearances = after?.get('NeedAppearances');
  return (
    within(changedKeys(before, after), ['Fields', 'SigFlags', 'DR', 'DA']) &&
    !(needAppearances !== undefined && !same(needAppearances, before?.get('NeedAppearances'))) &&
    keeps(c, 'Fields', before)
  );
}

const permsOf = (reader: PdfReader) => reader.dict(reader.catalog.get('Perms'));
const permsKeys = (c: ObjectChange) => changedKeys(permsOf(c.prev), permsOf(c.cur));
/** /Perms entries for usage rights (ISO 32000-1 §12.8.4: /UR3; /UR in PDF 1.5) and their transform method. */
const USAGE_RIGHTS: Readonly<Record<string, string>> = { UR3: 'UR3', UR: 'UR' };

/** A signature dictionary whose /Reference names the transform method, signed in this revision. */
function signedUsageRights(c: ObjectChange, value: PdfObject | undefined, method: string): boolean {
  const references = c.cur.resolve(c.cur.dict(value)?.get('Reference'));
  const named =
    references instanceof PdfArray &&
    references.items.some((r) => c.cur.dict(r)?.name('TransformMethod') === method);
  return named && signedIn(c.cur, value, c.revision);
}

/**
 * /Perms changed only in its usage-rights signature (ISO 32000-1 §12.8.2.3, §12.8.4): one signed
 * in this revision, or taken away. Usage rights enable viewer features and are honoured only
 * within every other permission handler, so DocMDP still rules; adding one is signing (P≥2).
 * /DocMDP itself never changes: only the first signature certifies (ISO 32000-2 §12.8.2.2.1).
 */
function usageRightsOnly(c: ObjectChange): boolean {
  const after = permsOf(c.cur);
  if (c.cur.catalog.get('Perms') !== undefined && after === undefined) return false;
  const keys = permsKeys(c);
  return keys.every((key) => {
    const method = USAGE_RIGHTS[key];
    const value = after?.get(key);
    return method !== undefined && (value === undefined || signedUsageRights(c, value, method));
  });
}

const certificationChanged = (c: ObjectChange) => permsKeys(c).includes('DocMDP');

const kind =
  (...kinds: ChangeKind[]) =>
  (c: ObjectChange) =>
    kinds.includes(c.kind);

/** Checked in order; the first rule of a role that applies decides that role's level. */
export const MODIFICATION_RULES: readonly ModificationRule[] = [
  {
    id: 'missing-object',
    role: 'any',
    level: 'OTHER',
    when: kind('removed', 'filled'),
    ja: '参照先のオブジェクトが削除された、または署名時に存在しなかったオブジェクトが後から定義されました',
    en: 'a referenced object was removed, or an object missing when signed was defined afterwards',
  },
  {
    id: 'catalog-lta',
    role: 'catalog',
    level: 'LTA_UPDATES',
    when: (c) => c.kind === 'changed' && within(catalogKeys(c), LTA_CATALOG_KEYS),
    ja: '文書カタログの DSS・拡張・バージョン・XMP メタデータが更新されました',
    en: 'the catalog’s DSS, extensions, version or XMP metadata were updated',
  },
  {
    id: 'catalog-form',
    role: 'catalog',
    level: 'FORM_FILLING',
    when: (c) => c.kind === 'changed' && within(catalogKeys(c), FORM_CATALOG_KEYS),
    ja: '文書カタログのフォーム（/AcroForm）が更新されました',
    en: 'the catalog’s form (/AcroForm) was updated',
  },
  {
    id: 'catalog-certification-changed',
    role: 'catalog',
    level: 'OTHER',
    when: (c) => c.kind === 'changed' && certificationChanged(c),
    ja: '認証署名（/Perms /DocMDP）が追加・差し替え・削除されました（文書を認証できるのは最初の署名だけです）',
    en: 'the certification (/Perms /DocMDP) was added, replaced or removed (only the first signature can certify a document)',
  },
  {
    id: 'catalog-usage-rights',
    role: 'catalog',
    level: 'FORM_FILLING',
    when: (c) =>
      c.kind === 'changed' && within(catalogKeys(c), [...FORM_CATALOG_KEYS, 'Perms']) && usageRightsOnly(c),
    ja: 'この改訂で署名された利用権限署名（/Perms /UR3）が追加された、または利用権限が外されました',
    en: 'a usage-rights signature (/Perms /UR3) signed in this revision was added, or usage rights were taken away',
  },
  {
    id: 'catalog-attachments',
    role: 'catalog',
    level: 'ANNOTATIONS',
    when: (c) => c.kind === 'changed' && onlyAttachments(c),
    ja: '添付ファイルが追加されました（/EmbeddedFiles, /AF）',
    en: 'attachments were added (/EmbeddedFiles, /AF)',
  },
  {
    id: 'info',
    role: 'info',
    level: 'LTA_UPDATES',
    when: (c) => !(c.after instanceof PdfStream),
    ja: '文書情報（/Info）が更新されました',
    en: 'the document information (/Info) was updated',
  },
  {
    id: 'xmp-metadata',
    role: 'metadata',
    level: 'LTA_UPDATES',
    when: (c) => c.after instanceof PdfStream && c.after.dict.name('Subtype') === 'XML',
    ja: 'XMP メタデータが更新されました',
    en: 'the XMP metadata was updated',
  },
  {
    id: 'dss',
    role: 'dss',
    level: 'LTA_UPDATES',
    when: () => true,
    ja: '文書セキュリティストア（DSS）が更新されました',
    en: 'the document security store (DSS) was updated',
  },
  {
    id: 'extensions',
    role: 'extensions',
    level: 'LTA_UPDATES',
    when: () => true,
    ja: '拡張情報（/Extensions）が更新されました',
    en: 'the developer extensions (/Extensions) were updated',
  },
  {
    id: 'perms-certification-changed',
    role: 'perms',
    level: 'OTHER',
    when: certificationChanged,
    ja: '認証署名（/Perms /DocMDP）が追加・差し替え・削除されました（文書を認証できるのは最初の署名だけです）',
    en: 'the certification (/Perms /DocMDP) was added, replaced or removed (only the first signature can certify a document)',
  },
  {
    id: 'perms-usage-rights',
    role: 'perms',
    level: 'FORM_FILLING',
    when: (c) => (c.kind === 'added' || c.kind === 'changed') && usageRightsOnly(c),
    ja: 'この改訂で署名された利用権限署名（/Perms /UR3）が追加された、または利用権限が外されました',
    en: 'a usage-rights signature (/Perms /UR3) signed in this revision was added, or usage rights were taken away',
  },
  {
    id: 'signature-added',
    role: 'signature-value',
    level: 'FORM_FILLING',
    when: (c) =>
      c.kind === 'added' && (!dictOf(c.after)?.has('ByteRange') || signedIn(c.cur, c.after, c.revision)),
    ja: 'この改訂で署名された署名値が追加されました',
    en: 'a signature value signed in this revision was added',
  },
  {
    id: 'page-widgets-added',
    role: 'page-tree',
    level: 'FORM_FILLING',
    when: (c) => c.kind === 'changed' && isLeafPage(c) && within(keysOf(c), ['Annots']) && keeps(c, 'Annots'),
    ja: 'ページの注釈一覧（/Annots）に項目が追加されました',
    en: 'entries were added to a page’s annotation list (/Annots)',
  },
  {
    id: 'page-annotations-removed',
    role: 'page-tree',
    level: 'ANNOTATIONS',
    when: (c) => c.kind === 'changed' && isLeafPage(c) && within(keysOf(c), ['Annots']),
    ja: 'ページの注釈が削除された、または注釈一覧（/Annots）に直接書き込まれました',
    en: 'annotations were removed from a page, or written directly into its annotation list (/Annots)',
  },
  {
    id: 'annots-array-extended',
    role: 'annots-array',
    level: 'FORM_FILLING',
    when: (c) => c.kind === 'added' || (c.kind === 'changed' && arrayKeeps(c)),
    ja: 'ページの注釈一覧（/Annots）に項目が追加されました',
    en: 'entries were added to a page’s annotation list (/Annots)',
  },
  {
    id: 'annots-array-shrunk',
    role: 'annots-array',
    level: 'ANNOTATIONS',
    when: kind('changed'),
    ja: 'ページの注釈が削除された、または注釈一覧（/Annots）に直接書き込まれました',
    en: 'annotations were removed from a page, or written directly into its annotation list (/Annots)',
  },
  {
    id: 'signed-widget-added',
    role: 'annotation',
    level: 'FORM_FILLING',
    when: (c) => c.kind === 'added' && isSigWidget(c) && signedHere(c),
    ja: 'この改訂で署名された署名欄が追加されました',
    en: 'a signature field signed in this revision was added',
  },
  {
    id: 'unsigned-widget-added',
    role: 'annotation',
    level: 'ANNOTATIONS',
    when: (c) => c.kind === 'added' && isSigWidget(c),
    ja: '署名されていない署名欄が追加されました（その外観は文書の内容を覆い隠せます）',
    en: 'an unsigned signature field was added (its appearance can cover the content)',
  },
  {
    id: 'annotation-added',
    role: 'annotation',
    level: 'ANNOTATIONS',
    when: kind('added'),
    ja: '注釈が追加されました',
    en: 'an annotation was added',
  },
  {
    id: 'widget-signed',
    role: 'annotation',
    level: 'FORM_FILLING',
    when: (c) =>
      c.kind === 'changed' && isSigWidget(c) && within(keysOf(c), ['V', 'AP', 'AS']) && signedHere(c),
    ja: '署名欄に署名が入りました',
    en: 'a signature field was signed',
  },
  {
    id: 'widget-filled',
    role: 'annotation',
    level: 'FORM_FILLING',
    when: (c) =>
      c.kind === 'changed' &&
      !isSigWidget(c) &&
      fieldType(c.cur, dictOf(c.after)) !== undefined &&
      within(keysOf(c), ['V', 'AP', 'AS']),
    ja: 'フォームフィールドに入力されました',
    en: 'a form field was filled in',
  },
  {
    id: 'annotation-changed',
    role: 'annotation',
    level: 'ANNOTATIONS',
    when: kind('changed'),
    ja: '注釈が変更されました',
    en: 'an annotation was changed',
  },
  {
    id: 'appearance-of-new-object',
    role: 'appearance',
    level: 'NONE',
    when: kind('added'),
    ja: '追加された注釈の外観です',
    en: 'the appearance of an added annotation',
  },
  {
    id: 'appearance-changed',
    role: 'appearance',
    level: 'ANNOTATIONS',
    when: kind('changed'),
    ja: '注釈の外観が変更されました',
    en: 'an annotation’s appearance was changed',
  },
  {
    id: 'form-updated',
    role: 'acroform',
    level: 'FORM_FILLING',
    when: acroFormFilled,
    ja: 'フォーム（/AcroForm）にフィールドまたは署名フラグが追加されました',
    en: 'fields or signature flags were added to the form (/AcroForm)',
  },
  {
    id: 'fields-extended',
    role: 'fields-array',
    level: 'FORM_FILLING',
    when: (c) => c.kind === 'added' || (c.kind === 'changed' && arrayKeeps(c)),
    ja: 'フォームのフィールド一覧に項目が追加されました',
    en: 'entries were added to the form’s field list',
  },
  {
    id: 'signed-field-added',
    role: 'field',
    level: 'FORM_FILLING',
    when: (c) => c.kind === 'added' && isSigWidget(c) && signedHere(c),
    ja: 'この改訂で署名された署名欄が追加されました',
    en: 'a signature field signed in this revision was added',
  },
  {
    id: 'field-added',
    role: 'field',
    level: 'ANNOTATIONS',
    when: kind('added'),
    ja: 'フォームフィールド（未署名の署名欄を含む）が追加されました',
    en: 'a form field (or an unsigned signature field) was added',
  },
  {
    id: 'field-signed',
    role: 'field',
    level: 'FORM_FILLING',
    when: (c) =>
      c.kind === 'changed' && isSigWidget(c) && within(keysOf(c), ['V', 'AP', 'AS']) && signedHere(c),
    ja: '署名欄に署名が入りました',
    en: 'a signature field was signed',
  },
  {
    id: 'field-filled',
    role: 'field',
    level: 'FORM_FILLING',
    when: (c) => c.kind === 'changed' && !isSigWidget(c) && within(keysOf(c), ['V', 'AP', 'AS']),
    ja: 'フォームフィールドに入力されました',
    en: 'a form field was filled in',
  },
  {
    id: 'form-resources',
    role: 'form-resources',
    level: 'FORM_FILLING',
    when: () => true,
    ja: 'フォームの共通リソース（/DR）が更新されました',
    en: 'the form’s default resources (/DR) were updated',
  },
  {
    id: 'field-settings-added',
    role: 'form-settings',
    level: 'FORM_FILLING',
    when: kind('added'),
    ja: '追加されたフィールドの設定です',
    en: 'settings of an added field',
  },
  {
    id: 'names-attachments',
    role: 'names',
    level: 'ANNOTATIONS',
    when: (c) =>
      within(changedKeys(c.prev.dict(c.prev.catalog.get('Names')), dictOf(c.after)), ['EmbeddedFiles']),
    ja: '添付ファイルが追加されました（/EmbeddedFiles）',
    en: 'attachments were added (/EmbeddedFiles)',
  },
  {
    id: 'attachments',
    role: 'attachments',
    level: 'ANNOTATIONS',
    when: () => true,
    ja: '添付ファイルが追加または変更されました',
    en: 'attachments were added or changed',
  },
];

/** What each role is, for the sentence that names a forbidden change. */
export const ROLE_NAMES: Record<ObjectRole, { readonly ja: string; readonly en: string }> = {
  catalog: { ja: '文書カタログ', en: 'the document catalog' },
  info: { ja: '文書情報（/Info）', en: 'the document information (/Info)' },
  'page-tree': { ja: 'ページまたはページツリー', en: 'a page or the page tree' },
  'annots-array': { ja: 'ページの注釈一覧', en: 'a page’s annotation list' },
  annotation: { ja: '注釈', en: 'an annotation' },
  appearance: { ja: '注釈の外観', en: 'an annotation’s appearance' },
  acroform: { ja: 'フォーム（/AcroForm）', en: 'the form (/AcroForm)' },
  'fields-array': { ja: 'フォームのフィールド一覧', en: 'the form’s field list' },
  field: { ja: 'フォームフィールド', en: 'a form field' },
  'form-resources': { ja: 'フォームの共通リソース', en: 'the form’s default resources' },
  'form-settings': { ja: 'フォームまたはフィールドの設定', en: 'form or field settings' },
  'signature-value': { ja: '署名値', en: 'a signature value' },
  dss: { ja: '文書セキュリティストア（DSS）', en: 'the document security store (DSS)' },
  metadata: { ja: 'XMP メタデータ', en: 'the XMP metadata' },
  extensions: { ja: '拡張情報（/Extensions）', en: 'the developer extensions (/Extensions)' },
  perms: { ja: '変更許可（/Perms）', en: 'the permissions (/Perms)' },
  names: { ja: '名前ツリー（/Names）', en: 'the name tree (/Names)' },
  attachments: { ja: '添付ファイル', en: 'attachments' },
  xfa: { ja: 'XFA フォーム', en: 'the XFA form' },
  content: {
    ja: 'ページの内容（内容ストリームまたはリソース）',
    en: 'page content (content stream or resources)',
  },
  document: {
    ja: '文書の構造または動作（/OpenAction, /AA, しおり等）',
    en: 'document structure or actions (/OpenAction, /AA, outlines…)',
  },
};

/** Trailer keys a revision may set: its own cross-reference bookkeeping, /Info and /ID. */
export const TRAILER_KEYS = [
  'Size',
  'Prev',
  'XRefStm',
  'Info',
  'ID',
  'Type',
  'W',
  'Index',
  'Length',
  'Filter',
  'DecodeParms',
];
