/**
 * Migrations are code, applied at start-up in name order. Each module contributes its own list;
 * the composition root (src/app) gathers them, so this module depends on none of them.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { shomeiError } from '../errors/index.ts';
import type { DialectName } from './database.ts';

export type NamedMigrations = Readonly<Record<string, Migration>>;

/** Column type for binary data on either dialect. */
export function binaryType(dialect: DialectName): 'blob' | 'bytea' {
  return dialect === 'sqlite' ? 'blob' : 'bytea';
}

export async function applyMigrations<Tables>(
  db: Kysely<Tables>,
  sets: readonly NamedMigrations[],
): Promise<string[]> {
  const all: Record<string, Migration> = {};
  for (const set of sets) {
    for (const [name, migration] of Object.entries(set)) {
      if (all[name] !== undefined) throw new Error(`duplicate migration name ${name}`);
      all[name] = migration;
    }
  }
  const provider: MigrationProvider = { getMigrations: async () => all };
  // Each module numbers its migrations in its own range (0200 TSA, 0700 contracts…), so a release can
  // bring a new 0201 to an installation that already ran 0733: run it then instead of refusing to start.
  const migrator = new Migrator({ db: db as Kysely<unknown>, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    throw shomeiError(
      'SHOMEI_DB_MIGRATION_FAILED',
      'データベースの移行に失敗しました。',
      'The database migration failed.',
      { status: 500, cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export const foundationMigrations = (dialect: DialectName): NamedMigrations => ({
  '0001_foundation': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('installation')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('token_label', 'text', (c) => c.notNull())
        .addColumn('installation_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('key_records')
        .addColumn('key_id', 'text', (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('public_key_sha256', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('destroyed_at', 'text')
        .addColumn('destroy_reason', 'text')
        .execute();
      // A public key may be registered once among live keys (never the same key twice, GL III-9).
      await sql`create unique index key_records_live_public_key on key_records (public_key_sha256) where status = 'active'`.execute(
        db,
      );
      void dialect;
    },
  },
});
