/**
 * The database: Kysely over better-sqlite3 (embedded default, WAL) or PostgreSQL (production, several
 * instances). Modules declare their own table types and use `db.withTables<…>()`; the same migrations
 * run on both dialects.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  type DialectAdapter,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
} from 'kysely';
import pg from 'pg';
import { shomeiError } from '../errors/index.ts';
import type { FoundationTables } from './tables.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  readonly db: Kysely<FoundationTables>;
  readonly dialect: DialectName;
  /** The URL without any password, safe for logs. */
  readonly displayUrl: string;
  close(): Promise<void>;
}

// PostgreSQL returns BIGINT (int8) as strings by default; our counters fit in a JS number.
pg.types.setTypeParser(20, (value: string) => Number(value));

/**
 * SQLite does roll back DDL, but Kysely's adapter says it does not, so its migrator would run
 * migrations outside a transaction: a start killed (or failing) half-way through one would leave a
 * table without its migration record, and every later start would fail on it.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ShomeiSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

export function openDatabase(url: string): Database {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    const db = new Kysely<FoundationTables>({
      dialect: new ShomeiSqliteDialect({ database: withStatementCache(sqlite) }),
    });
    return { db, dialect: 'sqlite', displayUrl: url, close: () => db.destroy() };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    const db = new Kysely<FoundationTables>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', displayUrl: redactUrl(url), close: () => db.destroy() };
  }
  throw shomeiError(
    'SHOMEI_CONFIG_INVALID',
    '設定 SHOMEI_DATABASE_URL は sqlite:<path> か postgres://… でなければなりません。',
    'Setting SHOMEI_DATABASE_URL must be sqlite:<path> or postgres://…',
    { status: 500, details: { setting: 'SHOMEI_DATABASE_URL' } },
  );
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew, which costs more than running most of ours (a
 * signHash call runs about ten). Prepared statements are reusable, so the most recent ones are kept,
 * keyed by their SQL text (parameters are bound at each run). Kysely runs one query at a time on its
 * single connection; a statement still busy iterating is never handed out twice.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached !== undefined && !cached.busy) {
        cache.delete(sql); // re-inserted below: the Map's order is the recency order
        cache.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return statement;
    },
  };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable database URL)';
  }
}
