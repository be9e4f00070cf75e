/**
 * `shomei config check` checks the whole configuration without starting anything (issue #22): a TLS
 * key that does not match its certificate, an SMTP relay, TSA and metrics address that do not work
 * and a skewed NTP server each fail naming their setting; the command prints every check and exits 1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { checkConfiguration, loadOpsSettings } from '../../src/ops/index.ts';
import { runShomei } from '../helpers/run.ts';
import { mismatchedTlsPair } from './helpers.ts';
import { type SntpResponder, startSntpResponder } from './sntp-responder.ts';

let dir: string;
let skewed: SntpResponder;
let busy: Server;
let busyPort: number;
let env: Record<string, string>;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'shomei-config-check-'));
  const tls = mismatchedTlsPair(dir);
  skewed = await startSntpResponder(10 * 60_000);
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
  env = {
    SHOMEI_HOME: path.join(dir, 'home'),
    SHOMEI_ENV: 'staging',
    SHOMEI_TLS_CERT: tls.cert,
    SHOMEI_TLS_KEY: tls.key,
    SHOMEI_SMTP_URL: 'smtp://127.0.0.1:9',
    SHOMEI_TSA_URL: 'http://127.0.0.1:9/tsa',
    SHOMEI_NTP_SERVER: skewed.address,
    SHOMEI_METRICS_LISTEN: `127.0.0.1:${busyPort}`,
  };
});

after(async () => {
  await skewed.close();
  busy.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('config check', () => {
  test('each broken part fails naming its setting; fixed ones pass', async () => {
    const checks = await checkConfiguration(loadConfig(env), loadOpsSettings(env), env);
    const status = Object.fromEntries(checks.map((c) => [c.check, c.status]));
    assert.equal(status.tls, 'failed');
    assert.match(checks.find((c) => c.check === 'tls')!.detail!, /SHOMEI_TLS_INVALID/);
    assert.equal(status.smtp, 'failed');
    assert.equal(status.tsa, 'failed');
    assert.equal(status.ntp, 'failed');
    assert.match(checks.find((c) => c.check === 'ntp')!.detail!, /SHOMEI_CLOCK_MAX_OFFSET_MS/);
    assert.equal(status['metrics-listener'], 'failed');
    assert.equal(status['ca-names'], 'ok');
    assert.equal(status.pkcs11, 'ok');

    const fixed = { ...env, SHOMEI_TLS_KEY: path.join(dir, 'a.key'), SHOMEI_METRICS_LISTEN: '127.0.0.1:0' };
    const good = await checkConfiguration(loadConfig(fixed), loadOpsSettings(fixed), fixed);
    assert.equal(good.find((c) => c.check === 'tls')!.status, 'ok');
    assert.equal(good.find((c) => c.check === 'metrics-listener')!.status, 'ok');
  });

  test('the command prints every check and exits 1 naming the failed settings', () => {
    const result = runShomei(['config', 'check'], { ...env, SHOMEI_LOG_LEVEL: 'silent' });
    assert.equal(result.status, 1);
    const printed = JSON.parse(result.stdout) as { checks: Array<{ check: string; setting: string }> };
    assert.ok(printed.checks.some((c) => c.setting === 'SHOMEI_SMTP_URL'));
    assert.match(result.stderr, /SHOMEI_CONFIG_CHECK_FAILED.*SHOMEI_TLS_CERT/);
    assert.doesNotMatch(result.stdout, /"userPin"|"soPin"/);
  });
});
