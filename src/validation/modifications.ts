/**
 * Modification analysis (after pyHanko's difference analysis, ISO 32000-1 §12.8.2.2 DocMDP): what
 * each incremental update changed, object by object, classified as LTA updates (DSS, document
 * timestamps), form filling and signing, annotations, or anything else. Each later revision is
 * compared with the one before it by opening the file as it was at that revision's end.
 */
import {
  openPdf,
  PdfArray,
  PdfDict,
  type PdfObject,
  type PdfReader,
  PdfRef,
  PdfStream,
  serializePdf,
} from '../pdf/index.ts';
import type { ModificationLevel, RevisionChange } from './types.ts';

export const LEVEL_ORDER: readonly ModificationLevel[] = [
  'NONE',
  'LTA_UPDATES',
  'FORM_FILLING',
  'ANNOTATIONS',
  'OTHER',
];
export const levelRank = (level: ModificationLevel): number => LEVEL_ORDER.indexOf(level);

/**
 * What a DocMDP permission allows (P=1 still allows DSS and document timestamps, ISO 32000-2
 * §12.8.2.2.2). A document without a certification signature has no MDP restriction; like Acrobat's
 * default for approval signatures (and EU DSS, which reports such changes without failing), it may
 * gain annotations and attachments — e-contract services attach their certificate of completion
 * after the last signature — but never page content. Permitted changes still appear as a warning
 * naming the revision.
 */
export function allowedLevel(docMdp: 1 | 2 | 3 | undefined): ModificationLevel {
  if (docMdp === 1) return 'LTA_UPDATES';
  if (docMdp === 2) return 'FORM_FILLING';
  return 'ANNOTATIONS';
}

const MAX_CHANGES_PER_REVISION = 200;
const CATALOG_LTA_KEYS = new Set(['DSS', 'Extensions']);
const CATALOG_FORM_KEYS = new Set(['DSS', 'Extensions', 'AcroForm', 'Version']);
const ACROFORM_KEYS = new Set(['Fields', 'SigFlags', 'DR', 'DA', 'NeedAppearances']);
/** Catalog keys an attachment may touch: the name tree (/Names /EmbeddedFiles) and associated files (/AF). */
const CATALOG_ATTACHMENT_KEYS = new Set([...CATALOG_FORM_KEYS, 'Names', 'AF']);
const ATTACHMENTS_ADDED = {
  level: 'ANNOTATIONS' as const,
  ja: '添付ファイルが追加されました（/EmbeddedFiles, /AF）',
  en: 'attachments were added (/EmbeddedFiles, /AF)',
};

/** The catalog's /Names changed only in its /EmbeddedFiles entry (or /Names was added with only that). */
function onlyAttachmentsChanged(prev: PdfReader, cur: PdfReader, before: PdfDict, after: PdfDict): boolean {
  const namesBefore = prev.dict(before.get('Names'));
  const namesAfter = cur.dict(after.get('Names'));
  if (namesAfter === undefined) return namesBefore === undefined;
  if (namesBefore === undefined) return [...namesAfter.entries.keys()].every((k) => k === 'EmbeddedFiles');
  return subset(changedKeys(namesBefore, namesAfter), new Set(['EmbeddedFiles']));
}
const FIELD_FILL_KEYS = new Set(['V', 'AS', 'AP', 'MK', 'F']);

const same = (a: PdfObject | undefined, b: PdfObject | undefined): boolean => {
  if (a === undefined || b === undefined) return a === b;
  if (a instanceof PdfStream && b instanceof PdfStream) {
    return (
      serializePdf(a.dict).equals(serializePdf(b.dict)) && Buffer.from(a.data).equals(Buffer.from(b.data))
    );
  }
  return serializePdf(a).equals(serializePdf(b));
};

const dictOf = (value: PdfObject | undefined): PdfDict | undefined =>
  value instanceof PdfStream ? value.dict : value instanceof PdfDict ? value : undefined;

function changedKeys(before: PdfDict, after: PdfDict): string[] {
  const keys = new Set([...before.entries.keys(), ...after.entries.keys()]);
  return [...keys].filter((key) => !same(before.get(key), after.get(key)));
}

const subset = (keys: readonly string[], allowed: ReadonlySet<string>) => keys.every((k) => allowed.has(k));

function refNumber(value: PdfObject | undefined): number | undefined {
  return value instanceof PdfRef ? value.objectNumber : undefined;
}

function fieldType(reader: PdfReader, dict: PdfDict): string | undefined {
  let current: PdfDict | undefined = dict;
  for (let depth = 0; current !== undefined && depth < 16; depth += 1) {
    const ft = current.name('FT');
    if (ft !== undefined) return ft;
    current = reader.dict(current.get('Parent'));
  }
  return undefined;
}

interface Classified {
  readonly level: ModificationLevel;
  readonly ja: string;
  readonly en: string;
}

function classifyPage(
  cur: PdfReader,
  before: PdfDict,
  after: PdfDict,
  keys: string[],
  page: { ja: string; en: string },
): Classified {
  if (!subset(keys, new Set(['Annots']))) {
    return {
      level: 'OTHER',
      ja: `${page.ja}の内容または属性（${keys.join(', ')}）が変更されました`,
      en: `${page.en} changed (${keys.join(', ')})`,
    };
  }
  const list = (d: PdfDict, reader: PdfReader) => {
    const value = reader.resolve(d.get('Annots'));
    return value instanceof PdfArray ? value.items.map((i) => (i instanceof PdfRef ? i.key : '')) : [];
  };
  const old = new Set(list(before, cur));
  const annots = cur.resolve(after.get('Annots'));
  const added =
    annots instanceof PdfArray ? annots.items.filter((i) => !(i instanceof PdfRef) || !old.has(i.key)) : [];
  const removed = [...old].filter(
    (key) => !(annots instanceof PdfArray) || !annots.items.some((i) => i instanceof PdfRef && i.key === key),
  );
  let level: ModificationLevel = removed.length > 0 ? 'ANNOTATIONS' : 'NONE';
  for (const item of added) {
    const annot = cur.dict(item);
    const isSignatureWidget = annot?.name('Subtype') === 'Widget' && fieldType(cur, annot) === 'Sig';
    const candidate: ModificationLevel = isSignatureWidget ? 'FORM_FILLING' : 'ANNOTATIONS';
    if (levelRank(candidate) > levelRank(level)) level = candidate;
  }
  return level === 'FORM_FILLING'
    ? { level, ja: `${page.ja}に署名欄が追加されました`, en: `a signature field was added to ${page.en}` }
    : {
        level,
        ja: `${page.ja}の注釈が追加または削除されました`,
        en: `annotations were added to or removed from ${page.en}`,
      };
}

function classify(
  prev: PdfReader,
  cur: PdfReader,
  objectNumber: number,
  before: PdfObject,
  after: PdfObject | undefined,
  pageNumbers: ReadonlyMap<number, number>,
): Classified | undefined {
  if (after === undefined) {
    return {
      level: 'OTHER',
      ja: `オブジェクト ${objectNumber} が削除されました`,
      en: `object ${objectNumber} was deleted`,
    };
  }
  if (same(before, after)) return undefined;
  const b = dictOf(before);
  const a = dictOf(after);
  if (b === undefined || a === undefined) {
    return {
      level: 'OTHER',
      ja: `オブジェクト ${objectNumber} が書き換えられました`,
      en: `object ${objectNumber} was rewritten`,
    };
  }
  const keys = changedKeys(b, a);
  if (
    before instanceof PdfStream &&
    !Buffer.from(before.data).equals(Buffer.from((after as PdfStream).data ?? []))
  ) {
    keys.push('(stream data)');
  }
  const type = b.name('Type');
  if (objectNumber === prev.catalogRef.objectNumber) {
    if (subset(keys, CATALOG_LTA_KEYS))
      return {
        level: 'LTA_UPDATES',
        ja: '文書セキュリティストア（DSS）が更新されました',
        en: 'the document security store (DSS) was updated',
      };
    if (subset(keys, CATALOG_FORM_KEYS))
      return {
        level: 'FORM_FILLING',
        ja: 'フォーム（AcroForm）が更新されました',
        en: 'the form (AcroForm) was updated',
      };
    if (subset(keys, CATALOG_ATTACHMENT_KEYS) && onlyAttachmentsChanged(prev, cur, b, a))
      return ATTACHMENTS_ADDED;
    return {
      level: 'OTHER',
      ja: `文書カタログが変更されました（${keys.join(', ')}）`,
      en: `the document catalog changed (${keys.join(', ')})`,
    };
  }
  if (
    type === 'DSS' ||
    objectNumber === refNumber(prev.catalog.get('DSS')) ||
    refNumber(prev.dict(prev.catalog.get('DSS'))?.get('VRI')) === objectNumber
  ) {
    return {
      level: 'LTA_UPDATES',
      ja: '文書セキュリティストア（DSS）が更新されました',
      en: 'the document security store (DSS) was updated',
    };
  }
  if (objectNumber === refNumber(prev.catalog.get('Names')) && subset(keys, new Set(['EmbeddedFiles']))) {
    return ATTACHMENTS_ADDED;
  }
  if (objectNumber === refNumber(prev.catalog.get('AcroForm'))) {
    return subset(keys, ACROFORM_KEYS)
      ? {
          level: 'FORM_FILLING',
          ja: 'フォーム（AcroForm）にフィールドが追加されました',
          en: 'fields were added to the form (AcroForm)',
        }
      : {
          level: 'OTHER',
          ja: `フォームの設定が変更されました（${keys.join(', ')}）`,
          en: `form settings changed (${keys.join(', ')})`,
        };
  }
  if (objectNumber === refNumber(prev.trailer.get('Info')) || type === 'Metadata') {
    return {
      level: 'LTA_UPDATES',
      ja: '文書情報（メタデータ）が更新されました',
      en: 'document information (metadata) was updated',
    };
  }
  const page = pageNumbers.get(objectNumber);
  if (page !== undefined || type === 'Page') {
    return classifyPage(
      cur,
      b,
      a,
      keys,
      page === undefined ? { ja: 'ページ', en: 'a page' } : { ja: `${page} ページ目`, en: `page ${page}` },
    );
  }
  const ft = fieldType(prev, b);
  if (ft !== undefined) {
    if (subset(keys, FIELD_FILL_KEYS)) {
      return ft === 'Sig'
        ? { level: 'FORM_FILLING', ja: '署名欄に署名が入りました', en: 'a signature field was signed' }
        : {
            level: 'FORM_FILLING',
            ja: `フォームフィールド（${ft}）に入力されました`,
            en: `a form field (${ft}) was filled in`,
          };
    }
    return {
      level: 'OTHER',
      ja: `フォームフィールドの定義が変更されました（${keys.join(', ')}）`,
      en: `a form field definition changed (${keys.join(', ')})`,
    };
  }
  if (b.name('Subtype') !== undefined && b.has('Rect')) {
    return { level: 'ANNOTATIONS', ja: '注釈が変更されました', en: 'an annotation was changed' };
  }
  return {
    level: 'OTHER',
    ja: `オブジェクト ${objectNumber}（${type ?? b.name('Subtype') ?? '内容'}）が変更されました`,
    en: `object ${objectNumber} (${type ?? b.name('Subtype') ?? 'content'}) was changed`,
  };
}

function pageObjectNumbers(reader: PdfReader): Map<number, number> {
  const out = new Map<number, number>();
  const count = Math.min(reader.pageCount(), 10_000);
  for (let i = 0; i < count; i += 1) out.set(reader.page(i).ref.objectNumber, i + 1);
  return out;
}

/** The changes each revision made to the one before (index k holds revision k's changes; [0] is empty). */
export async function revisionChanges(bytes: Uint8Array, reader: PdfReader): Promise<RevisionChange[][]> {
  const result: RevisionChange[][] = [[]];
  let prev = await openPdf(bytes.subarray(0, reader.revisions[0]!.endOffset));
  try {
    for (let k = 1; k < reader.revisions.length; k += 1) {
      const revision = reader.revisions[k]!;
      const cur =
        k === reader.revisions.length - 1 && revision.endOffset >= bytes.length
          ? reader
          : await openPdf(bytes.subarray(0, revision.endOffset));
      const pages = pageObjectNumbers(prev);
      const changes: RevisionChange[] = [];
      const numbers = [...revision.objectNumbers, ...revision.freedObjectNumbers];
      for (const objectNumber of numbers) {
        if (changes.length >= MAX_CHANGES_PER_REVISION) break;
        const ref = new PdfRef(objectNumber, 0);
        const before = prev.getObject(ref);
        if (before === undefined) continue; // a new object: judged where something refers to it
        const after = revision.freedObjectNumbers.includes(objectNumber) ? undefined : cur.getObject(ref);
        const found = classify(prev, cur, objectNumber, before, after, pages);
        if (found === undefined) continue;
        changes.push({
          revision: k,
          objectNumber,
          level: found.level,
          allowed: true,
          description: { ja: found.ja, en: found.en },
        });
      }
      result.push(changes);
      if (prev !== reader) prev.close();
      prev = cur;
    }
  } finally {
    if (prev !== reader) prev.close();
  }
  return result;
}
