import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { withClusterLock } from '../../src/ops/index.ts';
import { openDatabase } from '../../src/store/index.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { runShomei } from '../helpers/run.ts';
import { type RunningShomei, startShomei } from './helpers.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('several instances on one PostgreSQL database and one token directory', () => {
  test('two shomei start processes serve /readyz and append to one audit chain that verifies', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const home = mkdtempSync(path.join(tmpdir(), 'shomei-cluster-'));
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    const env = { SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'silent', SHOMEI_DATABASE_URL: database.url };
    assert.equal(runShomei(['init'], env).status, 0);

    const instances: RunningShomei[] = [];
    cleanups.push(() => Promise.all(instances.map((i) => i.stop())));
    // Both started at once; one that fails must not leave the other running (the file would not end).
    const started = await Promise.allSettled([startShomei(env), startShomei(env)]);
    for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    assert.notEqual(instances[0]!.address, instances[1]!.address);
    for (const instance of instances) {
      const response = await fetch(`${instance.address}/readyz`);
      assert.equal(response.status, 200);
      const body = (await response.json()) as { checks: Record<string, string> };
      assert.equal(body.checks.database, 'ok');
      assert.equal(body.checks.hsm, 'ok');
    }
    // Each request below is refused and audited by whichever instance takes it: both append to
    // the one chain at once (failed logins are audited by the identity module).
    const attempts = Array.from({ length: 40 }, (_, i) =>
      fetch(`${instances[i % 2]!.address}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `nobody${i}@example.com`, password: 'not the password' }),
      }).then((r) => r.arrayBuffer()),
    );
    await Promise.all(attempts);
    for (const instance of instances) assert.equal(await instance.stop(), 0);

    const verified = runShomei(['audit', 'verify'], env);
    assert.equal(verified.status, 0, `${verified.stdout}${verified.stderr}`);
    // The report is the first JSON object printed (pretty-printed, closing brace on its own line).
    const report = JSON.parse(verified.stdout.slice(0, verified.stdout.indexOf('\n}') + 2)) as {
      ok: boolean;
      records: number;
    };
    assert.equal(report.ok, true);
    assert.ok(report.records >= 40, `records ${report.records}`);
  });
});

describe('withClusterLock', () => {
  test('on PostgreSQL only one holder at a time across connection pools (instances)', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const a = openDatabase(database.url);
    const b = openDatabase(database.url);
    cleanups.push(() => a.close());
    cleanups.push(() => b.close());
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const first = withClusterLock(a, 'archive-renewal', async () => {
      entered();
      await held;
      return 'first';
    });
    await inside;
    assert.deepEqual(await withClusterLock(b, 'archive-renewal', async () => 'second'), { ran: false });
    assert.deepEqual(await withClusterLock(b, 'crl-publication', async () => 'other'), {
      ran: true,
      value: 'other',
    });
    release();
    assert.deepEqual(await first, { ran: true, value: 'first' });
    assert.deepEqual(await withClusterLock(b, 'archive-renewal', async () => 'second'), {
      ran: true,
      value: 'second',
    });
    // A failing job releases the lock too.
    await assert.rejects(
      withClusterLock(a, 'archive-renewal', async () => Promise.reject(new Error('job failed'))),
      /job failed/,
    );
    assert.deepEqual(await withClusterLock(b, 'archive-renewal', async () => 'again'), {
      ran: true,
      value: 'again',
    });
  });

  test('on SQLite (one process) a second run of the same job waits its turn by not running', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shomei-lock-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = openDatabase(`sqlite:${path.join(dir, 'x.db')}`);
    cleanups.push(() => db.close());
    const outer = await withClusterLock(db, 'job', async () =>
      withClusterLock(db, 'job', async () => 'inner'),
    );
    assert.deepEqual(outer, { ran: true, value: { ran: false } });
    assert.deepEqual(await withClusterLock(db, 'job', async () => 1), { ran: true, value: 1 });
  });
});
