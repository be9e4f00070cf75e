/** TSA migrations (range 0200). */
import type { Kysely } from 'kysely';
import { binaryType, type DialectName, type NamedMigrations } from '../store/index.ts';

export const tsaMigrations = (dialect: DialectName): NamedMigrations => ({
  '0200_tsa_units': {
    async up(db: Kysely<unknown>) {
      const bin = binaryType(dialect);
      await db.schema
        .createTable('tsa_units')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('certificate', bin, (c) => c.notNull())
        .addColumn('chain', bin, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('tsa_serials')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('next_serial', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0201_tsa_renewal': {
    async up(db: Kysely<unknown>) {
      const bin = binaryType(dialect);
      await db.schema.alterTable('tsa_units').addColumn('expiry_warned_at', 'text').execute();
      await db.schema
        .createTable('tsa_unit_history')
        .addColumn('serial_number', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('certificate', bin, (c) => c.notNull())
        .addColumn('chain', bin, (c) => c.notNull())
        .addColumn('active_from', 'text', (c) => c.notNull())
        .addColumn('retired_at', 'text', (c) => c.notNull())
        .addColumn('key_disposition', 'text', (c) => c.notNull())
        .execute();
    },
  },
});
