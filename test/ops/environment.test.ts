import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { environmentMarks } from '../../src/ops/index.ts';
import { makeTestHome, softHsmEnv } from '../helpers/home.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { run, runShomei } from '../helpers/run.ts';
import { startShomei } from './helpers.ts';

/** Outside development a mail server must be configured; nothing is sent in these tests. */
const NO_MAIL = 'smtp://127.0.0.1:2525';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function tableCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(
      "select count(*)::text as n from information_schema.tables where table_schema = 'public'",
    );
    return Number(result.rows[0]!.n);
  } finally {
    await client.end();
  }
}

function freshHome(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-env-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('environment separation', () => {
  const dev = makeTestHome();
  cleanups.push(() => dev.remove());

  test('the token carries its environment in a marker any PKCS#11 tool can read', () => {
    assert.equal(runShomei(['init'], dev.env).status, 0);
    const listed = run(
      'pkcs11-tool',
      ['--module', dev.config.pkcs11.modulePath, '--list-objects', '--token-label', 'shomei'],
      {
        env: softHsmEnv(dev.home),
      },
    );
    assert.match(listed.stdout, /label:\s+shomei-environment:development/);
    // The marker is in the key register too (purpose environment-marker), like every other key.
    const keys = JSON.parse(runShomei(['keys', 'list'], dev.env).stdout) as {
      keys: Array<{ label: string; purpose?: string }>;
    };
    const marker = keys.keys.find((k) => k.label === 'shomei-environment:development');
    assert.equal(marker?.purpose, 'environment-marker');
  });

  test('a production instance refuses a token made by development, before touching its database', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const result = runShomei(['init'], {
      ...dev.env,
      SHOMEI_ENV: 'production',
      SHOMEI_SMTP_URL: NO_MAIL,
      SHOMEI_DATABASE_URL: database.url,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /SHOMEI_ENVIRONMENT_MISMATCH/);
    assert.match(result.stderr, /token was made for the development environment/);
    assert.equal(await tableCount(database.url), 0);
  });

  test('a production instance refuses a database made by staging', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const staging = runShomei(['init'], {
      SHOMEI_HOME: freshHome(),
      SHOMEI_LOG_LEVEL: 'silent',
      SHOMEI_ENV: 'staging',
      SHOMEI_SMTP_URL: NO_MAIL,
      SHOMEI_DATABASE_URL: database.url,
    });
    assert.equal(staging.status, 0, staging.stderr);
    const production = runShomei(['init'], {
      SHOMEI_HOME: freshHome(),
      SHOMEI_LOG_LEVEL: 'silent',
      SHOMEI_ENV: 'production',
      SHOMEI_SMTP_URL: NO_MAIL,
      SHOMEI_DATABASE_URL: database.url,
    });
    assert.equal(production.status, 1);
    assert.match(production.stderr, /SHOMEI_ENVIRONMENT_MISMATCH/);
    assert.match(production.stderr, /database was made for the staging environment/);
    const ja = runShomei(['init'], {
      SHOMEI_HOME: freshHome(),
      SHOMEI_LOG_LEVEL: 'silent',
      SHOMEI_ENV: 'production',
      SHOMEI_SMTP_URL: NO_MAIL,
      SHOMEI_DATABASE_URL: database.url,
      SHOMEI_LANG: 'ja',
    });
    assert.match(ja.stderr, /staging 環境用に作られました/);
  });

  test('non-production marks reach the UI banner endpoint; production has none', async () => {
    const server = await startShomei(dev.env);
    try {
      const response = await fetch(`${server.address}/api/environment`);
      assert.equal(response.status, 200);
      // Plain HTTP (development): secure headers without HSTS or upgrade-insecure-requests.
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /upgrade-insecure-requests/);
      assert.equal(response.headers.get('strict-transport-security'), null);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      const body = (await response.json()) as {
        environment: string;
        production: boolean;
        banner: { ja: string; en: string } | null;
        certificateMark: string | null;
      };
      assert.equal(body.environment, 'development');
      assert.equal(body.production, false);
      assert.match(body.banner!.ja, /開発環境/);
      assert.match(body.banner!.en, /no legal effect/);
      assert.equal(body.certificateMark, 'TEST');
    } finally {
      await server.stop();
    }
    const production = environmentMarks('production');
    assert.equal(production.banner, undefined);
    assert.equal(production.certificateMark, undefined);
    assert.equal(production.subjectPrefix, '');
    assert.equal(environmentMarks('staging').certificateMark, 'TEST');
  });
});
