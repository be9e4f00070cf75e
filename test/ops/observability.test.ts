import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ClockGuard, querySntp } from '../../src/ops/index.ts';
import { makeTestHome } from '../helpers/home.ts';
import { runShomei } from '../helpers/run.ts';
import { startShomei } from './helpers.ts';
import { type SntpResponder, startSntpResponder } from './sntp-responder.ts';

const TEN_MINUTES = 600_000;
let accurate: SntpResponder;
let skewed: SntpResponder;
let hostile: SntpResponder;

before(async () => {
  accurate = await startSntpResponder(0);
  skewed = await startSntpResponder(TEN_MINUTES);
  hostile = await startSntpResponder(0);
});
after(async () => {
  await accurate.close();
  await skewed.close();
  await hostile.close();
});

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('SNTP client and clock guard', () => {
  test('measures the offset of a server whose clock is ten minutes ahead', async () => {
    const result = await querySntp(skewed.address);
    assert.ok(Math.abs(result.offsetMs - TEN_MINUTES) < 5000, `offset ${result.offsetMs}`);
    assert.equal(result.stratum, 2);
    const near = await querySntp(accurate.address);
    assert.ok(Math.abs(near.offsetMs) < 5000, `offset ${near.offsetMs}`);
  });

  test('hostile or broken replies are not believed', async () => {
    hostile.mode = 'wrong-origin';
    assert.equal(await code(querySntp(hostile.address, 500)), 'SHOMEI_CLOCK_NTP_UNREACHABLE');
    hostile.mode = 'short';
    assert.equal(await code(querySntp(hostile.address, 500)), 'SHOMEI_CLOCK_NTP_UNREACHABLE');
    hostile.mode = 'kiss-of-death';
    assert.equal(await code(querySntp(hostile.address, 500)), 'SHOMEI_CLOCK_NTP_INVALID');
    hostile.mode = 'silent';
    assert.equal(await code(querySntp(hostile.address, 500)), 'SHOMEI_CLOCK_NTP_UNREACHABLE');
  });

  test('ClockGuard refuses to sign when the offset exceeds the bound or is unknown', async () => {
    const settings = { maxOffsetMs: 1000, intervalSeconds: 60 };
    const off = new ClockGuard({ ...settings, ntpServer: skewed.address });
    assert.equal((await off.measure()).status, 'skewed');
    assert.throws(
      () => off.assertSynchronised(),
      (e: { code: string; messages: { ja: string } }) => {
        assert.equal(e.code, 'SHOMEI_CLOCK_UNSYNCHRONISED');
        assert.match(e.messages.ja, /ずれているため、署名を行いません/);
        return true;
      },
    );
    const good = new ClockGuard({ ...settings, ntpServer: accurate.address });
    assert.equal((await good.measure()).status, 'ok');
    good.assertSynchronised();
    const before = new ClockGuard({ ...settings, ntpServer: accurate.address });
    assert.throws(() => before.assertSynchronised(), /SHOMEI_CLOCK_UNSYNCHRONISED/);
    hostile.mode = 'silent';
    const unreachable = new ClockGuard({ ...settings, ntpServer: hostile.address }, (s) => querySntp(s, 300));
    assert.equal((await unreachable.measure()).status, 'unknown');
    assert.throws(() => unreachable.assertSynchronised(), /SHOMEI_CLOCK_UNSYNCHRONISED/);
    // Without an NTP server the host's own synchronisation is trusted.
    new ClockGuard({ ...settings, ntpServer: undefined }).assertSynchronised();
  });
});

describe('readiness and metrics of a running server', () => {
  const home = makeTestHome();
  let tsa: Server;
  let tsaUrl: string;
  before(async () => {
    assert.equal(runShomei(['init'], home.env).status, 0);
    tsa = createServer((_request, response) => {
      response.statusCode = 400;
      response.end('bad request');
    });
    await new Promise<void>((resolve) => tsa.listen(0, '127.0.0.1', resolve));
    const address = tsa.address();
    tsaUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/tsa`;
  });
  after(async () => {
    await new Promise<void>((resolve) => tsa.close(() => resolve()));
    home.remove();
  });

  async function readyWhenMeasured(
    address: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    for (;;) {
      const response = await fetch(`${address}/readyz`);
      const body = (await response.json()) as { clock: { status: string } };
      if (body.clock.status !== 'unknown') return { status: response.status, body };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test('/readyz reports the clock offset and is not ready while the clock is off', async () => {
    const server = await startShomei({
      ...home.env,
      SHOMEI_NTP_SERVER: skewed.address,
      SHOMEI_TSA_URL: tsaUrl,
    });
    try {
      const { status, body } = await readyWhenMeasured(server.address);
      assert.equal(status, 503);
      const checks = body.checks as Record<string, string>;
      assert.deepEqual(checks, {
        database: 'ok',
        hsm: 'ok',
        tsa: 'ok',
        hsmConfiguration: 'unchanged',
        installation: 'active',
        clock: 'failed',
      });
      const clock = body.clock as { status: string; offsetMs: number; server: string };
      assert.equal(clock.status, 'skewed');
      assert.ok(Math.abs(clock.offsetMs - TEN_MINUTES) < 5000);
      assert.equal(clock.server, skewed.address);
    } finally {
      await server.stop();
    }
  });

  test('/readyz is ready with a good clock, and says so when the TSA cannot be reached', async () => {
    const server = await startShomei({
      ...home.env,
      SHOMEI_NTP_SERVER: accurate.address,
      SHOMEI_TSA_URL: tsaUrl,
    });
    try {
      const ready = await readyWhenMeasured(server.address);
      assert.equal(ready.status, 200);
      assert.equal(ready.body.status, 'ready');
      const metrics = await fetch(`${server.address}/metrics`);
      assert.equal(metrics.status, 200);
      const text = await metrics.text();
      assert.match(text, /shomei_http_requests_total\{[^}]*route="\/readyz"[^}]*status="200"[^}]*\} \d+/);
      assert.match(text, /shomei_http_request_duration_seconds_bucket/);
      // The offset is labelled with the server it was measured against.
      assert.match(
        text,
        new RegExp(`shomei_clock_offset_milliseconds\\{[^}]*server="${accurate.address}"[^}]*\\} -?\\d`),
      );
      assert.match(text, /shomei_audit_checkpoint_lag_seconds/);
      assert.match(text, /shomei_signatures_total/);
      assert.match(text, /shomei_sad_failures_total/);
    } finally {
      await server.stop();
    }
    const noTsa = await startShomei({ ...home.env, SHOMEI_TSA_URL: 'http://127.0.0.1:9/tsa' });
    try {
      const response = await fetch(`${noTsa.address}/readyz`);
      assert.equal(response.status, 503);
      const body = (await response.json()) as { checks: Record<string, string> };
      assert.equal(body.checks.tsa, 'failed');
      // No NTP server here: the clock is reported as unconfigured, never as "ok" (issue #22).
      assert.equal(body.checks.clock, 'unconfigured');
    } finally {
      await noTsa.stop();
    }
  });

  test('a bad NTP server setting stops start-up naming the setting', () => {
    const result = runShomei(['start'], {
      ...home.env,
      SHOMEI_PORT: '0',
      SHOMEI_NTP_SERVER: 'ntp.example.com; rm -rf /',
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /SHOMEI_CONFIG_INVALID[^\n]*SHOMEI_NTP_SERVER/);
  });
});
