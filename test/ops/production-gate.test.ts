/**
 * Production's refusals and start-up failures (issue #22): SoftHSM2, the embedded CA and TSA, the
 * example OIDs and a missing time source stop a production start naming each setting, unless each
 * is overridden by name; the overrides in force show at /readyz, /api/environment (UI footer) and
 * /metrics. A TLS key that does not match its certificate and a port already in use end the process
 * with a JSON line naming the cause and the setting, in Japanese and English.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase } from '../helpers/postgres.ts';
import { mismatchedTlsPair, type RunningShomei, startExpectingFailure, startShomei } from './helpers.ts';

const cleanups: Array<() => unknown> = [];
let dir: string;
let production: Record<string, string>;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'shomei-gate-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  production = {
    SHOMEI_HOME: path.join(dir, 'home'),
    SHOMEI_LOG_LEVEL: 'silent',
    SHOMEI_ENV: 'production',
    SHOMEI_DATABASE_URL: database.url,
    SHOMEI_SMTP_URL: 'smtp://127.0.0.1:2525',
    SHOMEI_TLS_EMBEDDED: 'true',
    SHOMEI_CA_ORGANIZATION: 'Sample KK',
  };
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The JSON fatal line a failed start writes. */
function fatalLine(output: string): {
  code: string;
  message: { ja: string; en: string };
  details: Record<string, unknown>;
} {
  const line = output.split('\n').find((l) => l.includes('"level":60'));
  assert.ok(line, output);
  return JSON.parse(line);
}

describe('production safeguards and start-up failures', () => {
  test('production with SoftHSM2, embedded CA/TSA, example OIDs and no NTP is refused, naming each setting', async () => {
    const refused = await startExpectingFailure(production);
    assert.equal(refused.code, 1);
    const fatal = fatalLine(refused.output);
    assert.equal(fatal.code, 'SHOMEI_PRODUCTION_SAFEGUARD');
    for (const setting of [
      'SHOMEI_PKCS11_MODULE',
      'SHOMEI_CA_TRUSTED_CAS',
      'SHOMEI_TSA_URL',
      'SHOMEI_TSA_POLICY_OID',
      'SHOMEI_NTP_SERVER',
    ]) {
      assert.ok(fatal.message.en.includes(setting), setting);
    }
    assert.match(fatal.message.ja, /SoftHSM2/);
    assert.match(fatal.message.en, /SHOMEI_PRODUCTION_OVERRIDES=softhsm/);
    assert.equal(readdirSync(dir).includes('home'), false, 'nothing was created');
    const unknownWord = await startExpectingFailure({
      ...production,
      SHOMEI_PRODUCTION_OVERRIDES: 'softhsm,everything',
    });
    assert.equal(fatalLine(unknownWord.output).details.setting, 'SHOMEI_PRODUCTION_OVERRIDES');
  });

  test('a TLS key that does not match its certificate stops the start, naming SHOMEI_TLS_KEY', async () => {
    const tls = mismatchedTlsPair(dir);
    const env = {
      ...production,
      SHOMEI_TLS_EMBEDDED: 'false',
      SHOMEI_TLS_CERT: tls.cert,
      SHOMEI_TLS_KEY: tls.key,
    };
    const mismatch = fatalLine((await startExpectingFailure(env)).output);
    assert.equal(mismatch.code, 'SHOMEI_TLS_INVALID');
    assert.equal(mismatch.details.setting, 'SHOMEI_TLS_KEY');
    assert.match(mismatch.message.ja, /一致しません/);
  });

  test('overridden by name: it starts, and says so at /readyz, /api/environment and /metrics; a second start on its port exits', async () => {
    const overrides = 'softhsm,embedded-ca,embedded-tsa,example-oids,no-time-source';
    const env = { ...production, SHOMEI_PRODUCTION_OVERRIDES: overrides };
    const running: RunningShomei = await startShomei(env);
    try {
      const readyz = await fetchInsecure(`${running.address}/readyz`);
      assert.equal(readyz.status, 200, JSON.stringify(readyz.body));
      assert.deepEqual(readyz.body.overrides, overrides.split(','));
      assert.equal((readyz.body.checks as Record<string, string>).clock, 'unconfigured');
      const environment = await fetchInsecure(`${running.address}/api/environment`);
      assert.deepEqual(environment.body.overrides, overrides.split(','));
      const metrics = await fetchText(`${running.address}/metrics`);
      assert.match(metrics, /shomei_production_overrides\{override="softhsm"[^}]*\} 1/);
      const busy = await startExpectingFailure({ ...env, SHOMEI_PORT: String(running.port) });
      assert.equal(busy.code, 1);
      const fatal = fatalLine(busy.output);
      assert.equal(fatal.code, 'SHOMEI_PORT_IN_USE');
      assert.equal(fatal.details.setting, 'SHOMEI_PORT');
      assert.match(fatal.message.ja, /既に使われています/);
    } finally {
      await running.stop();
    }
  });
});

async function fetchText(url: string): Promise<string> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      response.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

/** The embedded CA's certificate is not in Node's store: this test reads JSON over TLS without verifying it. */
async function fetchInsecure(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    })
      .on('error', reject)
      .end();
  });
}
