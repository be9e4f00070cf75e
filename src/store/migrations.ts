/**
 * Migrations are code, applied at start-up in name order. Each module contributes its own list;
 * the composition root (src/app) gathers them, so this module depends on none of them.
 */
import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  SqliteIntrospector,
  sql,
} from 'kysely';
import { shomeiError } from '../errors/index.ts';
import { type DialectName, databaseUnavailable, isDatabaseUnavailable } from './database.ts';

/**
 * A migration may say what it does to older releases running on the same database during a rolling
 * upgrade (docs/admin-guide.md, "Upgrades"): `expand` only adds (tables, nullable columns, indexes)
 * so the previous release keeps working on it; `contract` (the default) removes or changes what the
 * previous release uses, and that release then refuses to start on the schema.
 */
export interface ShomeiMigration extends Migration {
  readonly kind?: 'expand' | 'contract';
}

export type NamedMigrations = Readonly<Record<string, ShomeiMigration>>;

/** Column type for binary data on either dialect. */
export function binaryType(dialect: DialectName): 'blob' | 'bytea' {
  return dialect === 'sqlite' ? 'blob' : 'bytea';
}

/** The migration that creates the table recording each later migration's kind. */
const KINDS_MIGRATION = '0020_foundation_schema_kinds';

export interface SchemaStatus {
  /** Migrations this release knows and the database has not run yet. */
  readonly pending: string[];
  /** Migrations the database ran that this release does not know (a newer release ran them). */
  readonly unknown: ReadonlyArray<{ readonly name: string; readonly kind: 'expand' | 'contract' }>;
  /** Newest migration the database ran ("schema version"), and the newest this release knows. */
  readonly schemaVersion: string | undefined;
  readonly releaseVersion: string;
  /** False when a newer release contracted the schema: this release must not run on it. */
  readonly compatible: boolean;
}

function gather(sets: readonly NamedMigrations[]): Record<string, ShomeiMigration> {
  const all: Record<string, ShomeiMigration> = {};
  for (const set of sets) {
    for (const [name, migration] of Object.entries(set)) {
      if (all[name] !== undefined) throw new Error(`duplicate migration name ${name}`);
      all[name] = migration;
    }
  }
  return all;
}

/**
 * The names of the tables, read once per status: kysely's introspection reads every table's columns,
 * which costs more than the rest of a start's schema check (ADR 046).
 */
async function tableNames(db: Kysely<unknown>): Promise<Set<string>> {
  const introspector = db.introspection;
  if (introspector instanceof SqliteIntrospector) {
    // The tables and views kysely's introspection lists, from the catalogue alone: ~0.5 ms, not ~5.
    const rows = await sql<{
      name: string;
    }>`select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%'`.execute(
      db,
    );
    return new Set(rows.rows.map((r) => r.name));
  }
  const tables = await introspector.getTables({ withInternalKyselyTables: true });
  return new Set(tables.map((t) => t.name));
}

async function appliedNames(db: Kysely<unknown>, tables: Set<string>): Promise<string[]> {
  if (!tables.has('kysely_migration')) return [];
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return rows.rows.map((r) => r.name);
}

async function recordedKinds(
  db: Kysely<unknown>,
  tables: Set<string>,
  names: readonly string[],
): Promise<Map<string, string>> {
  if (names.length === 0 || !tables.has('schema_migration_kinds')) return new Map();
  const rows = await sql<{
    name: string;
    kind: string;
  }>`select name, kind from schema_migration_kinds`.execute(db);
  return new Map(rows.rows.filter((r) => names.includes(r.name)).map((r) => [r.name, r.kind]));
}

/** What `shomei upgrade check` reports, and what every start checks before migrating. */
export async function schemaStatus<Tables>(
  db: Kysely<Tables>,
  sets: readonly NamedMigrations[],
): Promise<SchemaStatus> {
  const known = gather(sets);
  const plain = db as Kysely<unknown>;
  const tables = await tableNames(plain);
  const applied = await appliedNames(plain, tables);
  const unknownNames = applied.filter((name) => known[name] === undefined).sort();
  const kinds = await recordedKinds(plain, tables, unknownNames);
  const unknown = unknownNames.map((name) => ({
    name,
    kind: kinds.get(name) === 'expand' ? ('expand' as const) : ('contract' as const),
  }));
  return {
    pending: Object.keys(known)
      .filter((name) => !applied.includes(name))
      .sort(),
    unknown,
    schemaVersion: [...applied].sort().at(-1),
    releaseVersion: Object.keys(known).sort().at(-1) ?? '',
    compatible: unknown.every((m) => m.kind === 'expand'),
  };
}

function schemaTooNew(status: SchemaStatus): Error {
  const blocking = status.unknown.filter((m) => m.kind === 'contract').map((m) => m.name);
  return shomeiError(
    'SHOMEI_SCHEMA_TOO_NEW',
    `データベースのスキーマ (${status.schemaVersion}) はこのリリース (${status.releaseVersion} まで) より新しく、互換性のない変更 (${blocking.join(', ')}) を含みます。新しいリリースで起動してください。`,
    `The database schema (${status.schemaVersion}) is newer than this release (up to ${status.releaseVersion}) and contains changes it cannot run on (${blocking.join(', ')}). Start the newer release.`,
    {
      status: 500,
      details: { schemaVersion: status.schemaVersion, releaseVersion: status.releaseVersion, blocking },
    },
  );
}

/** Records each migration's kind inside its own transaction, once the kinds table exists. */
function withKindRecord(name: string, migration: ShomeiMigration, recordKinds: boolean): Migration {
  if (!recordKinds || name <= KINDS_MIGRATION) return migration;
  return {
    async up(db: Kysely<unknown>) {
      await migration.up(db);
      await sql`insert into schema_migration_kinds (name, kind) values (${name}, ${migration.kind ?? 'contract'})`.execute(
        db,
      );
    },
  };
}

export async function applyMigrations<Tables>(
  db: Kysely<Tables>,
  sets: readonly NamedMigrations[],
  options: { readonly displayUrl?: string } = {},
): Promise<string[]> {
  const known = gather(sets);
  let status: SchemaStatus;
  try {
    status = await schemaStatus(db, sets);
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw databaseUnavailable(options.displayUrl, error);
    throw error;
  }
  // An older release on a schema a newer one expanded keeps running (rolling upgrade, rollback);
  // on one it contracted it stops here, naming both versions, instead of failing mid-migration.
  if (!status.compatible) throw schemaTooNew(status);
  // Every known migration already ran: the migrator would take its lock, find nothing pending and
  // change nothing (a newer release's migrations are no-ops to it), so the start skips it (ADR 046).
  // When one is pending, or another process is mid-way through one (not recorded until its
  // transaction commits), it runs as before, under its lock.
  if (status.pending.length === 0 && status.schemaVersion !== undefined) return [];
  const recordKinds = known[KINDS_MIGRATION] !== undefined;
  const all: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(known))
    all[name] = withKindRecord(name, migration, recordKinds);
  // The newer release's expand migrations are already applied; they stand here as no-ops so the
  // migrator does not take the database for a corrupted one.
  for (const { name } of status.unknown) all[name] = { up: async () => {} };
  const provider: MigrationProvider = { getMigrations: async () => all };
  // Each module numbers its migrations in its own range (0200 TSA, 0700 contracts…), so a release can
  // bring a new 0201 to an installation that already ran 0733: run it then instead of refusing to start.
  const migrator = new Migrator({ db: db as Kysely<unknown>, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    if (isDatabaseUnavailable(error)) throw databaseUnavailable(options.displayUrl, error);
    throw shomeiError(
      'SHOMEI_DB_MIGRATION_FAILED',
      `データベースの移行に失敗しました (${results?.find((r) => r.status === 'Error')?.migrationName ?? '?'})。`,
      `The database migration failed (${results?.find((r) => r.status === 'Error')?.migrationName ?? '?'}).`,
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
  [KINDS_MIGRATION]: {
    kind: 'expand',
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('schema_migration_kinds')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .execute();
    },
  },
});
