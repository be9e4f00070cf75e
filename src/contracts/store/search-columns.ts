/**
 * The search spelling of an envelope's title and counterparty, written next to them: NFKC turns a
 * stored half-width ｻﾝﾌﾟﾙ into サンプル and full-width ＡＢＣ into ABC (then lower case), so a
 * search in either width finds what was typed in the other. The shown value keeps its own spelling.
 */
import type { Kysely } from 'kysely';

export function searchForm(value: string): string {
  return value.normalize('NFKC').toLowerCase();
}

export function searchColumns(envelope: { title: string; counterparty: string }): {
  search_title: string;
  search_counterparty: string;
} {
  return { search_title: searchForm(envelope.title), search_counterparty: searchForm(envelope.counterparty) };
}

type Unnormalised = {
  contract_envelopes: { id: string; title: string; counterparty: string; search_title: string | null };
};

/** The migration's backfill: rows written before the columns existed (or by older code), in batches. */
export async function backfillSearchColumns(db: Kysely<unknown>): Promise<void> {
  const typed = db.withTables<Unnormalised>();
  for (;;) {
    const rows = await typed
      .selectFrom('contract_envelopes')
      .select(['id', 'title', 'counterparty'])
      .where('search_title', 'is', null)
      .limit(500)
      .execute();
    for (const row of rows) {
      await typed
        .updateTable('contract_envelopes')
        .set(searchColumns(row))
        .where('id', '=', row.id)
        .execute();
    }
    if (rows.length < 500) return;
  }
}
