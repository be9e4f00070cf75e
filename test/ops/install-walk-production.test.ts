/**
 * The production install, run as docs/install.md writes it (issue #22): the ```sh walk-production
 * block is executed by bash against an empty PostgreSQL database with the production settings of
 * 3.1 and 3.5 (outside TSA and CA server, SMTP relay, TLS with a client CA), then `shomei start` runs
 * as the unit does and the first system administrator goes from the activation link in
 * bootstrap.json through the first login (TOTP enrolment) to the operator console in headless
 * Chromium, presenting the registered terminal's client certificate.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { generate } from 'otplib';
import { type Browser, chromium } from 'playwright-core';
import { createTestDatabase } from '../helpers/postgres.ts';
import { run, SHOMEI_BIN } from '../helpers/run.ts';
import { SmtpListener } from '../helpers/smtp-listener.ts';
import { type OutsidePki, startOutsidePki } from '../trust/outside-pki.ts';
import { makeClientPki, type RunningShomei, startShomei } from './helpers.ts';

const GUIDE = path.resolve(import.meta.dirname, '../../docs/install.md');
const PASSWORD = 'correct horse battery staple 署名';

const work = mkdtempSync(path.join(tmpdir(), 'shomei-walk-prod-'));
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pki: OutsidePki;
const relay = new SmtpListener();
let server: RunningShomei | undefined;
let browser: Browser | undefined;

before(async () => {
  [database, pki] = await Promise.all([createTestDatabase(), startOutsidePki()]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await relay.stop();
  await pki?.close();
  await database?.drop();
  rmSync(work, { recursive: true, force: true });
});

/** Runs bash without blocking: the outside TSA and CA servers of this process must keep answering. */
function bash(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ status: error === null ? 0 : Number(error.code ?? 1), out: `${stdout}\n${stderr}` }),
    );
  });
}

/** The bodies of the fenced blocks whose info string is `sh walk-production`, in document order. */
function productionBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh walk-production\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

test('docs/install.md: the production walk from an empty PostgreSQL to the operator console', async () => {
  // The maintenance terminal's certificate, from the client CA the settings name (SHOMEI_TLS_CLIENT_CA).
  const terminal = makeClientPki(work, 'terminal');
  run('cp', [terminal.cert, path.join(work, 'terminal-pc1.pem')]);
  const { SHOMEI_HOME: _home, SHOMEI_DATABASE_URL: _db, ...inherited } = process.env;
  const settings: Record<string, string> = {
    ...(inherited as Record<string, string>),
    SHOMEI_LANG: 'en',
    SHOMEI_LOG_LEVEL: 'warn',
    SHOMEI_ENV: 'production',
    SHOMEI_HOME: path.join(work, 'home'),
    SHOMEI_DATABASE_URL: database.url,
    SHOMEI_PUBLIC_URL: 'https://sign.example.jp',
    SHOMEI_TLS_EMBEDDED: 'true',
    SHOMEI_TLS_CLIENT_CA: terminal.caCert,
    SHOMEI_SMTP_URL: await relay.start(),
    SHOMEI_TSA_URL: pki.tsaUrl,
    SHOMEI_TSA_TRUST_ANCHORS: pki.tsaAnchorsPem,
    SHOMEI_CA_TRUSTED_CAS: pki.caRootPem,
    SHOMEI_RSSP_CA: 'cfssl',
    SHOMEI_CFSSL_URL: pki.cfsslUrl,
    SHOMEI_CA_ORGANIZATION: '株式会社サンプル',
    SHOMEI_CA_COUNTRY: 'JP',
    SHOMEI_CA_NAME_PREFIX: 'Sample Trust',
    // A test has no certified HSM, NTP server or registered policy OIDs (docs/install.md 3.6).
    SHOMEI_PRODUCTION_OVERRIDES: 'softhsm,no-time-source,example-oids',
  };
  const blocks = productionBlocks(readFileSync(GUIDE, 'utf8'));
  assert.equal(blocks.length, 1, 'the guide marks the production steps a test can run');
  const script = [
    'set -euo pipefail',
    `shomei() { ${JSON.stringify(process.execPath)} ${JSON.stringify(SHOMEI_BIN)} "$@"; }`,
    ...blocks,
  ].join('\n');
  const walk = await bash(script, work, settings);
  assert.equal(walk.status, 0, walk.out);
  assert.match(walk.out, /"soPinFile"/, 'init names the SO PIN file for the officer to move away');
  const ceremony = JSON.parse(readFileSync(path.join(work, 'bootstrap.json'), 'utf8')) as {
    operators: { email: string; role: string; activationLink: string }[];
  };
  assert.deepEqual(ceremony.operators.map((o) => o.role).sort(), [
    'security_officer',
    'system_administrator',
  ]);
  const admin = ceremony.operators.find((o) => o.role === 'system_administrator')!;

  // As deploy/shomei.service runs it, with the same settings.
  server = await startShomei({ ...settings, SHOMEI_HOST: '127.0.0.1' });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const context = await browser.newContext({
    baseURL: server.address,
    locale: 'ja-JP',
    // The embedded TLS certificate's root is not in Chromium's store; the terminal's certificate is
    // what this walk is about, and the server checks it.
    ignoreHTTPSErrors: true,
    clientCertificates: [{ origin: server.address, certPath: terminal.cert, keyPath: terminal.key }],
  });
  const page = await context.newPage();
  const link = new URL(admin.activationLink);
  await page.goto(`${link.pathname}${link.hash}`);
  await page.getByLabel('新しいパスワード (12 文字以上)').fill(PASSWORD);
  await page.getByLabel('新しいパスワード (確認)').fill(PASSWORD);
  await page.getByRole('button', { name: 'パスワードを設定する' }).click();
  await page.getByRole('link', { name: 'ログイン画面へ' }).click();
  await page.getByLabel('メールアドレス').fill(admin.email);
  await page.getByLabel('パスワード').fill(PASSWORD);
  await page.getByRole('button', { name: '次へ' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent())?.trim() ?? '';
  assert.match(secret, /^[A-Z2-7]{16,}$/, 'the authenticator key is shown on the first login');
  await page.getByLabel('確認コード (6 桁)').fill(await generate({ secret }));
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.getByRole('button', { name: '保管しました。続ける' }).click();
  await page.waitForURL('**/envelopes');
  await page.goto('/admin');
  await page.getByRole('heading', { name: '運用管理' }).waitFor();
  // The approvals list came from /api/admin over the registered terminal: empty, not refused.
  const approvals = page.getByRole('region', { name: '承認待ちの操作 (二人承認)' });
  await approvals.getByText('ありません。').waitFor();
  assert.equal(await page.getByRole('alert').count(), 0, await page.content());
});
