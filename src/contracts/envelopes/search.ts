/**
 * 電子帳簿保存法 search: transaction date range, amount range and counterparty, combinable, plus title
 * and status; keyset pagination on (created_at, id) or (transaction_date, id) so deep pages cost
 * the same as the first.
 * Each condition is scoped by tenant and served by a (tenant_id, …) index.
 */
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { ContractsContext } from '../context.ts';
import { contractErrors } from '../model/errors.ts';
import { type ContractActor, parseInput, searchSchema } from '../model/model.ts';
import type { EnvelopeSummary, SearchPage } from '../model/shapes.ts';
import { canReadAll } from '../parties/permissions.ts';
import { searchForm } from '../store/search-columns.ts';
import type { ContractsTables } from '../store/tables.ts';

export type { EnvelopeSummary, SearchPage };

/**
 * What the user typed, in the search columns' spelling (NFKC, lower case): half-width ｻﾝﾌﾟﾙ and
 * full-width サンプル meet whichever was stored. Rows older code wrote without the columns fall back
 * to lower() of the shown value.
 */
const normalised = searchForm;
const searchTitle = sql<string>`coalesce(e.search_title, lower(e.title))`;
const searchCounterparty = sql<string>`coalesce(e.search_counterparty, lower(e.counterparty))`;

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function decodeCursor(cursor: string, orderBy: string): { key: string; id: string } {
  try {
    const [order, key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (
      order === orderBy &&
      typeof key === 'string' &&
      typeof id === 'string' &&
      key.length < 40 &&
      id.length < 100
    ) {
      return { key, id };
    }
  } catch {
    // fall through
  }
  throw contractErrors.invalid('cursor', 'not a cursor from a previous page');
}

type EnvelopeWhere = ExpressionBuilder<ContractsTables & { e: ContractsTables['contract_envelopes'] }, 'e'>;

/**
 * Which envelopes an actor lists: a tenant-wide reader every envelope of its tenant and every sent one
 * in which a party belongs to its tenant (the counterparty's copy, 電帳法); anyone what it sent and
 * what it takes part in — an account also as a signer-type party named by its e-mail address and not
 * yet bound (access.ts binds on first opening).
 */
function visibleTo(
  eb: EnvelopeWhere,
  actor: Extract<ContractActor, { kind: 'user' | 'api-key' }>,
  readsAll: boolean,
) {
  const party = () =>
    eb
      .selectFrom('contract_parties as p')
      .select('p.id')
      .whereRef('p.envelope_id', '=', 'e.id')
      .where('p.status', '!=', 'removed');
  const sent = eb('e.status', '!=', 'draft');
  const conditions = [
    eb.and([eb('e.tenant_id', '=', actor.tenantId), eb('e.created_by', '=', actor.userId)]),
    eb.and([sent, eb.exists(party().where('p.user_id', '=', actor.userId))]),
  ];
  if (readsAll) {
    conditions.push(eb('e.tenant_id', '=', actor.tenantId));
    conditions.push(eb.and([sent, eb.exists(party().where('p.tenant_id', '=', actor.tenantId))]));
  }
  if (actor.kind === 'user') {
    const email = actor.email.trim().toLowerCase();
    conditions.push(
      eb.and([
        sent,
        eb.exists(
          party()
            .where('p.user_id', 'is', null)
            .where('p.signing_mode', '=', 'signer-type')
            .where(sql<boolean>`lower(p.email) = ${email}`),
        ),
      ]),
    );
  }
  return eb.or(conditions);
}

export async function searchEnvelopes(
  db: Kysely<ContractsTables>,
  actor: ContractActor,
  raw: unknown,
): Promise<SearchPage> {
  const filter = parseInput(searchSchema, raw);
  if (actor.kind === 'party') throw contractErrors.forbidden();
  if (actor.kind === 'api-key' && !actor.scopes.includes('envelopes:read')) throw contractErrors.forbidden();
  if (
    filter.amountMin !== undefined &&
    filter.amountMax !== undefined &&
    filter.amountMin > filter.amountMax
  ) {
    throw contractErrors.invalid('amountMin', 'greater than amountMax');
  }
  const readsAll = await canReadAll(db, actor.tenantId, actor.userId);
  let query = db
    .selectFrom('contract_envelopes as e')
    .select([
      'e.id',
      'e.title',
      'e.counterparty',
      'e.transaction_date',
      'e.amount',
      'e.currency',
      'e.status',
      'e.created_at',
      'e.completed_at',
    ])
    // An account (or a key acting as it) sees what it sent or takes part in; tenant-wide readers
    // (documents.read_all) see all of their tenant's, and the counterparty copies (visibleTo).
    .where((eb) => visibleTo(eb, actor, readsAll));
  if (filter.transactionDateFrom !== undefined)
    query = query.where('e.transaction_date', '>=', filter.transactionDateFrom);
  if (filter.transactionDateTo !== undefined)
    query = query.where('e.transaction_date', '<=', filter.transactionDateTo);
  if (filter.amountMin !== undefined) query = query.where('e.amount', '>=', filter.amountMin);
  if (filter.amountMax !== undefined) query = query.where('e.amount', '<=', filter.amountMax);
  if (filter.counterparty !== undefined) {
    const counterparty = normalised(filter.counterparty);
    query =
      filter.counterpartyMatch === 'exact'
        ? query.where(sql<boolean>`${searchCounterparty} = ${counterparty}`)
        : query.where(
            sql<boolean>`${searchCounterparty} like ${`%${escapeLike(counterparty)}%`} escape '\\'`,
          );
  }
  if (filter.title !== undefined) {
    query = query.where(
      sql<boolean>`${searchTitle} like ${`%${escapeLike(normalised(filter.title))}%`} escape '\\'`,
    );
  }
  if (filter.status !== undefined) query = query.where('e.status', '=', filter.status);
  // Keyset pagination on (created_at, id) or (transaction_date, id), newest first.
  const column = filter.orderBy === 'transactionDate' ? 'e.transaction_date' : 'e.created_at';
  if (filter.orderBy === 'transactionDate') query = query.where('e.transaction_date', 'is not', null);
  if (filter.cursor !== undefined) {
    const after = decodeCursor(filter.cursor, filter.orderBy);
    query = query.where((eb) =>
      eb.or([eb(column, '<', after.key), eb.and([eb(column, '=', after.key), eb('e.id', '<', after.id)])]),
    );
  }
  const rows = await query
    .orderBy(column, 'desc')
    .orderBy('e.id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      id: r.id,
      title: r.title,
      counterparty: r.counterparty,
      transactionDate: r.transaction_date,
      amount: r.amount === null ? null : Number(r.amount),
      currency: r.currency,
      status: r.status,
      createdAt: r.created_at,
      completedAt: r.completed_at,
    })),
    nextCursor:
      rows.length > filter.limit && last !== undefined
        ? Buffer.from(
            JSON.stringify([
              filter.orderBy,
              filter.orderBy === 'transactionDate' ? last.transaction_date : last.created_at,
              last.id,
            ]),
            'utf8',
          ).toString('base64url')
        : null,
  };
}

/** For the service facade: search with the context's database. */
export function search(ctx: ContractsContext, actor: ContractActor, raw: unknown): Promise<SearchPage> {
  return searchEnvelopes(ctx.db, actor, raw);
}
