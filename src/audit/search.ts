/** Selectable audit review (JT2A 7.1.4): by date range, event type and actor, in sequence order. */
import { sql } from 'kysely';
import { shomeiError } from '../errors/index.ts';
import { recordFromRow } from './chain.ts';
import type { AuditRecord } from './events.ts';
import type { DatabaseAuditTrail } from './trail.ts';

export interface AuditSearchFilter {
  /** Inclusive lower bound, ISO-8601 UTC. */
  readonly from?: string;
  /** Exclusive upper bound, ISO-8601 UTC. */
  readonly to?: string;
  /** Exact type, or a prefix ending in `.*` (e.g. `auth.*`). */
  readonly type?: string;
  readonly actor?: string;
  /** Only events about one of these subjects (an envelope and its documents, say); not from query strings. */
  readonly subjectIds?: readonly string[];
  /** Continue after this sequence number (paging). */
  readonly afterSeq?: number | undefined;
  readonly limit?: number;
}

export const SEARCH_MAX_LIMIT = 10_000;

function invalid(field: string, reason: string): Error {
  return shomeiError(
    'SHOMEI_AUDIT_SEARCH_INVALID',
    `検索条件 ${field} が不正です: ${reason}`,
    `Search filter ${field} is invalid: ${reason}`,
    { status: 400, details: { field, reason } },
  );
}

/** Accepts a date (YYYY-MM-DD, taken as 00:00 UTC) or a full ISO-8601 time; returns ISO UTC. */
export function parseTimeBound(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > 40) throw invalid(field, 'must be a date or ISO-8601 time');
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    throw invalid(field, 'must be a date or ISO-8601 time with a zone');
  }
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) throw invalid(field, 'is not a valid time');
  return time.toISOString();
}

/** Builds a filter from untrusted input (query string or CLI options). */
export function parseSearchFilter(raw: Readonly<Record<string, unknown>>): AuditSearchFilter {
  const filter: { -readonly [K in keyof AuditSearchFilter]: AuditSearchFilter[K] } = {};
  if (raw.from !== undefined) filter.from = parseTimeBound(raw.from, 'from');
  if (raw.to !== undefined) filter.to = parseTimeBound(raw.to, 'to');
  if (raw.type !== undefined) {
    if (
      typeof raw.type !== 'string' ||
      !/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*(\.\*)?$/.test(raw.type) ||
      raw.type.length > 100
    ) {
      throw invalid('type', 'must be an event type such as auth.login or a prefix such as auth.*');
    }
    filter.type = raw.type;
  }
  if (raw.actor !== undefined) {
    if (typeof raw.actor !== 'string' || raw.actor === '' || raw.actor.length > 256)
      throw invalid('actor', 'must be an actor id');
    filter.actor = raw.actor;
  }
  for (const field of ['afterSeq', 'limit'] as const) {
    const value = raw[field];
    if (value === undefined) continue;
    const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
      throw invalid(field, 'must be a non-negative integer');
    filter[field] = n;
  }
  if (filter.limit !== undefined && (filter.limit < 1 || filter.limit > SEARCH_MAX_LIMIT)) {
    throw invalid('limit', `must be 1–${SEARCH_MAX_LIMIT}`);
  }
  return filter;
}

export async function searchAuditEvents(
  trail: DatabaseAuditTrail,
  filter: AuditSearchFilter,
): Promise<AuditRecord[]> {
  let query = trail.db.selectFrom('audit_events').selectAll();
  if (filter.from !== undefined) query = query.where('recorded_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('recorded_at', '<', filter.to);
  if (filter.type !== undefined) {
    // A prefix compares the leading characters, not LIKE, where `_` in a type would be a wildcard.
    const prefix = filter.type.slice(0, -1);
    query = filter.type.endsWith('.*')
      ? query.where(sql<string>`substr(type, 1, ${sql.lit(prefix.length)})`, '=', prefix)
      : query.where('type', '=', filter.type);
  }
  if (filter.actor !== undefined) query = query.where('actor_id', '=', filter.actor);
  if (filter.subjectIds !== undefined) {
    if (filter.subjectIds.length === 0) return [];
    query = query.where('subject_id', 'in', [...filter.subjectIds]);
  }
  if (filter.afterSeq !== undefined) query = query.where('seq', '>', filter.afterSeq);
  const rows = await query
    .orderBy('seq')
    .limit(filter.limit ?? 1000)
    .execute();
  return rows.map(recordFromRow);
}
