/**
 * One real shomei server (openTestShomei + buildServer on 127.0.0.1:0, the production assembly with the
 * development outbox) and one headless Chromium per test file.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { ContractService } from '../../src/contracts/index.ts';
import type { User } from '../../src/identity/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { WEB_DIST } from '../../src/web/index.ts';
import { openTestShomei } from '../helpers/home.ts';

export const PASSWORD = 'correct horse battery staple 署名';
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../artifacts/screenshots');
const AXE = path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js');

export type TestShomei = Awaited<ReturnType<typeof openTestShomei>>;

export interface E2e {
  readonly shomei: TestShomei;
  readonly app: FastifyInstance;
  readonly base: string;
  readonly browser: Browser;
  readonly contracts: ContractService;
  readonly dir: string;
  newPage(lang?: 'ja' | 'en'): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/** A port free right now on 127.0.0.1, so the server can be told its public URL before it listens. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no address');
  return address.port;
}

/**
 * `host: 'localhost'` for passkeys: WebAuthn binds a passkey to a domain (an IP address cannot be
 * one), and the server checks the browser's origin against SHOMEI_PUBLIC_URL, which is therefore the
 * address the browser really uses (Chromium resolves localhost to the loopback the server binds).
 */
export async function openE2e(
  env: Record<string, string> = {},
  options: { host?: '127.0.0.1' | 'localhost' } = {},
): Promise<E2e> {
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
    throw new Error(
      'web/dist is missing: run scripts/setup.sh or npx vite build --config web/vite.config.ts',
    );
  }
  const port = await freePort();
  const base = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const shomei = await openTestShomei({
    SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0',
    SHOMEI_PUBLIC_URL: base,
    ...env,
  });
  const contracts = shomei.contracts;
  const app = await buildServer(shomei);
  await app.listen({ host: '127.0.0.1', port });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-e2e-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    shomei,
    app,
    base,
    browser,
    contracts,
    dir,
    async newPage(lang = 'ja') {
      const context = await browser.newContext({
        baseURL: base,
        locale: lang === 'ja' ? 'ja-JP' : 'en-GB',
        timezoneId: 'Asia/Tokyo',
        viewport: { width: 1280, height: 900 },
        acceptDownloads: true,
      });
      // The first visit's language; a switch made in the UI then persists across navigations.
      await context.addInitScript((l) => {
        const storage = (
          globalThis as unknown as {
            localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
          }
        ).localStorage;
        if (storage.getItem('shomei.lang') === null) storage.setItem('shomei.lang', l);
      }, lang);
      const page = await context.newPage();
      return { context, page };
    },
    async close() {
      await browser.close();
      await app.close();
      await shomei.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An active account (tenant created when missing) with TOTP already enrolled; returns its TOTP seed. */
export async function createUser(
  shomei: TestShomei,
  params: {
    email: string;
    tenantSlug: string;
    company: string;
    familyName: string;
    givenName: string;
    /** false: leave TOTP enrolment to the first login. */
    enrolTotp?: boolean;
  },
): Promise<{ user: User; totpSecret: string }> {
  const identity = shomei.identity;
  const tenant =
    (await identity.accounts.getTenantBySlug(params.tenantSlug)) ??
    (await identity.accounts.createTenant({ slug: params.tenantSlug, name: params.company }));
  const created = await identity.accounts.createUser({
    tenantId: tenant.id,
    email: params.email,
    displayName: `${params.familyName} ${params.givenName}`,
    familyName: params.familyName,
    givenName: params.givenName,
  });
  const { token } = await identity.applications.issueActivationToken(created.id);
  const user = await identity.activate(token, PASSWORD, {});
  if (params.enrolTotp === false) return { user, totpSecret: '' };
  const enrolment = await identity.totp.begin(user.id, user.email);
  if (!(await identity.totp.confirm(user.id, await generate({ secret: enrolment.secret })))) {
    throw new Error('TOTP enrolment failed');
  }
  return { user, totpSecret: enrolment.secret };
}

/** A signing credential (key in the HSM, certificate from the embedded CA) with PIN and TOTP. */
export async function signerCredential(
  shomei: TestShomei,
  user: User,
  subject: string,
  pin: string,
): Promise<{ credentialId: string; totp: string }> {
  const { credential, csr } = await shomei.rssp.credentials.create({
    userId: user.id,
    tenantId: user.tenantId,
    algorithm: 'RSA-2048',
    subject,
  });
  if (credential.status === 'pending-certificate') {
    const issued = await shomei.ca.issue({ csr, profile: 'signer', actor: { kind: 'process', id: 'test' } });
    await shomei.rssp.credentials.installCertificate(
      credential.credential_id,
      issued.der,
      await shomei.ca.chain(),
      user.id,
    );
  }
  await shomei.rssp.credentials.setPin(credential.credential_id, user.id, pin);
  const { secret } = await shomei.rssp.credentials.enrolTotp(credential.credential_id, user.id);
  return { credentialId: credential.credential_id, totp: secret };
}

/** A TOTP code for a step that has not been used yet (a code is accepted once per time step). */
export async function totp(secret: string, stepOffset = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepOffset * 30 });
}

/**
 * Logs in through the login screen with password and TOTP. The next time step: the current one was
 * spent when the account's authenticator was enrolled (createUser).
 */
export async function logIn(page: Page, email: string, totpSecret: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByLabel('パスワード').fill(PASSWORD);
  await page.getByRole('button', { name: '次へ' }).click();
  await page.getByLabel('確認コード (6 桁)').fill(await totp(totpSecret, 1));
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL('**/envelopes');
}

/** Injects axe-core and returns the critical violations (rule id and the first offending node). */
export async function criticalViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays in force.
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const result = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe;
    return axe.run();
  })) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  return result.violations
    .filter((v) => v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ') ?? ''}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The screen in Japanese, then switched to English in place (typed values stay), then back. */
export async function screenshotBoth(page: Page, name: string): Promise<void> {
  await screenshot(page, `${name}-ja`);
  await page.getByRole('button', { name: '表示言語' }).click();
  await page.getByRole('button', { name: 'Language' }).waitFor();
  await screenshot(page, `${name}-en`);
  await page.getByRole('button', { name: 'Language' }).click();
  await page.getByRole('button', { name: '表示言語' }).waitFor();
}
