/**
 * Acceptance: two server processes appending at once leave one chain that verifies (PostgreSQL with
 * 10,000 events each; SQLite with fewer, since it serialises every writer on one file lock).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { allMigrations, type Shomei } from '../../src/app/index.ts';
import { DatabaseAuditTrail, verifyAuditChain } from '../../src/audit/index.ts';
import { applyMigrations, openDatabase } from '../../src/store/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

const WORKER = path.join(import.meta.dirname, 'helpers', 'append-worker.ts');

function appendFromChild(url: string, count: number, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, url, String(count), name], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${name} exited ${code}: ${stderr}`)),
    );
  });
}

async function appendConcurrently(shomei: Shomei, url: string, perProcess: number): Promise<void> {
  const before = await shomei.audit.trail.head();
  await Promise.all([
    appendFromChild(url, perProcess, 'writer-a'),
    appendFromChild(url, perProcess, 'writer-b'),
  ]);
  const head = await shomei.audit.trail.head();
  assert.equal(head.seq, before.seq + 2 * perProcess);
  await shomei.audit.checkpointer.checkpoint('manual');
  const result = await shomei.audit.verify();
  assert.equal(result.firstBreak, null, JSON.stringify(result.firstBreak));
  assert.equal(result.ok, true);
  assert.equal(result.records, head.seq);
  // Both writers really interleaved into one chain.
  const byWriter = await shomei.audit.trail.db
    .selectFrom('audit_events')
    .select(['actor_id'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('type', '=', 'test.concurrent')
    .groupBy('actor_id')
    .execute();
  assert.deepEqual(byWriter.map((r) => [r.actor_id, Number(r.n)]).sort(), [
    ['writer-a', perProcess],
    ['writer-b', perProcess],
  ]);
}

describe('concurrent appends from two processes', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('PostgreSQL: 2 × 10,000 events form one verifiable chain', async () => {
    const database = await createTestDatabase();
    const shomei: Shomei & TestHome = await openTestShomei({
      SHOMEI_DATABASE_URL: database.url,
      SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0',
    });
    cleanups.push(async () => {
      await shomei.close();
      await database.drop();
    });
    await appendConcurrently(shomei, database.url, 10_000);
  });

  it('SQLite: 2 × 500 events form one verifiable chain', async () => {
    // One HSM home per test file: this case needs only the database, the chain and verify.
    const dir = mkdtempSync(path.join(tmpdir(), 'shomei-audit-sqlite-'));
    const url = `sqlite:${path.join(dir, 'audit.db')}`;
    const database = openDatabase(url);
    cleanups.push(async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    });
    await applyMigrations(database.db, allMigrations(database.dialect));
    await Promise.all([appendFromChild(url, 500, 'writer-a'), appendFromChild(url, 500, 'writer-b')]);
    const trail = new DatabaseAuditTrail(database);
    assert.equal((await trail.head()).seq, 1000);
    const result = await verifyAuditChain(trail, { trustedKeyFingerprints: [] });
    assert.equal(result.ok, true, JSON.stringify(result.firstBreak));
    assert.equal(result.records, 1000);
  });
});
