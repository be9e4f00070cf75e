/**
 * Issue #19: every screen of the web UI, at desktop (1280×900) and phone (390×844) widths, in Japanese
 * and English, passes axe-core with no serious or critical finding, and its Japanese main text has no
 * SHOMEI_ code and no stray English. The screens are the router's (web/src/App.tsx, read here): a
 * screen added there and not visited here fails the test. Dialogs and error states that matter are
 * screens too: the send confirmation, the signing PIN entry and a refused PIN, a refused signing
 * link (expired, withdrawn and mistyped links are refused alike), a page that does not exist.
 * One server, one browser, one logged-in context per role; the data is made through the API.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { setPermission } from '../../src/contracts/index.ts';
import { samplePdf } from '../contracts/harness.ts';
import { createUser, type E2e, logIn, openE2e, signerCredential } from './harness.ts';
import { seriousViolations, strayLatin } from './screen-checks.ts';

const APP = readFileSync(path.resolve(import.meta.dirname, '../../web/src/App.tsx'), 'utf8');

/** The router's screens: fixed paths, patterns, and the values a pattern's group is compared with. */
function routerScreens() {
  const fixed = [...APP.matchAll(/path === '([^']+)'/g)].map((m) => m[1]!);
  const patterns = new Map(
    [...APP.matchAll(/const (\w+) = \/(.+?)\/\.exec\(path\)/g)].map((m) => [m[1]!, new RegExp(m[2]!)]),
  );
  const branches = [...APP.matchAll(/(\w+)\[(\d)\] === '([^']+)'/g)].map((m) => ({
    pattern: m[1]!,
    group: Number(m[2]),
    value: m[3]!,
  }));
  return { fixed, patterns, branches };
}

/** The screens the router's paths do not cover: the visited set must reach every one. */
function unvisited(visited: string[]): string[] {
  const { fixed, patterns, branches } = routerScreens();
  const missing = fixed.filter((p) => !visited.includes(p));
  for (const [name, pattern] of patterns) {
    if (!visited.some((v) => pattern.test(v))) missing.push(`${name}: ${pattern}`);
  }
  for (const b of branches) {
    const pattern = patterns.get(b.pattern);
    if (!visited.some((v) => pattern?.exec(v)?.[b.group] === b.value))
      missing.push(`${b.pattern}=${b.value}`);
  }
  return missing;
}

let e2e: E2e;
before(async () => {
  e2e = await openE2e({ SHOMEI_ADMIN_ALLOWED_IPS: '127.0.0.1' });
});
after(async () => {
  await e2e?.close();
});

const problems: string[] = [];
const visited: string[] = [];

/** The language toggle, whose name starts with the current language's word for it. */
async function setLanguage(page: Page, lang: 'ja' | 'en'): Promise<void> {
  // A click in the page itself: an open modal dialog makes the header inert to the pointer.
  await page.evaluate((want) => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): unknown[] } }).document;
    const buttons = [...doc.querySelectorAll('header button')] as { textContent: string; click(): void }[];
    const toggle = buttons.find((b) => /^(表示言語|Language)/.test(b.textContent));
    const current = toggle?.textContent.startsWith('表示言語') ? 'ja' : 'en';
    if (current !== want) toggle?.click();
  }, lang);
  await page.waitForFunction((want) => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): unknown[] } }).document;
    const buttons = [...doc.querySelectorAll('header button')] as { textContent: string }[];
    return buttons.some((b) => b.textContent.startsWith(want === 'ja' ? '表示言語' : 'Language'));
  }, lang);
}

/** Runs the checks on the screen as it is, at both widths and in both languages; ends in ja, desktop. */
async function checkScreen(page: Page, screen: string, staff = false): Promise<void> {
  const runs: [number, 'ja' | 'en'][] = [
    [1280, 'ja'],
    [1280, 'en'],
    [390, 'en'],
    [390, 'ja'],
  ];
  for (const [width, lang] of runs) {
    await page.setViewportSize({ width, height: width > 400 ? 900 : 844 });
    await setLanguage(page, lang);
    const where = `${screen} (${lang}, ${width}px)`;
    for (const finding of await seriousViolations(page)) problems.push(`${where}: axe ${finding}`);
    if (lang === 'ja') {
      const stray = await strayLatin(page);
      if (stray.codes) problems.push(`${where}: SHOMEI_ code in the main text`);
      if (!staff && stray.words.length > 0) problems.push(`${where}: English ${stray.words.join(' ')}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await setLanguage(page, 'ja');
}

/**
 * Opens a path inside the running app (the router follows history, so axe stays injected), waits
 * for the screen's heading and whatever `ready` names, and checks it.
 */
async function visit(page: Page, url: string, ready?: string): Promise<void> {
  // The operator console is for the service's own staff, who work with certificate names, event
  // types and key IDs: there the Japanese check is for codes only.
  const staff = url.startsWith('/admin');
  visited.push(new URL(url, 'http://x').pathname);
  // The same path again would not remount the screen: load it afresh.
  if (new URL(page.url()).pathname === url) await page.reload();
  else
    await page.evaluate((to) => {
      const w = globalThis as unknown as {
        history: { pushState(s: null, t: string, u: string): void };
        dispatchEvent(e: unknown): void;
        PopStateEvent: new (type: string) => unknown;
      };
      w.history.pushState(null, '', to);
      w.dispatchEvent(new w.PopStateEvent('popstate'));
    }, url);
  await page.locator('main h1').first().waitFor();
  if (ready !== undefined) await page.locator(ready).first().waitFor();
  await page.waitForFunction(() => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): unknown[] } }).document;
    const busy = [...doc.querySelectorAll('main [role="status"]')] as { textContent: string }[];
    return !busy.some((s) => /読み込み中|Loading/.test(s.textContent));
  });
  await checkScreen(page, url, staff);
}

describe('every screen', () => {
  it('has no serious or critical axe finding and plain Japanese, at both widths and in both languages', async () => {
    const company = { tenantSlug: 'screens', company: '株式会社サンプル' };
    const sender = await createUser(e2e.shomei, {
      ...company,
      email: 'yamada@s.example',
      familyName: '山田',
      givenName: '太郎',
    });
    await setPermission(e2e.contracts.context, { kind: 'operator', id: 'test' }, sender.user.tenantId, {
      userId: sender.user.id,
      permission: 'tenant.admin',
      granted: true,
    });
    const { credentialId } = await signerCredential(
      e2e.shomei,
      sender.user,
      'CN=山田 太郎, O=株式会社サンプル, C=JP',
      '246810',
    );
    const staff = { tenantSlug: 'operator', company: '署名運用', givenName: '一郎' };
    const officer = await createUser(e2e.shomei, { ...staff, email: 'so@ops.example', familyName: '警備' });
    const operator = await createUser(e2e.shomei, { ...staff, email: 'op@ops.example', familyName: '運用' });
    const auditor = await createUser(e2e.shomei, { ...staff, email: 'au@ops.example', familyName: '監査' });
    const today = new Date().toISOString().slice(0, 10);
    for (const user of [officer.user, operator.user, auditor.user]) {
      await e2e.shomei.admin.grants.recordTraining(
        { userId: user.id, topic: 'Operations', trainer: 'CISO Office', trainedOn: today },
        'e2e',
      );
    }
    await e2e.shomei.admin.bootstrap(
      [
        { userId: officer.user.id, role: 'security_officer' },
        { userId: operator.user.id, role: 'system_operator' },
        { userId: auditor.user.id, role: 'system_auditor' },
      ],
      'root-console',
    );

    // One context per role, signed in once.
    const { page } = await e2e.newPage('ja');
    await logIn(page, sender.user.email, sender.totpSecret);
    const { page: ops } = await e2e.newPage('ja');
    await logIn(ops, operator.user.email, operator.totpSecret);
    const { page: audit } = await e2e.newPage('ja');
    await logIn(audit, auditor.user.email, auditor.totpSecret);

    // ---- the sender's data, through the API as the signed-in sender ----
    const api = async <T>(method: string, url: string, body: unknown, pdf?: Buffer): Promise<T> =>
      page.evaluate(
        async ({ method, url, body, pdf }) => {
          const session = (await (await fetch('/api/auth/session')).json()) as { csrfToken: string };
          const bytes = pdf === undefined ? undefined : Uint8Array.from(atob(pdf), (c) => c.charCodeAt(0));
          const response = await fetch(url, {
            method,
            headers: {
              'content-type': bytes === undefined ? 'application/json' : 'application/pdf',
              'x-csrf-token': session.csrfToken,
            },
            body: bytes ?? JSON.stringify(body),
          });
          const json = await response.json();
          if (!response.ok) throw new Error(`${url}: ${JSON.stringify(json)}`);
          return json;
        },
        { method, url, body, pdf: pdf?.toString('base64') },
      ) as Promise<T>;
    const pdf = samplePdf(1, 'screens');
    const envelope = await api<{ id: string }>('POST', '/api/envelopes', {
      title: '業務委託契約書',
      counterparty: '株式会社取引先',
      amount: 1650000,
      signingOrder: 'parallel',
      parties: [
        { role: 'signer', signingMode: 'signer-type', userId: sender.user.id, credentialId },
        {
          role: 'signer',
          signingMode: 'witness-type',
          email: 'sato@partner.example',
          name: '佐藤 花子',
          company: '株式会社取引先',
        },
      ],
    });
    await api('POST', `/api/envelopes/${envelope.id}/documents?name=contract.pdf`, undefined, pdf);
    await api('POST', `/api/envelopes/${envelope.id}/send`, {});
    const template = await api<{ id: string }>('POST', '/api/templates', {
      name: '秘密保持契約',
      title: '秘密保持契約書',
      slots: [
        { label: '甲', role: 'signer', signingMode: 'signer-type', userId: sender.user.id },
        { label: '乙', role: 'signer', signingMode: 'witness-type' },
      ],
    });
    await api('POST', `/api/templates/${template.id}/documents?name=nda.pdf`, undefined, pdf);
    const imported = await api<{ record: { id: string } }>('POST', '/api/imports', {
      title: '売買契約書',
      counterparty: '株式会社取引先',
      transactionDate: '2026-04-01',
      amount: 120000,
      source: 'paper-scan',
      pdfBase64: pdf.toString('base64'),
    });
    const outbox = (await (await fetch(`${e2e.base}/dev/outbox?format=json`)).json()) as {
      messages: { to: string; text: string }[];
    };
    const mail = outbox.messages.find((m) => m.to === 'sato@partner.example');
    const link = /\/sign\/[A-Za-z0-9_-]+/.exec(mail?.text ?? '')?.[0] ?? '';
    assert.notEqual(link, '', 'the signer was mailed a link');

    // ---- the sender's screens ----
    await visit(page, '/envelopes', `[data-envelope="${envelope.id}"]`);
    await visit(page, `/envelopes/${envelope.id}`, '#sign-pin');
    // A refused PIN: the error with the tries left.
    await page.getByRole('checkbox').first().check();
    await page.locator('#sign-pin').fill('000000');
    await page.locator('#sign-otp').fill('000000');
    await page.locator('#sign-pin').press('Enter');
    await page.getByRole('alert').waitFor();
    await checkScreen(page, 'a refused signing PIN');
    await visit(page, `/contracts/${envelope.id}`, '#sign-pin');
    await visit(page, '/me/certificate');
    await visit(page, '/templates', `a[href="/templates/${template.id}"]`);
    await visit(page, '/templates/new');
    await visit(page, `/templates/${template.id}`);
    await visit(page, `/templates/${template.id}/use`);
    await visit(page, `/templates/${template.id}/bulk`);
    await visit(page, '/imports/new');
    await visit(page, `/imports/${imported.record.id}`);
    await visit(page, '/records/log');
    await visit(page, '/settings/signing');
    await visit(page, '/settings/integrations');
    // The send confirmation, over a filled-in form.
    await visit(page, '/envelopes/new');
    await page.locator('#env-title').fill('業務委託契約書');
    await page.locator('#env-counterparty').fill('株式会社取引先');
    await page.setInputFiles('#env-file', { name: 'contract.pdf', mimeType: 'application/pdf', buffer: pdf });
    const party = page.locator('[data-party="1"]');
    await party.getByLabel('氏名').fill('佐藤 花子');
    await party.getByLabel('メールアドレス').fill('sato@partner.example');
    await party.getByLabel('ページ').fill('1');
    await party.getByLabel('横位置 (pt)').fill('60');
    await party.getByLabel('縦位置 (pt)').fill('60');
    await page.locator('.seal-box').first().waitFor();
    await checkScreen(page, 'a filled-in envelope with its preview');
    await page.getByRole('button', { name: '送信する' }).click();
    await page.getByRole('dialog').waitFor();
    await checkScreen(page, 'the send confirmation');

    // ---- the operator console, the audit log ----
    await visit(ops, '/admin');
    await visit(ops, '/admin/credentials');
    await visit(ops, '/admin/backups');
    await visit(audit, '/admin/audit', 'table tbody tr');

    // ---- public screens: verify, login, password, the signing link and its refusals, 404 ----
    const { page: visitor } = await e2e.newPage('ja');
    await visitor.goto('/');
    for (const url of [
      '/',
      '/verify',
      '/login',
      '/forgot-password',
      '/reset-password',
      '/activate',
      '/no-such-page',
    ])
      await visit(visitor, url);
    await visit(visitor, link, '#access-code');
    await visitor.locator('#access-code').fill('00000-00000');
    await visitor.locator('#access-code').press('Enter');
    await visitor.getByRole('alert').waitFor();
    await checkScreen(visitor, 'a mistyped access code');
    await visit(visitor, '/sign/no-such-link', '#access-code');
    await visitor.locator('#access-code').fill('00000-00000');
    await visitor.locator('#access-code').press('Enter');
    await visitor.getByRole('alert').waitFor();
    await checkScreen(visitor, 'a refused link');

    assert.deepEqual(unvisited(visited), [], 'every screen of the router is visited');
    assert.deepEqual(problems, []);
  });
});
