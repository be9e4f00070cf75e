/**
 * The embedded root of this installation, which `shomei verify` trusts when no --trust is given. One
 * constant query on one row of the CA's table, made with the database driver itself rather than
 * src/store: the store's Kysely is a quarter of the verify bundle and its opener prepares a
 * connection for writing (directories, pragmas), which a one-row read does not need (ADR 047). No
 * HSM login, no migrations, no composition root (ADR 023). The drivers are loaded only here, so
 * `--trust` loads neither.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type SQLite from 'better-sqlite3';
import type Pg from 'pg';
import type { CaTables } from '../../ca/index.ts';
import { sqliteAddonOption } from '../../store/index.ts';

/** The root's certificate; the same statement on SQLite and PostgreSQL. */
const ROOT_QUERY = "SELECT certificate FROM ca_authorities WHERE name = 'root'";
type RootRow = Pick<CaTables['ca_authorities'], 'certificate'>;

const load = createRequire(import.meta.url);

/**
 * Opened as the store opens it (not read-only): a read-only connection to a WAL database would
 * leave -wal and -shm files behind, owned by whoever ran verify; this one removes them on close.
 */
function sqliteRoot(file: string): RootRow | undefined {
  const Database = load('better-sqlite3') as typeof SQLite;
  const database = new Database(file, { fileMustExist: true, ...sqliteAddonOption() });
  try {
    return database.prepare(ROOT_QUERY).get() as RootRow | undefined;
  } finally {
    database.close();
  }
}

async function postgresRoot(url: string): Promise<RootRow | undefined> {
  const pg = load('pg') as typeof Pg;
  const client = new pg.Client({
    connectionString: url,
    application_name: 'shomei verify',
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    return (await client.query<RootRow>(ROOT_QUERY)).rows[0];
  } finally {
    await client.end();
  }
}

/**
 * The root certificate (DER) of the installation at `databaseUrl`, or none: a missing SQLite file
 * means no installation here (nothing is created), and any failure to read means no anchor, which
 * the report then names (as before this file: verify never stops for want of a database).
 */
export async function installationRoot(databaseUrl: string): Promise<Uint8Array[]> {
  try {
    let row: RootRow | undefined;
    if (databaseUrl.startsWith('sqlite:')) {
      const file = databaseUrl.slice('sqlite:'.length);
      if (file === ':memory:' || !existsSync(file)) return [];
      row = sqliteRoot(file);
    } else if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
      row = await postgresRoot(databaseUrl);
    }
    return row === undefined ? [] : [Buffer.from(row.certificate)];
  } catch {
    return [];
  }
}
