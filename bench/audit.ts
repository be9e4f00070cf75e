/**
 * Audit append throughput (`npx tsx bench/audit.ts`): chained appends per second on SQLite and
 * PostgreSQL, one writer and several at once, printed as ratios against plain INSERTs into an
 * unchained table of the same shape, measured in the same run on the same database.
 * PostgreSQL runs when SHOMEI_TEST_POSTGRES_URL (or SHOMEI_BENCH_POSTGRES_URL) is set.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { allMigrations } from '../src/app/index.ts';
import { type AuditEventInput, DatabaseAuditTrail } from '../src/audit/index.ts';
import { applyMigrations, type Database, openDatabase } from '../src/store/index.ts';

const N = Number(process.env.SHOMEI_BENCH_EVENTS ?? 2000);
const LANES = 8;

const event = (i: number, actor: string): AuditEventInput => ({
  type: 'signature.create',
  actor: { kind: 'user', id: actor },
  subject: { kind: 'credential', id: `cred-${i % 50}` },
  outcome: 'success',
  source: '192.0.2.1',
  details: { documentSha256: 'ab'.repeat(32), certificateSerial: String(i) },
});

async function createBaseline(db: Kysely<unknown>): Promise<void> {
  await sql`create table if not exists bench_plain (id text primary key, recorded_at text not null, type text not null, actor_id text not null, subject_id text, outcome text not null, source text, details text not null)`.execute(
    db,
  );
}

async function plainInsert(db: Kysely<unknown>, i: number, actor: string): Promise<void> {
  const e = event(i, actor);
  await sql`insert into bench_plain values (${randomUUID()}, ${new Date().toISOString()}, ${e.type}, ${e.actor.id}, ${e.subject?.id ?? null}, ${e.outcome}, ${e.source ?? null}, ${JSON.stringify(e.details)})`.execute(
    db,
  );
}

async function inLanes(count: number, lanes: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

async function rate(count: number, run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return count / ((performance.now() - start) / 1000);
}

/**
 * A child process appending `count` events (chained or plain) to `url`. Workers start together at
 * `startAt` (after both have loaded) and report when they finished, so process start-up is not timed.
 */
function child(url: string, mode: 'chained' | 'plain', count: number, startAt: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', import.meta.filename, '--worker', url, mode, String(count), String(startAt)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.on('error', reject);
    proc.on('exit', (code) =>
      code === 0 ? resolve(Number(out.trim())) : reject(new Error(`worker exited ${code}`)),
    );
  });
}

async function twoProcesses(url: string, mode: 'chained' | 'plain', count: number): Promise<number> {
  const startAt = Date.now() + 4000;
  const ends = await Promise.all([child(url, mode, count, startAt), child(url, mode, count, startAt)]);
  return (2 * count) / ((Math.max(...ends) - startAt) / 1000);
}

async function worker(url: string, mode: string, count: number, startAt: number): Promise<void> {
  const database = openDatabase(url);
  const trail = new DatabaseAuditTrail(database);
  const db = database.db as unknown as Kysely<unknown>;
  const lanes = database.dialect === 'postgres' ? 4 : 1;
  await trail.head();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  await inLanes(count, lanes, (i) =>
    mode === 'chained' ? trail.append(event(i, `w${process.pid}`)) : plainInsert(db, i, `w${process.pid}`),
  );
  process.stdout.write(`${Date.now()}\n`);
  await database.close();
}

async function measure(name: string, database: Database, url: string): Promise<void> {
  await applyMigrations(database.db, allMigrations(database.dialect));
  const db = database.db as unknown as Kysely<unknown>;
  await createBaseline(db);
  const trail = new DatabaseAuditTrail(database);
  const inProcessLanes = database.dialect === 'postgres' ? LANES : 1;
  const rows: [string, number, number][] = [];
  // Warm up both paths so neither pays for first-use costs.
  await inLanes(50, 1, (i) => plainInsert(db, i, 'warm'));
  await inLanes(50, 1, (i) => trail.append(event(i, 'warm')));

  const plainSingle = await rate(N, () => inLanes(N, 1, (i) => plainInsert(db, i, 'single')));
  const chainedSingle = await rate(N, () => inLanes(N, 1, (i) => trail.append(event(i, 'single'))));
  rows.push(['one writer', plainSingle, chainedSingle]);

  if (inProcessLanes > 1) {
    const plainLanes = await rate(N, () => inLanes(N, inProcessLanes, (i) => plainInsert(db, i, 'lanes')));
    const chainedLanes = await rate(N, () =>
      inLanes(N, inProcessLanes, (i) => trail.append(event(i, 'lanes'))),
    );
    rows.push([`${inProcessLanes} in flight, one process`, plainLanes, chainedLanes]);
  }
  const half = Math.floor(N / 2);
  const plainProcs = await twoProcesses(url, 'plain', half);
  const chainedProcs = await twoProcesses(url, 'chained', half);
  rows.push([
    `two processes${database.dialect === 'postgres' ? ' × 4 in flight' : ''}`,
    plainProcs,
    chainedProcs,
  ]);

  process.stdout.write(`\n${name}: ${N} events per case\n`);
  process.stdout.write('case                          plain/s    chained/s   chained÷plain\n');
  for (const [label, plain, chained] of rows) {
    process.stdout.write(
      `${label.padEnd(28)} ${plain.toFixed(0).padStart(9)} ${chained.toFixed(0).padStart(12)}   ${(chained / plain).toFixed(2).padStart(8)}\n`,
    );
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-bench-audit-'));
  try {
    const sqliteUrl = `sqlite:${path.join(dir, 'bench.db')}`;
    const sqlite = openDatabase(sqliteUrl);
    await measure('SQLite (WAL)', sqlite, sqliteUrl);
    await sqlite.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = process.env.SHOMEI_BENCH_POSTGRES_URL ?? process.env.SHOMEI_TEST_POSTGRES_URL;
  if (base === undefined || base === '') {
    process.stdout.write(
      '\nPostgreSQL: skipped (set SHOMEI_TEST_POSTGRES_URL, e.g. from `bash scripts/postgres.sh`)\n',
    );
    return;
  }
  const name = `shomei_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const postgres = openDatabase(url.toString());
  try {
    await measure('PostgreSQL', postgres, url.toString());
  } finally {
    await postgres.close();
    const cleanup = new pg.Client({ connectionString: base });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${name} with (force)`);
    await cleanup.end();
  }
}

if (process.argv[2] === '--worker') {
  await worker(process.argv[3]!, process.argv[4]!, Number(process.argv[5]), Number(process.argv[6]));
} else {
  await main();
}
