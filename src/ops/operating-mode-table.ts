/**
 * Where the installation's operating mode is kept (ADR 027): one row, absent on every installation
 * made before it (they are active). The table is created "if not exists" both by the migration and by
 * a restore, which marks the restored database passive before anything can open it, whatever release
 * wrote the backup.
 */
import { type Kysely, sql } from 'kysely';
import { type NamedMigrations, openDatabase } from '../store/index.ts';

export type InstallationMode = 'active' | 'passive';

export interface InstallationModeTable {
  id: string;
  mode: InstallationMode;
  changed_at: string;
  reason: string;
  request_id: string | null;
}

export type OperatingModeTables = {
  installation_mode: InstallationModeTable;
};

export const MODE_ROW_ID = 'current';

export async function ensureModeTable(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('installation_mode')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .execute();
}

/** Writes the mode row (insert or replace), inside the caller's transaction when given one. */
export async function writeMode(
  db: Kysely<unknown>,
  mode: InstallationMode,
  reason: string,
  requestId: string | null,
): Promise<void> {
  const now = new Date().toISOString();
  await sql`delete from installation_mode where id = ${MODE_ROW_ID}`.execute(db);
  await sql`insert into installation_mode (id, mode, changed_at, reason, request_id)
    values (${MODE_ROW_ID}, ${mode}, ${now}, ${reason}, ${requestId})`.execute(db);
}

export const operatingModeMigrations = (): NamedMigrations => ({
  '0030_foundation_installation_mode': {
    // Only adds a table the previous release does not read: it keeps running beside this one.
    kind: 'expand',
    up: (db) => ensureModeTable(db),
  },
});

/**
 * Marks a freshly restored database passive, before any instance can open it: the restore drill
 * must never bring up a second live installation beside the original (issue #22).
 */
export async function markRestoredPassive(databaseUrl: string, reason: string): Promise<void> {
  const database = openDatabase(databaseUrl);
  try {
    const db = database.db as Kysely<unknown>;
    await ensureModeTable(db);
    await db.transaction().execute((trx) => writeMode(trx, 'passive', reason, null));
  } finally {
    await database.close();
  }
}
