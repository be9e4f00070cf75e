/**
 * The database: Kysely over better-sqlite3 (embedded default, WAL) or PostgreSQL (production, several
 * instances). Modules declare their own table types and use `db.withTables<…>()`; the same migrations
 * run on both dialects.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  type DialectAdapter,
  Kysely,
  type LogEvent,
  PostgresDialect,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
} from 'kysely';
import type Pg from 'pg';
import { shomeiError } from '../errors/index.ts';
import { sqliteAddonOption } from './sqlite-addon.ts';
import type { FoundationTables } from './tables.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  readonly db: Kysely<FoundationTables>;
  readonly dialect: DialectName;
  /** The URL without any password, safe for logs. */
  readonly displayUrl: string;
  /** PostgreSQL's connection pool now (undefined on SQLite, which has one connection). */
  poolState(): { total: number; idle: number; waiting: number } | undefined;
  close(): Promise<void>;
}

let pgDriver: typeof Pg | undefined;

/** pg is loaded for a PostgreSQL URL only: an SQLite installation never holds it (issue #20, ADR 031). */
function postgresDriver(): typeof Pg {
  if (pgDriver === undefined) {
    pgDriver = createRequire(import.meta.url)('pg') as typeof Pg;
    // PostgreSQL returns BIGINT (int8) as strings by default; our counters fit in a JS number.
    pgDriver.types.setTypeParser(20, (value: string) => Number(value));
  }
  return pgDriver;
}

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

export interface OpenDatabaseOptions {
  /** Shown in pg_stat_activity, so an operator can tell which instance holds a connection. */
  readonly applicationName?: string;
  /** Told about connection errors the pool survived (a terminated backend, PostgreSQL restarting). */
  readonly onConnectionError?: (error: Error) => void;
  /** Told the duration of every query (for a latency histogram). */
  readonly onQuery?: (seconds: number, outcome: 'success' | 'failure') => void;
}

function queryLog(options: OpenDatabaseOptions): { log?: (event: LogEvent) => void } {
  const onQuery = options.onQuery;
  if (onQuery === undefined) return {};
  return {
    log: (event) =>
      onQuery(event.queryDurationMillis / 1000, event.level === 'error' ? 'failure' : 'success'),
  };
}

export function openDatabase(url: string, options: OpenDatabaseOptions = {}): Database {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new SQLite(file, sqliteAddonOption());
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    const db = new Kysely<FoundationTables>({
      dialect: new ShomeiSqliteDialect({ database: withStatementCache(sqlite) }),
      ...queryLog(options),
    });
    return { db, dialect: 'sqlite', displayUrl: url, poolState: () => undefined, close: () => db.destroy() };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new (postgresDriver().Pool)({
      connectionString: url,
      max: 10,
      application_name: options.applicationName ?? 'shomei',
      // A request waits at most this long for a connection while PostgreSQL is away, then fails typed.
      connectionTimeoutMillis: 5000,
    });
    watchConnectionErrors(pool, options.onConnectionError);
    const db = new Kysely<FoundationTables>({ dialect: new PostgresDialect({ pool }), ...queryLog(options) });
    return {
      db,
      dialect: 'postgres',
      displayUrl: redactUrl(url),
      poolState: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      close: () => db.destroy(),
    };
  }
  throw shomeiError(
    'SHOMEI_CONFIG_INVALID',
    '設定 SHOMEI_DATABASE_URL は sqlite:<path> か postgres://… でなければなりません。',
    'Setting SHOMEI_DATABASE_URL must be sqlite:<path> or postgres://…',
    { status: 500, details: { setting: 'SHOMEI_DATABASE_URL' } },
  );
}

/**
 * Without an 'error' listener a backend that dies while its connection sits idle in the pool (or
 * checked out between two queries) is an unhandled 'error' event and ends the process. The pool
 * drops such a connection and opens a new one on the next query, so reporting is all that is left.
 */
function watchConnectionErrors(pool: Pg.Pool, report: ((error: Error) => void) | undefined): void {
  const onError = (error: Error): void => report?.(error);
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
}

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** admin_shutdown (pg_terminate_backend, server stopping), crash_shutdown, cannot_connect_now, class 08. */
const SQLSTATE_UNAVAILABLE = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

const PG_CONNECTION_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down))/i;

/**
 * True when the error says the database cannot be reached now, rather than that a query was wrong.
 * Socket codes count only on the error itself (pg throws them as they are; an outside HTTP call
 * failing the same way wraps them in a cause), SQLSTATE connection classes at any depth.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const top = error as { code?: unknown; message?: unknown } | undefined;
  if (typeof top?.code === 'string' && SOCKET_CODES.has(top.code)) return true;
  if (typeof top?.message === 'string' && PG_CONNECTION_MESSAGE.test(top.message)) return true;
  let e = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth += 1) {
    if (typeof e.code === 'string' && SQLSTATE_UNAVAILABLE.has(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** The typed error a request or a start gets while the database is away (no crash, no half-write). */
export function databaseUnavailable(displayUrl: string | undefined, cause: unknown): Error {
  const where = displayUrl === undefined ? '' : `: ${displayUrl}`;
  return shomeiError(
    'SHOMEI_DB_UNAVAILABLE',
    `データベースに接続できません (設定 SHOMEI_DATABASE_URL${where})。しばらくしてから再試行してください。`,
    `The database cannot be reached (setting SHOMEI_DATABASE_URL${where}). Try again shortly.`,
    { status: 503, details: { setting: 'SHOMEI_DATABASE_URL' }, cause },
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
