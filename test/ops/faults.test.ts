/**
 * Ordinary failures under two `shomei start` processes on one PostgreSQL (a private server this file
 * starts, so stopping it disturbs no other test) and one SoftHSM2 token directory (issue #22):
 * a terminated backend, PostgreSQL stopped and started again, the token directory moved away and
 * back. Neither process exits; /readyz goes 503 and back to 200 by itself; requests fail with the
 * typed SHOMEI_DB_UNAVAILABLE meanwhile; RFC 3161 timestamps (HSM signatures judged by openssl ts)
 * resume without a restart; the audit chain verifies at the end.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type PrivatePostgres, startPrivatePostgres } from '../helpers/private-postgres.ts';
import { run, runShomei } from '../helpers/run.ts';
import { type RunningShomei, startShomei } from './helpers.ts';

let postgres: PrivatePostgres;
let home: string;
let env: Record<string, string>;
const instances: RunningShomei[] = [];
let tsq: Buffer;

before(async () => {
  postgres = await startPrivatePostgres();
  home = mkdtempSync(path.join(tmpdir(), 'shomei-faults-'));
  env = { SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'warn', SHOMEI_DATABASE_URL: postgres.url };
  // One after the other: the first start creates the token, the second finds it.
  instances.push(await startShomei(env));
  instances.push(await startShomei(env));
  const data = path.join(home, 'data.txt');
  writeFileSync(data, 'shomei fault test');
  const query = run('openssl', [
    'ts',
    '-query',
    '-data',
    data,
    '-sha256',
    '-cert',
    '-out',
    path.join(home, 'q.tsq'),
  ]);
  assert.equal(query.status, 0, query.stderr);
  tsq = readFileSync(path.join(home, 'q.tsq'));
});

after(async () => {
  for (const instance of instances) await instance.stop();
  postgres?.remove();
  rmSync(home, { recursive: true, force: true });
});

async function readyz(base: string): Promise<{ status: number; body: { checks: Record<string, string> } }> {
  const response = await fetch(`${base}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
}

/** Polls /readyz until it answers `status` (the change is not instantaneous, but must come). */
async function until(base: string, status: number): Promise<{ checks: Record<string, string> }> {
  let last: { status: number; body: { checks: Record<string, string> } } | undefined;
  for (let i = 0; i < 60; i += 1) {
    last = await readyz(base);
    if (last.status === status) return last.body;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.fail(`${base}/readyz never answered ${status}: ${JSON.stringify(last)}`);
}

/** A timestamp from /tsa (the HSM signs it), checked by openssl ts -reply -text. */
async function timestamp(base: string): Promise<string> {
  const response = await fetch(`${base}/tsa`, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query' },
    body: tsq,
  });
  assert.equal(response.status, 200);
  const reply = path.join(home, `r-${Date.now()}.tsr`);
  writeFileSync(reply, Buffer.from(await response.arrayBuffer()));
  const text = run('openssl', ['ts', '-reply', '-in', reply, '-text']);
  assert.equal(text.status, 0, text.stderr);
  return text.stdout;
}

function allAlive(): void {
  for (const instance of instances) assert.equal(instance.child.exitCode, null, instance.output());
}

describe('two instances through ordinary failures', () => {
  test('both are ready, each with its own named connections, and answer with unique request ids', async () => {
    for (const instance of instances) assert.equal((await readyz(instance.address)).status, 200);
    const names = await postgres.query<{ application_name: string }>(
      "select distinct application_name from pg_stat_activity where application_name like 'shomei/%'",
    );
    assert.equal(names.length, 2, JSON.stringify(names));
    const a = await fetch(`${instances[0]!.address}/healthz`);
    const b = await fetch(`${instances[1]!.address}/healthz`);
    assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
    assert.match(a.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const given = await fetch(`${instances[0]!.address}/healthz`, {
      headers: { 'x-request-id': 'lb-7f3a.42' },
    });
    assert.equal(given.headers.get('x-request-id'), 'lb-7f3a.42');
    const hostileId = `<script>${'x'.repeat(300)}`;
    const hostile = await fetch(`${instances[0]!.address}/healthz`, {
      headers: { 'x-request-id': hostileId },
    });
    assert.match(hostile.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    // Latency, pool and error series exist; the clock offset has no series while it is unknown.
    const metrics = await (await fetch(`${instances[0]!.address}/metrics`)).text();
    for (const series of [
      'shomei_hsm_operation_duration_seconds_bucket',
      'shomei_db_query_duration_seconds_bucket',
      'shomei_pool_connections{',
      'shomei_expiry_days{',
      'shomei_queue_depth{',
    ]) {
      assert.ok(metrics.includes(series), series);
    }
    assert.doesNotMatch(metrics, /^shomei_clock_offset_milliseconds\{/m);
  });

  test('a terminated backend costs no process and no readiness', async () => {
    const killed = await postgres.query<{ ok: boolean }>(
      "select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name like 'shomei/%'",
    );
    assert.ok(killed.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    allAlive();
    for (const instance of instances) await until(instance.address, 200);
    assert.match(await timestamp(instances[0]!.address), /Status: Granted/);
  });

  test('PostgreSQL stopped: 503 and typed errors, no exit; started again: ready and timestamping', async () => {
    postgres.stop();
    for (const instance of instances) {
      const body = await until(instance.address, 503);
      assert.equal(body.checks.database, 'failed');
    }
    const login = await fetch(`${instances[1]!.address}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.com', password: 'x'.repeat(12) }),
    });
    assert.equal(login.status, 503);
    const error = ((await login.json()) as { error: { code: string; message: { ja: string; en: string } } })
      .error;
    assert.equal(error.code, 'SHOMEI_DB_UNAVAILABLE');
    assert.match(error.message.ja, /SHOMEI_DATABASE_URL/);
    allAlive();
    postgres.start();
    for (const instance of instances) await until(instance.address, 200);
    for (const instance of instances) assert.match(await timestamp(instance.address), /Status: Granted/);
    allAlive();
  });

  test('token directory moved away: not ready; moved back: signing resumes without a restart', async () => {
    const tokens = path.join(home, 'tokens');
    renameSync(tokens, `${tokens}.away`);
    try {
      for (const instance of instances) {
        const body = await until(instance.address, 503);
        assert.equal(body.checks.hsm, 'failed');
      }
    } finally {
      renameSync(`${tokens}.away`, tokens);
    }
    for (const instance of instances) await until(instance.address, 200);
    for (const instance of instances) assert.match(await timestamp(instance.address), /Status: Granted/);
    allAlive();
  });

  test('the audit chain both instances wrote verifies', () => {
    const verified = runShomei(['audit', 'verify'], env);
    assert.equal(verified.status, 0, verified.stderr + verified.stdout);
  });
});
