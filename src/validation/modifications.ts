/**
 * Modification analysis on the whole revision (ISO 32000-2 §12.8.2.2 DocMDP, after pyHanko's
 * difference analysis): each later revision is opened as the file up to its %%EOF and walked from
 * its trailer (roles.ts), then every object that this revision changed, added, removed or newly made
 * reachable is judged by the rules of every role it has (modification-rules.ts). Object numbers do
 * not matter — a new catalog, a planted object or an alias is judged by where a reader finds it.
 */
import { openPdf, type PdfReader, PdfRef, type PdfRevision } from '../pdf/index.ts';
import {
  changedKeys,
  MODIFICATION_RULES,
  type ObjectChange,
  ROLE_NAMES,
  same,
  TRAILER_KEYS,
} from './modification-rules.ts';
import { mapRoles, type ObjectRole, type RoleMap } from './roles.ts';
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
 * after the last signature — but never page content (the policy's modifications.withoutCertification,
 * ANNOTATIONS by default). Permitted changes still appear as a warning naming the revision.
 */
export function allowedLevel(
  docMdp: 1 | 2 | 3 | undefined,
  withoutCertification: ModificationLevel,
): ModificationLevel {
  if (docMdp === 1) return 'LTA_UPDATES';
  if (docMdp === 2) return 'FORM_FILLING';
  if (docMdp === 3) return 'ANNOTATIONS';
  return withoutCertification;
}

const MAX_CHANGES_PER_REVISION = 200;

interface Judged {
  readonly level: ModificationLevel;
  readonly rule: string;
  readonly ja: string;
  readonly en: string;
}

const VERB = {
  added: { ja: '追加されました', en: 'was added' },
  changed: { ja: '変更されました', en: 'was changed' },
  removed: { ja: '削除されました（参照先がありません）', en: 'was removed (the reference points nowhere)' },
  filled: { ja: '署名後に定義されました', en: 'was defined after signing' },
} as const;

function pageLabel(pages: ReadonlyMap<number, number>, ref: PdfRef): { ja: string; en: string } {
  const page = pages.get(ref.objectNumber);
  return page === undefined
    ? { ja: `オブジェクト ${ref.objectNumber}`, en: `object ${ref.objectNumber}` }
    : {
        ja: `${page} ページ目（オブジェクト ${ref.objectNumber}）`,
        en: `page ${page} (object ${ref.objectNumber})`,
      };
}

/** The strictest verdict over all roles: an object reachable in two roles must satisfy both. */
function judge(
  change: ObjectChange,
  roles: ReadonlySet<ObjectRole>,
  pages: ReadonlyMap<number, number>,
): Judged {
  const label = pageLabel(pages, change.ref);
  let worst: Judged = { level: 'NONE', rule: 'none', ja: '', en: '' };
  for (const role of roles) {
    const rule = MODIFICATION_RULES.find((r) => (r.role === 'any' || r.role === role) && r.when(change));
    const name = ROLE_NAMES[role];
    const verdict: Judged = rule
      ? {
          level: rule.level,
          rule: rule.id,
          ja: `${rule.ja}（${name.ja}, ${label.ja}）`,
          en: `${rule.en} (${name.en}, ${label.en})`,
        }
      : {
          level: 'OTHER',
          rule: `${role}-forbidden`,
          ja: `${name.ja}（${label.ja}）が${VERB[change.kind].ja}`,
          en: `${name.en} (${label.en}) ${VERB[change.kind].en}`,
        };
    if (levelRank(verdict.level) > levelRank(worst.level)) worst = verdict;
  }
  return worst;
}

/** The change a revision made to one reachable object, if any. */
function objectChange(
  prev: PdfReader,
  prevRoles: RoleMap,
  cur: PdfReader,
  ref: PdfRef,
  touched: ReadonlySet<number>,
  revision: PdfRevision,
): ObjectChange | undefined {
  const wasReachable = prevRoles.objects.has(ref.key);
  // An object in an object stream changes when that stream is rewritten, without its own xref entry.
  const listed = touched.has(ref.objectNumber) || cur.objectOffset(ref) === undefined;
  if (wasReachable && !listed) return undefined;
  const before = prev.getObject(ref);
  const after = cur.getObject(ref);
  const base = { ref, before, after, prev, cur, revision };
  if (!wasReachable) return { ...base, kind: after === undefined ? 'removed' : 'added' };
  if (before === undefined) return after === undefined ? undefined : { ...base, kind: 'filled' };
  if (after === undefined) return { ...base, kind: 'removed' };
  return same(before, after) ? undefined : { ...base, kind: 'changed' };
}

/** The trailer may keep its catalog and change only its bookkeeping, /Info and /ID. */
function trailerChange(prev: PdfReader, cur: PdfReader): Judged | undefined {
  const root = cur.trailer.get('Root');
  if (!(root instanceof PdfRef) || root.key !== prev.catalogRef.key) {
    return {
      level: 'OTHER',
      rule: 'trailer-root-changed',
      ja: 'トレーラーの /Root が別の文書カタログを指しています（表示される文書が差し替えられています）',
      en: 'the trailer’s /Root points at another document catalog (the document shown was replaced)',
    };
  }
  const keys = changedKeys(prev.trailer, cur.trailer).filter((k) => !TRAILER_KEYS.includes(k));
  if (keys.length === 0) return undefined;
  return {
    level: 'OTHER',
    rule: 'trailer-changed',
    ja: `トレーラーが変更されました（${keys.join(', ')}）`,
    en: `the trailer changed (${keys.join(', ')})`,
  };
}

function pageObjectNumbers(reader: PdfReader): Map<number, number> {
  const out = new Map<number, number>();
  const count = Math.min(reader.pageCount(), 10_000);
  for (let i = 0; i < count; i += 1) out.set(reader.page(i).ref.objectNumber, i + 1);
  return out;
}

function compareRevision(
  prev: PdfReader,
  prevRoles: RoleMap,
  cur: PdfReader,
  curRoles: RoleMap,
  revision: PdfRevision,
): RevisionChange[] {
  const touched = new Set([...revision.objectNumbers, ...revision.freedObjectNumbers]);
  const pages = pageObjectNumbers(prev);
  const out: RevisionChange[] = [];
  const push = (objectNumber: number, found: Judged) =>
    out.push({
      revision: revision.index,
      objectNumber,
      level: found.level,
      allowed: true,
      rule: found.rule,
      description: { ja: found.ja, en: found.en },
    });
  const trailer = trailerChange(prev, cur);
  if (trailer) push(0, trailer);
  for (const [key, reached] of curRoles.objects) {
    if (out.length >= MAX_CHANGES_PER_REVISION) break;
    const change = objectChange(prev, prevRoles, cur, reached.ref, touched, revision);
    if (change === undefined) continue;
    const roles = new Set([...reached.roles, ...(prevRoles.objects.get(key)?.roles ?? [])]);
    const found = judge(change, roles, pages);
    if (found.level !== 'NONE') push(reached.ref.objectNumber, found);
  }
  return out;
}

/** A revision that cannot be read or walked is a change nobody can vouch for. */
function unreadable(revision: PdfRevision, why: string): RevisionChange {
  return {
    revision: revision.index,
    objectNumber: 0,
    level: 'OTHER',
    allowed: true,
    rule: 'revision-unreadable',
    description: {
      ja: `この改訂を解析できません（${why}）`,
      en: `this revision cannot be analysed (${why})`,
    },
  };
}

/** The changes each revision made to the one before (index k holds revision k's changes; [0] is empty). */
export async function revisionChanges(bytes: Uint8Array, reader: PdfReader): Promise<RevisionChange[][]> {
  const result: RevisionChange[][] = [[]];
  let prev: PdfReader | undefined = await openPdf(bytes.subarray(0, reader.revisions[0]!.endOffset));
  let prevRoles: RoleMap | undefined = mapRoles(prev);
  try {
    for (let k = 1; k < reader.revisions.length; k += 1) {
      const revision = reader.revisions[k]!;
      let cur: PdfReader | undefined;
      try {
        cur =
          k === reader.revisions.length - 1 && revision.endOffset >= bytes.length
            ? reader
            : await openPdf(bytes.subarray(0, revision.endOffset));
        const curRoles = mapRoles(cur);
        result.push(prev && prevRoles ? compareRevision(prev, prevRoles, cur, curRoles, revision) : []);
        prevRoles = curRoles;
      } catch (error) {
        result.push([unreadable(revision, (error as { code?: string }).code ?? (error as Error).name)]);
        prevRoles = undefined;
      }
      if (prev !== undefined && prev !== reader) prev.close();
      prev = cur;
    }
  } finally {
    if (prev !== undefined && prev !== reader) prev.close();
  }
  return result;
}
