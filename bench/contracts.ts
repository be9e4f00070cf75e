/**
 * 電子帳簿保存法 search at scale (`npx tsx bench/contracts.ts`): seeds SHOMEI_BENCH_ENVELOPES envelope
 * rows (default 1,000,000, batched inserts, 10 tenants) and times the searches of the contracts
 * module on SQLite and — when SHOMEI_TEST_POSTGRES_URL (or SHOMEI_BENCH_POSTGRES_URL) is set —
 * PostgreSQL. Each query is printed with its median time and its ratio to a primary-key lookup
 * (the cheapest indexed read) measured in the same run on the same database.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  type ContractActor,
  type ContractsTables,
  contractsMigrations,
  searchEnvelopes,
} from '../src/contracts/index.ts';
import { applyMigrations, type Database, foundationMigrations, openDatabase } from '../src/store/index.ts';

const N = Number(process.env.SHOMEI_BENCH_ENVELOPES ?? 1_000_000);
const TENANTS = 10;
const BATCH = 1000;
const COUNTERPARTIES = Array.from({ length: 500 }, (_, i) => `取引先${i}株式会社`);

function row(i: number): ContractsTables['contract_envelopes'] {
  const day = new Date(Date.UTC(2016, 0, 1) + (i % 3650) * 86_400_000).toISOString().slice(0, 10);
  return {
    id: randomUUID(),
    tenant_id: `tenant-${i % TENANTS}`,
    title: `契約書 ${i}`,
    counterparty: COUNTERPARTIES[(i * 7) % COUNTERPARTIES.length]!,
    transaction_date: day,
    amount: (i * 7919) % 100_000_000,
    currency: 'JPY',
    status: i % 4 === 0 ? 'sent' : 'completed',
    signing_order: 'sequential',
    message: null,
    expires_at: null,
    created_by: `user-${i % 1000}`,
    created_at: new Date(Date.UTC(2016, 0, 1) + i * 1000).toISOString(),
    updated_at: new Date().toISOString(),
    sent_at: null,
    completed_at: null,
    closed_reason: null,
    retention_until: null,
    legal_hold: 0,
    search_title: `契約書 ${i}`,
    search_counterparty: COUNTERPARTIES[(i * 7) % COUNTERPARTIES.length]!,
  };
}

async function time(fn: () => Promise<unknown>, runs = 7): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

async function bench(label: string, database: Database): Promise<void> {
  await applyMigrations(database.db, [
    foundationMigrations(database.dialect),
    contractsMigrations(database.dialect),
  ]);
  const db = database.db.withTables<ContractsTables>();
  const seedStart = performance.now();
  let someId = '';
  for (let start = 0; start < N; start += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, N - start) }, (_, k) => row(start + k));
    someId ||= rows[0]!.id;
    await db.insertInto('contract_envelopes').values(rows).execute();
  }
  const seedMs = performance.now() - seedStart;
  console.log(
    `\n${label}: ${N.toLocaleString()} envelopes seeded in ${(seedMs / 1000).toFixed(1)} s (${Math.round(N / (seedMs / 1000)).toLocaleString()} rows/s, batches of ${BATCH})`,
  );
  if (database.dialect === 'postgres')
    await db
      .executeQuery({
        sql: 'analyze contract_envelopes',
        parameters: [],
        query: { kind: 'RawNode' },
      } as never)
      .catch(() => undefined);
  const actor: ContractActor = {
    kind: 'api-key',
    keyId: 'bench',
    tenantId: 'tenant-0',
    userId: 'user-0',
    scopes: ['envelopes:read'],
  };
  const baseline = await time(() =>
    db.selectFrom('contract_envelopes').select('id').where('id', '=', someId).execute(),
  );
  const queries: [string, Record<string, unknown>][] = [
    ['first page, no filter', {}],
    ['transaction date, one month', { transactionDateFrom: '2020-04-01', transactionDateTo: '2020-04-30' }],
    ['amount range', { amountMin: 1_000_000, amountMax: 1_050_000 }],
    ['counterparty exact', { counterparty: '取引先70株式会社' }],
    [
      'same, ordered by transaction date',
      {
        orderBy: 'transactionDate',
        transactionDateFrom: '2018-01-01',
        transactionDateTo: '2022-12-31',
        amountMin: 10_000_000,
        counterparty: '取引先70株式会社',
      },
    ],
    [
      'date + amount + counterparty',
      {
        transactionDateFrom: '2018-01-01',
        transactionDateTo: '2022-12-31',
        amountMin: 10_000_000,
        counterparty: '取引先70株式会社',
      },
    ],
    ['counterparty contains', { counterparty: '先70株', counterpartyMatch: 'contains' }],
    ['title contains', { title: '契約書 99999' }],
  ];
  console.log(`  baseline primary-key lookup: ${baseline.toFixed(2)} ms`);
  for (const [name, filter] of queries) {
    let count = 0;
    const ms = await time(async () => {
      count = (await searchEnvelopes(db, actor, { ...filter, limit: 50 })).items.length;
    });
    console.log(
      `  ${name.padEnd(32)} ${ms.toFixed(2).padStart(9)} ms  ×${(ms / baseline).toFixed(1).padStart(8)}  (${count} rows)`,
    );
  }
  // Deep paging: the keyset cursor keeps page 20 as cheap as page 1.
  let cursor: string | null = null;
  const deep = await time(async () => {
    cursor = null;
    for (let page = 0; page < 20; page++) {
      const result = await searchEnvelopes(db, actor, {
        transactionDateFrom: '2016-01-01',
        orderBy: 'transactionDate',
        limit: 50,
        ...(cursor === null ? {} : { cursor }),
      });
      cursor = result.nextCursor;
    }
  }, 3);
  console.log(
    `  ${'20 pages of 50 by date (keyset)'.padEnd(32)} ${deep.toFixed(2).padStart(9)} ms  ×${(deep / baseline).toFixed(1).padStart(8)}`,
  );
}

const dir = mkdtempSync(path.join(tmpdir(), 'shomei-bench-contracts-'));
try {
  const sqlite = openDatabase(`sqlite:${path.join(dir, 'bench.db')}`);
  try {
    await bench('SQLite', sqlite);
  } finally {
    await sqlite.close();
  }
  const pgUrl = process.env.SHOMEI_BENCH_POSTGRES_URL ?? process.env.SHOMEI_TEST_POSTGRES_URL;
  if (pgUrl !== undefined && pgUrl !== '') {
    const name = `shomei_bench_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    const postgres = openDatabase(url.toString());
    try {
      await bench('PostgreSQL', postgres);
    } finally {
      await postgres.close();
      await admin.query(`drop database ${name}`);
      await admin.end();
    }
  } else {
    console.log('\nPostgreSQL: skipped (set SHOMEI_TEST_POSTGRES_URL)');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
