/** The wrapped-key table of the key hierarchy (ADR 017): store range 0010–0019. */
import type { Kysely } from 'kysely';
import type { DialectName } from './database.ts';
import { binaryType, type NamedMigrations } from './migrations.ts';

export const keyHierarchyMigrations = (dialect: DialectName): NamedMigrations => ({
  '0010_store_wrapped_keys': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('wrapped_keys')
        .addColumn('key_id', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('kek_id', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('public_key', binaryType(dialect), (c) => c.notNull())
        .addColumn('wrapped', binaryType(dialect), (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('wrapped_keys_kek')
        .on('wrapped_keys')
        .columns(['kek_id', 'key_id'])
        .execute();
    },
  },
});
