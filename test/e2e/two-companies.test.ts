/**
 * Acceptance through the UI only, in headless Chromium against a real shomei server: A logs in with
 * password + TOTP, uploads a PDF, places two seals (one by a mouse drag, one with the keyboard
 * inputs) and sends; B opens the link from the development outbox, enters the access code, reads the
 * document, confirms the witness-type wording and signs; A signs with PIN + one-time code; both
 * download the final PDF, which pdfsig validates. Screens are checked with axe-core and captured in
 * Japanese and English. A is not an auditor: the UI hides the audit log and the API refuses it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { samplePdf } from '../contracts/harness.ts';
import { pdfsigReportAsync, pem, trustingNssDb } from '../contracts/validators.ts';
import {
  createUser,
  criticalViolations,
  type E2e,
  openE2e,
  PASSWORD,
  screenshot,
  screenshotBoth,
  signerCredential,
  totp,
} from './harness.ts';

/** Signing, completion (B-LTA) and the result's validation on a loaded 2-core machine. */
const SIGNING_MS = 90_000;

let e2e: E2e;
before(async () => {
  e2e = await openE2e();
});
after(async () => {
  await e2e?.close();
});

async function noCritical(page: Page, screen: string): Promise<void> {
  assert.deepEqual(await criticalViolations(page), [], `critical accessibility violations on ${screen}`);
}

async function downloadPdf(page: Page, name: string): Promise<string> {
  const download = page.waitForEvent('download');
  await page
    .getByRole('button', { name: /署名済み PDF|Signed PDF/ })
    .first()
    .click();
  const file = path.join(e2e.dir, name);
  await (await download).saveAs(file);
  return file;
}

describe('two companies sign one contract through the web UI', () => {
  it('A sends, B signs by link (witness-type), A signs (signer-type); both get a PDF pdfsig accepts', async () => {
    const a = await createUser(e2e.shomei, {
      email: 'yamada@a.example',
      tenantSlug: 'tenant-a',
      company: 'A株式会社',
      familyName: '山田',
      givenName: '太郎',
    });
    const credential = await signerCredential(
      e2e.shomei,
      a.user,
      'CN=Yamada Taro, O=A Corporation, C=JP',
      '246810',
    );
    const pdfPath = path.join(e2e.dir, '業務委託契約書.pdf');
    writeFileSync(pdfPath, samplePdf(2, 'gyomu itaku keiyaku'));

    // ---- A logs in: password, then the TOTP code from the authenticator seed ----
    const { page: pageA } = await e2e.newPage('ja');
    // A refused envelope call is the first thing to read when this test fails.
    pageA.on('response', async (r) => {
      if (r.status() >= 400 && r.url().includes('/api/envelopes'))
        console.log('refused:', r.status(), r.url(), await r.text());
    });
    await pageA.goto('/login');
    await pageA.getByLabel('メールアドレス').fill(a.user.email);
    await pageA.getByLabel('パスワード').fill(PASSWORD);
    await noCritical(pageA, 'login');
    await screenshotBoth(pageA, 'login');
    await pageA.getByRole('button', { name: '次へ' }).click();
    await pageA.getByLabel('確認コード (6 桁)').fill(await totp(a.totpSecret, 1));
    await pageA.getByRole('button', { name: 'ログイン' }).click();
    await pageA.waitForURL('**/envelopes');
    await pageA.getByRole('heading', { name: '契約一覧' }).waitFor();
    assert.equal(
      await pageA.getByRole('link', { name: '監査ログ' }).count(),
      0,
      'not an auditor: no audit link',
    );

    // ---- A creates the envelope ----
    await pageA.getByRole('link', { name: '新しい契約を送信' }).click();
    await pageA.waitForURL('**/envelopes/new');
    await pageA.getByLabel('契約書名').fill('業務委託契約書');
    await pageA.getByLabel('取引先').fill('B株式会社');
    await pageA.getByLabel('取引年月日').fill('2026-11-20');
    await pageA.getByLabel('取引金額 (円)').fill('1200000');
    await pageA.setInputFiles('#env-file', pdfPath);
    await pageA.locator('canvas[data-rendered="true"]').first().waitFor();
    assert.equal(await pageA.locator('.pdf-canvas').count(), 2, 'both pages are rendered');

    const b1 = pageA.locator('[data-party="1"]');
    await b1.getByLabel('会社名').fill('B株式会社');
    await b1.getByLabel('役職').fill('部長');
    await b1.getByLabel('氏名').fill('佐藤 花子');
    await b1.getByLabel('メールアドレス').fill('sato@b.example');
    // Drag and drop with the mouse: B's seal onto page 1, right half (placement-phone.test.ts checks
    // the coordinates). A taller window keeps the chip and the page on screen together.
    await pageA.setViewportSize({ width: 1280, height: 1500 });
    const chip = pageA.locator('.seal-chips [data-seal-chip]', { hasText: '佐藤 花子 の押印欄' });
    await chip.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const from = await chip.boundingBox();
    const box = await pageA.locator('.pdf-canvas[data-page="0"]').boundingBox();
    assert.ok(from && box);
    await pageA.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await pageA.mouse.down();
    await pageA.mouse.move(box.x + box.width * 0.75, box.y + Math.min(box.height * 0.3, 1400 - box.y), {
      steps: 10,
    });
    await pageA.mouse.up();
    await pageA.setViewportSize({ width: 1280, height: 900 });
    await pageA.locator('.pdf-canvas[data-page="0"] .seal-box').waitFor();
    assert.equal(await b1.getByLabel('ページ').inputValue(), '1');
    assert.ok(Number(await b1.getByLabel('横位置 (pt)').inputValue()) > 300, 'dropped on the right half');

    // Keyboard alternative: A's own seal by page and position.
    await pageA.getByRole('button', { name: /当事者型の署名者/ }).click();
    const a2 = pageA.locator('[data-party="2"]');
    await a2.getByLabel('会社名').fill('A株式会社');
    await a2.getByLabel('役職').fill('代表取締役');
    await a2.getByLabel('氏名').fill('山田 太郎');
    // Parties by person: A's own address; A chooses A's credential when signing.
    await a2.getByLabel('メールアドレス').fill(a.user.email);
    await a2.getByLabel('ページ').fill('1');
    await a2.getByLabel('横位置 (pt)').fill('60');
    await a2.getByLabel('縦位置 (pt)').fill('60');
    await pageA.locator('.seal-box').nth(1).waitFor();
    await noCritical(pageA, 'new envelope');
    await screenshotBoth(pageA, 'new-envelope');

    await pageA.getByRole('button', { name: '送信する' }).click();
    // The confirmation names who will be mailed; sending happens only after it (issue #19).
    assert.match(
      (await pageA.getByTestId('send-recipients').textContent()) ?? '',
      /B株式会社 佐藤 花子 \(sato@b\.example\)/,
    );
    await pageA.getByRole('dialog').getByRole('button', { name: '送信する' }).click();
    await pageA.waitForURL(
      (url) => /^\/envelopes\/[A-Za-z0-9_-]+$/.test(url.pathname) && !url.pathname.endsWith('/new'),
    );
    const code = (await pageA.locator('[data-access-code="sato@b.example"]').textContent())?.trim() ?? '';
    assert.ok(code.length >= 8, 'the access code is shown to the sender once');
    await pageA.getByRole('heading', { name: '経過' }).waitFor();
    await noCritical(pageA, 'envelope detail');
    await screenshotBoth(pageA, 'envelope-sent');
    const envelopeUrl = pageA.url();

    // ---- B opens the mailed link (development outbox) ----
    const outbox = (await (await fetch(`${e2e.base}/dev/outbox?format=json`)).json()) as {
      messages: { to: string; text: string }[];
    };
    const mail = outbox.messages.find((m) => m.to === 'sato@b.example');
    assert.ok(mail, 'B was mailed');
    assert.ok(!mail.text.includes(code), 'the access code is not in the e-mail');
    const token = /\/sign\/([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(token, 'the mail carries a signing link');

    const { page: pageB } = await e2e.newPage('ja');
    await pageB.setViewportSize({ width: 390, height: 740 });
    await pageB.goto(`/sign/${token}`);
    await pageB.getByLabel('アクセスコード').fill('00000-00000');
    await pageB.getByRole('button', { name: '契約書を開く' }).click();
    const refused = pageB.getByRole('alert');
    await refused.waitFor();
    assert.match((await refused.textContent()) ?? '', /対処: 送信者から別途伝えられたアクセスコード/);
    await screenshotBoth(pageB, 'sign-access-code-error');
    await pageB.getByLabel('アクセスコード').fill(code);
    await pageB.getByRole('button', { name: '契約書を開く' }).click();
    await pageB.locator('canvas[data-rendered="true"]').first().waitFor();
    const confirm = pageB.getByTestId('witness-confirm');
    // On a phone-sized screen the end of the document starts out of view; until it has been shown the
    // confirmation stays disabled. (Whether it is in view is measured, not assumed from timing.)
    const endInView = await pageB.getByTestId('document-end').evaluate((el) => {
      // Runs in the browser; the test's type check has no DOM library, hence the narrow casts.
      const browser = globalThis as unknown as {
        innerHeight: number;
        getComputedStyle(e: unknown): { overflowY: string };
      };
      const box = el.getBoundingClientRect();
      let visible = box.top < browser.innerHeight && box.bottom > 0;
      for (let p = el.parentElement; p !== null && visible; p = p.parentElement) {
        const style = browser.getComputedStyle(p);
        if (/(auto|scroll)/.test(style.overflowY)) {
          const area = p.getBoundingClientRect();
          visible = box.top < area.bottom && box.bottom > area.top;
        }
      }
      return visible;
    });
    if (!endInView) {
      assert.ok(await confirm.isDisabled(), 'intent is confirmed only after the whole document was shown');
    }
    const wording = (await pageB.getByTestId('witness-text').textContent()) ?? '';
    assert.match(wording, /^私 \(B株式会社 佐藤 花子\) は「業務委託契約書」の内容/);
    const uploadedSha256 = createHash('sha256').update(readFileSync(pdfPath)).digest('hex');
    assert.ok(
      wording.includes(`業務委託契約書.pdf (SHA-256 ${uploadedSha256})`),
      'the wording names the exact document',
    );
    assert.match(
      wording,
      /電子契約サービス事業者がその署名鍵を用いて私の指図に基づき電子署名を行うことに同意します。$/,
    );
    await pageB.getByTestId('document-end').scrollIntoViewIfNeeded();
    // check() waits until the box is enabled, i.e. until the end of the document has been on screen.
    await confirm.check();
    await noCritical(pageB, 'counterparty signing');
    await screenshotBoth(pageB, 'sign-review');
    await pageB.getByRole('button', { name: '同意して署名する' }).click();
    const resultB = pageB.getByTestId('sign-result');
    await resultB.waitFor({ timeout: SIGNING_MS });
    assert.equal(await resultB.locator('[data-field="document"]').textContent(), '業務委託契約書.pdf');
    assert.equal(
      await resultB.locator('[data-field="document-hash"]').textContent(),
      uploadedSha256,
      'the result names the hash of exactly what B reviewed',
    );
    assert.match((await resultB.locator('[data-field="signer-id"]').textContent()) ?? '', /sato@b\.example/);
    assert.match(
      (await resultB.locator('[data-field="signing-time"]').textContent()) ?? '',
      /\d{4}\/\d{2}\/\d{2} .* JST/,
    );
    assert.match((await resultB.locator('[data-field="signer-name"]').textContent()) ?? '', /CN=/);
    assert.ok(((await resultB.locator('[data-field="validation"]').textContent()) ?? '').length > 0);
    await noCritical(pageB, 'signing result');
    await screenshot(pageB, 'sign-result-ja');

    // ---- A signs (signer-type: PIN + one-time code) ----
    await pageA.goto(envelopeUrl);
    await pageA.getByRole('heading', { name: 'あなたの署名の番です' }).waitFor();
    await pageA.locator('canvas[data-rendered="true"]').first().waitFor();
    await pageA.getByRole('checkbox', { name: /電子署名することに同意します/ }).check();
    await pageA.getByLabel('電子証明書の PIN').fill('246810');
    await pageA.getByLabel('ワンタイムコード (認証アプリ)').fill(await totp(credential.totp));
    await screenshotBoth(pageA, 'envelope-sign');
    await pageA.getByRole('button', { name: '署名する', exact: true }).click();
    const resultA = pageA.getByTestId('sign-result');
    await resultA.waitFor({ timeout: SIGNING_MS });
    assert.match((await resultA.locator('[data-field="signer-name"]').textContent()) ?? '', /Yamada Taro/);
    await pageA.locator('[data-status="completed"]').first().waitFor();
    await screenshot(pageA, 'envelope-completed-ja');

    // ---- both download the final PDF; pdfsig accepts every signature ----
    const fileA = await downloadPdf(pageA, 'final-a.pdf');
    const fileB = await downloadPdf(pageB, 'final-b.pdf');
    assert.deepEqual(readFileSync(fileA), readFileSync(fileB), 'both parties hold the same final document');
    const [, root] = await e2e.shomei.ca.chain();
    const rootPem = path.join(e2e.dir, 'root.pem');
    writeFileSync(rootPem, pem(root!));
    // pdfsig asks the embedded CA's OCSP responder, this process's server: it must not be blocked.
    const report = await pdfsigReportAsync(fileA, trustingNssDb(path.join(e2e.dir, 'nss'), rootPem));
    assert.ok(report.blocks.length >= 2, report.raw);
    for (const block of report.blocks.slice(0, 2)) {
      assert.match(block, /Signature Validation: Signature is Valid\./, report.raw);
    }
    assert.match(report.raw, /Signer Certificate Common Name: Yamada Taro/);

    // ---- the dashboard and its 電帳法 search ----
    await pageA.getByRole('link', { name: '契約一覧' }).first().click();
    await pageA.locator('[data-envelope]').first().waitFor();
    await pageA.getByLabel('取引先').fill('B株式');
    await pageA.getByLabel('下限金額').fill('1000000');
    await pageA.getByLabel('上限金額').fill('2000000');
    await pageA.getByLabel('開始日').fill('2026-11-01');
    await pageA.getByLabel('終了日').fill('2026-11-30');
    await pageA.getByLabel('状態').selectOption('completed');
    await pageA.getByRole('button', { name: '検索', exact: true }).click();
    await pageA.locator('[data-envelope] [data-status="completed"]').waitFor();
    assert.equal(await pageA.locator('[data-envelope]').count(), 1);
    await noCritical(pageA, 'dashboard');
    await screenshot(pageA, 'dashboard-ja');
    await pageA.getByLabel('下限金額').fill('1300000');
    await pageA.getByRole('button', { name: '検索', exact: true }).click();
    await pageA.getByText('該当する契約はありません').waitFor();

    // ---- English ----
    await pageA.getByRole('button', { name: '表示言語' }).click();
    await pageA.getByRole('button', { name: 'Clear' }).click();
    await pageA.locator('[data-envelope]').first().waitFor();
    await pageA.getByRole('heading', { name: 'Contracts' }).waitFor();
    await screenshot(pageA, 'dashboard-en');
    await pageA.goto(envelopeUrl);
    await pageA.getByRole('heading', { name: 'History' }).waitFor();
    await screenshot(pageA, 'envelope-completed-en');
    await pageB.getByRole('button', { name: '表示言語' }).click();
    await pageB.getByRole('heading', { name: 'You have signed' }).waitFor();
    await screenshot(pageB, 'sign-result-en');

    // ---- not an auditor: the audit API refuses, the screen says why and what to do ----
    const status = await pageA.evaluate(async () => (await fetch('/api/admin/audit/events')).status);
    assert.equal(status, 403);
    await pageA.goto('/admin/audit');
    const denied = pageA.getByRole('alert');
    await denied.waitFor();
    assert.match((await denied.textContent()) ?? '', /system auditor/);
  });
});
