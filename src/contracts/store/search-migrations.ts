/** Search in either width (issue #19): the NFKC search columns and their backfill (0760–0769). */
import type { Kysely } from 'kysely';
import type { NamedMigrations } from '../../store/index.ts';
import { backfillSearchColumns } from './search-columns.ts';

export const searchMigrations = (): NamedMigrations => ({
  '0760_contracts_search_normalised': {
    // Older code still running writes rows without the columns; search falls back to lower(title).
    kind: 'expand',
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('contract_envelopes').addColumn('search_title', 'text').execute();
      await db.schema.alterTable('contract_envelopes').addColumn('search_counterparty', 'text').execute();
      await db.schema
        .createIndex('contract_envelopes_tenant_search_counterparty')
        .on('contract_envelopes')
        .columns(['tenant_id', 'search_counterparty', 'created_at', 'id'])
        .execute();
      await backfillSearchColumns(db);
    },
  },
});
