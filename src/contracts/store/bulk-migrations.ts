/**
 * Bulk send as a queued job (issue #16 F7, 0750 range): the job keeps its input until a worker has
 * made every row, a lease so one instance works it at a time, and the access codes sealed until the
 * sender takes them once. Rows record their progress so a restarted worker never sends a row twice.
 */
import type { Kysely } from 'kysely';
import { binaryType, type DialectName, type NamedMigrations } from '../../store/index.ts';

export const bulkMigrations = (dialect: DialectName): NamedMigrations => ({
  '0750_contracts_bulk_queue': {
    kind: 'expand',
    async up(db: Kysely<unknown>) {
      // Jobs made before this migration ran to the end inside their request: 'done', codes shown then.
      await db.schema
        .alterTable('contract_bulk_jobs')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('done'))
        .execute();
      await db.schema.alterTable('contract_bulk_jobs').addColumn('input', 'text').execute();
      await db.schema.alterTable('contract_bulk_jobs').addColumn('actor', 'text').execute();
      await db.schema.alterTable('contract_bulk_jobs').addColumn('lease_until', 'text').execute();
      await db.schema.alterTable('contract_bulk_jobs').addColumn('finished_at', 'text').execute();
      await db.schema
        .alterTable('contract_bulk_jobs')
        .addColumn('codes_state', 'text', (c) => c.notNull().defaultTo('none'))
        .execute();
      await db.schema.alterTable('contract_bulk_jobs').addColumn('codes_hsm_key_id', 'text').execute();
      await db.schema
        .alterTable('contract_bulk_jobs')
        .addColumn('codes_sealed_key', binaryType(dialect))
        .execute();
      await db.schema
        .alterTable('contract_bulk_rows')
        .addColumn('state', 'text', (c) => c.notNull().defaultTo('done'))
        .execute();
      await db.schema.alterTable('contract_bulk_rows').addColumn('status', 'text').execute();
      await db.schema.alterTable('contract_bulk_rows').addColumn('codes', binaryType(dialect)).execute();
      await db.schema
        .createIndex('contract_bulk_jobs_status')
        .on('contract_bulk_jobs')
        .columns(['status', 'lease_until'])
        .execute();
    },
  },
});
