/**
 * Signer-type (当事者型) between two companies through the UI only, in headless Chromium: the users of
 * A and B apply for a signing certificate on 「電子証明書」, an operator approves both in the console
 * with the identity check recorded, each sets a PIN and enrols the one-time code from the QR screen;
 * A sends a contract to A and B (signer-type, by e-mail) and an outside person (witness-type); B finds
 * it in B's own list and signs with B's certificate (the only one offered), the outside person signs
 * by link, A sees it completed. The PDF passes pdfsig and `shomei verify`; both companies find it by
 * date, amount and counterparty. B's screen shows no withdraw and none of A's addresses. B then renews
 * the certificate through the same RA approval (PIN and code carry over, the old one is revoked), and
 * A's administrator allows 当事者型 only, after which the sender form offers nothing else.
 * Accounts and the operator's role are set up directly (they have their own screens and tests).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { setPermission } from '../../src/contracts/index.ts';
import { samplePdf } from '../contracts/harness.ts';
import { pdfsigReportAsync, pem, trustingNssDb } from '../contracts/validators.ts';
import { runShomeiAsync } from '../helpers/run.ts';
import {
  createUser,
  criticalViolations,
  type E2e,
  openE2e,
  PASSWORD,
  screenshot,
  screenshotBoth,
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

const PIN = '864213';
const shot = (page: Page, name: string) => screenshot(page, `signer-type-${name}-ja`);
const shotBoth = (page: Page, name: string) => screenshotBoth(page, `signer-type-${name}`);

async function logIn(page: Page, email: string, secret: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByLabel('パスワード').fill(PASSWORD);
  await page.getByRole('button', { name: '次へ' }).click();
  // The next time step: the current one was spent when the account's authenticator was enrolled.
  await page.getByLabel('確認コード (6 桁)').fill(await totp(secret, 1));
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL('**/envelopes');
}

async function apply(page: Page, commonName: string, organisation: string, name: string): Promise<void> {
  await page.getByRole('link', { name: '電子証明書' }).click();
  await page.getByRole('heading', { name: '電子証明書 (署名用)' }).waitFor();
  await page.getByLabel('氏名 (証明書に載る名前、ローマ字)').fill(commonName);
  await page.getByLabel('会社名 (証明書の O、ローマ字)').fill(organisation);
  // ECDSA P-256: quick to generate in SoftHSM2 and accepted by pdfsig alike.
  await page.getByLabel('鍵の種類').selectOption('EC-P256');
  if (name === 'a') await shotBoth(page, '1-apply');
  await page.getByRole('button', { name: '申請する' }).click();
  await page.getByTestId('my-applications').locator('[data-status="pending"]').waitFor();
  if (name === 'a') await shot(page, '2-applied');
}

/** PIN, then the one-time code from the QR screen; returns the seed the authenticator would hold. */
async function setUpCredential(page: Page, name: string): Promise<string> {
  // The user was left on this screen while waiting for the approval: look again.
  await page.reload();
  const card = page.locator('article[data-status="active"]');
  await card.waitFor();
  await card.getByLabel('署名用 PIN (6〜16 桁の数字)').fill(PIN);
  await card.getByLabel('署名用 PIN (確認)').fill(PIN);
  await card.getByRole('button', { name: 'PIN を設定' }).click();
  await page.getByText('PIN を設定しました。').waitFor();
  await card.getByRole('button', { name: 'ワンタイムコードを登録 (QR コード)' }).click();
  const qr = card.getByRole('img', { name: '署名用ワンタイムコードの登録用 QR コード' });
  await qr.waitFor();
  assert.match((await qr.getAttribute('src')) ?? '', /^data:image\/png;base64,/);
  const secret = ((await card.getByTestId('otp-secret').textContent()) ?? '').trim();
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  if (name === 'a') {
    assert.deepEqual(await criticalViolations(page), []);
    await shotBoth(page, '4-otp-qr');
  }
  await card.getByRole('button', { name: '認証アプリに登録しました' }).click();
  await card.getByText('設定済み (認証アプリ)').waitFor();
  return secret;
}

async function searchFinds(page: Page): Promise<void> {
  await page.getByRole('link', { name: '契約一覧' }).first().click();
  await page.locator('[data-envelope]').first().waitFor();
  await page.getByLabel('取引先').fill('B株式');
  await page.getByLabel('下限金額').fill('3000000');
  await page.getByLabel('上限金額').fill('4000000');
  await page.getByLabel('開始日').fill('2026-12-01');
  await page.getByLabel('終了日').fill('2026-12-31');
  await page.getByRole('button', { name: '検索', exact: true }).click();
  await page.locator('[data-envelope] [data-status="completed"]').waitFor();
  assert.equal(await page.locator('[data-envelope]').count(), 1);
}

describe('signer-type contract between two companies, entirely in the browser', () => {
  it('apply, approve, PIN and QR, send, B signs with its own certificate, witness by link, completed', async () => {
    const a = await createUser(e2e.shomei, {
      email: 'yamada@a.example',
      tenantSlug: 'tenant-a',
      company: 'A株式会社',
      familyName: '山田',
      givenName: '太郎',
    });
    const b = await createUser(e2e.shomei, {
      email: 'sato@b.example',
      tenantSlug: 'tenant-b',
      company: 'B株式会社',
      familyName: '佐藤',
      givenName: '花子',
    });
    const op = await createUser(e2e.shomei, {
      email: 'ra@ops.example',
      tenantSlug: 'operator',
      company: 'shomei 運用',
      familyName: '運用',
      givenName: '一郎',
    });
    const officer = await createUser(e2e.shomei, {
      email: 'so@ops.example',
      tenantSlug: 'operator',
      company: 'shomei 運用',
      familyName: '警備',
      givenName: '一郎',
    });
    const today = new Date().toISOString().slice(0, 10);
    for (const user of [op.user, officer.user]) {
      await e2e.shomei.admin.grants.recordTraining(
        { userId: user.id, topic: 'RA', trainer: 'CISO Office', trainedOn: today },
        'e2e',
      );
    }
    await e2e.shomei.admin.bootstrap(
      [
        { userId: officer.user.id, role: 'security_officer' },
        { userId: op.user.id, role: 'system_operator' },
      ],
      'root-console',
    );

    // ---- A and B apply for a signing certificate ----
    const { page: pageA } = await e2e.newPage('ja');
    const { page: pageB } = await e2e.newPage('ja');
    // A refused API call is the first thing to read when this test fails.
    for (const page of [pageA, pageB]) {
      page.on('response', async (r) => {
        if (r.status() >= 400 && r.url().includes('/api/'))
          console.log('refused:', r.status(), r.url(), await r.text());
      });
    }
    await logIn(pageA, a.user.email, a.totpSecret);
    await apply(pageA, 'Yamada Taro', 'A Corporation', 'a');
    await logIn(pageB, b.user.email, b.totpSecret);
    await apply(pageB, 'Sato Hanako', 'B Corporation', 'b');

    // ---- the operator checks identity and approves both in the console ----
    const { page: pageOp } = await e2e.newPage('ja');
    await logIn(pageOp, op.user.email, op.totpSecret);
    await pageOp.getByRole('link', { name: '運用管理' }).click();
    for (const [who, reference] of [
      ['Yamada Taro', 'RA-2026-0101 運転免許証'],
      ['Sato Hanako', 'RA-2026-0102 登記事項証明書'],
    ] as const) {
      const application = pageOp.getByTestId('credential-application').filter({ hasText: who });
      await application.getByLabel('本人確認の方法').selectOption('identity-document-copy');
      await application.getByLabel('確認記録の参照番号').fill(reference);
      if (who === 'Yamada Taro') {
        assert.deepEqual(await criticalViolations(pageOp), []);
        await shotBoth(pageOp, '3-ra-approve');
      }
      await application.getByRole('button', { name: '承認して発行' }).click();
      await pageOp.getByText(/を承認し、証明書を発行しました。/).waitFor();
      await application.waitFor({ state: 'detached' });
    }

    // ---- each sets a PIN and enrols the one-time code by QR ----
    const seedA = await setUpCredential(pageA, 'a');
    const seedB = await setUpCredential(pageB, 'b');
    const cardA = pageA.locator('article[data-status="active"]');
    assert.match((await cardA.textContent()) ?? '', /CN=Yamada Taro/);
    assert.match((await cardA.textContent()) ?? '', /EC-P256/);
    await shot(pageA, '5-certificate');

    // ---- A sends: A and B signer-type (by e-mail), an outside person witness-type ----
    const pdfPath = path.join(e2e.dir, '共同開発契約書.pdf');
    writeFileSync(pdfPath, samplePdf(1, 'kyodo kaihatsu keiyaku'));
    await pageA.getByRole('link', { name: '新規作成' }).click();
    await pageA.getByLabel('契約書名').fill('共同開発契約書');
    await pageA.getByLabel('取引先').fill('B株式会社');
    await pageA.getByLabel('取引年月日').fill('2026-12-01');
    await pageA.getByLabel('取引金額 (円)').fill('3300000');
    await pageA.setInputFiles('#env-file', pdfPath);
    await pageA.locator('canvas[data-rendered="true"]').first().waitFor();
    await pageA.getByRole('button', { name: '＋ 当事者型の署名者を追加' }).click();
    await pageA.getByRole('button', { name: '＋ 当事者型の署名者を追加' }).click();
    const parties = [
      { n: 1, mode: 'signer-type', company: 'A株式会社', name: '山田 太郎', email: a.user.email, x: 40 },
      { n: 2, mode: 'signer-type', company: 'B株式会社', name: '佐藤 花子', email: b.user.email, x: 220 },
      {
        n: 3,
        mode: 'witness-type',
        company: 'C法律事務所',
        name: '木村 一郎',
        email: 'kimura@c.example',
        x: 400,
      },
    ];
    for (const p of parties) {
      const form = pageA.locator(`[data-party="${p.n}"]`);
      await form.getByLabel('署名の種類').selectOption(p.mode);
      await form.getByLabel('会社名').fill(p.company);
      await form.getByLabel('氏名').fill(p.name);
      await form.getByLabel('メールアドレス').fill(p.email);
      await form.getByLabel('ページ').fill('1');
      await form.getByLabel('横位置 (pt)').fill(String(p.x));
      await form.getByLabel('縦位置 (pt)').fill('60');
    }
    await pageA.locator('.seal-box').nth(2).waitFor();
    await shot(pageA, '6-new-envelope');
    await pageA.getByRole('button', { name: '送信する' }).click();
    // The confirmation names who will be mailed; sending happens only after it (issue #19).
    await pageA.getByRole('dialog').getByRole('button', { name: '送信する' }).click();
    await pageA.waitForURL(
      (url) => /^\/envelopes\/[A-Za-z0-9_-]+$/.test(url.pathname) && !url.pathname.endsWith('/new'),
      { timeout: 90_000 },
    );
    const accessCode = (
      (await pageA.locator('[data-access-code="kimura@c.example"]').textContent()) ?? ''
    ).trim();
    assert.ok(accessCode.length >= 8, 'the outside person’s access code is shown once');
    assert.equal(
      await pageA.locator('[data-access-code]').count(),
      1,
      'signer-type parties get no access code',
    );
    await shot(pageA, '7-sent');

    // ---- A signs with A's credential ----
    await pageA.reload();
    await pageA.getByRole('heading', { name: 'あなたの署名の番です' }).waitFor();
    await pageA.getByRole('checkbox', { name: /電子署名することに同意します/ }).check();
    // A mistyped PIN: the page says how many tries remain and what to do (issue #19).
    await pageA.getByLabel('電子証明書の PIN').fill('000000');
    await pageA.getByLabel('ワンタイムコード (認証アプリ)').fill('000000');
    await pageA.getByRole('button', { name: '署名する', exact: true }).click();
    const refusal = pageA.getByRole('alert').filter({ hasText: 'あと 4 回入力できます。' });
    await refusal.waitFor({ timeout: SIGNING_MS });
    assert.match(
      (await refusal.textContent()) ?? '',
      /PIN またはワンタイムコードが違います。.*PIN と認証アプリのコードを確認/,
    );
    await pageA.getByLabel('電子証明書の PIN').fill(PIN);
    await pageA.getByLabel('ワンタイムコード (認証アプリ)').fill(await generate({ secret: seedA }));
    await pageA.getByRole('button', { name: '署名する', exact: true }).click();
    await pageA.getByTestId('sign-result').waitFor({ timeout: SIGNING_MS });

    // ---- B: the mail's /contracts/<id> link, then B's own list ----
    const outbox = (await (await fetch(`${e2e.base}/dev/outbox?format=json`)).json()) as {
      messages: { to: string; text: string }[];
    };
    const mailB = outbox.messages.find((m) => m.to === b.user.email);
    const contractLink = /\/contracts\/([A-Za-z0-9_-]+)/.exec(mailB?.text ?? '');
    assert.ok(contractLink, 'B is mailed the account link');
    await pageB.goto(contractLink[0]);
    await pageB.getByRole('heading', { name: '共同開発契約書' }).waitFor();
    await pageB.getByRole('link', { name: '契約一覧' }).first().click();
    const row = pageB.locator('[data-envelope]').filter({ hasText: '共同開発契約書' });
    await row.waitFor();
    await shot(pageB, '8-b-list');
    await row.getByRole('link').first().click();
    await pageB.getByRole('heading', { name: 'あなたの署名の番です' }).waitFor();
    const offered = pageB.locator('#sign-credential option');
    await offered.first().waitFor({ state: 'attached' });
    assert.equal(await offered.count(), 1, 'only B’s own certificate is offered');
    assert.match((await offered.textContent()) ?? '', /Sato Hanako/);
    // B's company reads the contract, it does not withdraw or change it.
    assert.equal(await pageB.getByRole('heading', { name: '取消 (送信の取り消し)' }).count(), 0);
    // The timeline: A's signature is there as a milestone, without A's address.
    const aSigned = pageB.locator('li[data-event="envelope.sign"]').filter({ hasText: '山田 太郎' });
    await aSigned.waitFor();
    assert.doesNotMatch((await aSigned.textContent()) ?? '', /IP /);
    await pageB.getByRole('checkbox', { name: /電子署名することに同意します/ }).check();
    await pageB.getByLabel('電子証明書の PIN').fill(PIN);
    await pageB.getByLabel('ワンタイムコード (認証アプリ)').fill(await generate({ secret: seedB }));
    assert.deepEqual(await criticalViolations(pageB), []);
    await shotBoth(pageB, '9-b-sign');
    await pageB.getByRole('button', { name: '署名する', exact: true }).click();
    const resultB = pageB.getByTestId('sign-result');
    await resultB.waitFor({ timeout: SIGNING_MS });
    assert.match((await resultB.locator('[data-field="signer-name"]').textContent()) ?? '', /Sato Hanako/);
    await shot(pageB, '10-b-result');

    // ---- the outside person signs by link and access code ----
    const mailC = outbox.messages.find((m) => m.to === 'kimura@c.example');
    const token = /\/sign\/([A-Za-z0-9_-]+)/.exec(mailC?.text ?? '')?.[1];
    assert.ok(token);
    const { page: pageC } = await e2e.newPage('ja');
    await pageC.goto(`/sign/${token}`);
    await pageC.getByLabel('アクセスコード').fill(accessCode);
    await pageC.getByRole('button', { name: '契約書を開く' }).click();
    await pageC.locator('canvas[data-rendered="true"]').first().waitFor();
    await pageC.getByTestId('document-end').scrollIntoViewIfNeeded();
    await pageC.getByTestId('witness-confirm').check();
    await pageC.getByRole('button', { name: '同意して署名する' }).click();
    await pageC.getByTestId('sign-result').waitFor({ timeout: SIGNING_MS });

    // ---- A sees completion; the PDF passes pdfsig and shomei verify ----
    await pageA.reload();
    await pageA.locator('[data-status="completed"]').first().waitFor();
    const timelineA = pageA.locator('li[data-event="envelope.sign"]').filter({ hasText: '佐藤 花子' });
    assert.match(
      (await timelineA.first().textContent()) ?? '',
      /IP 127\.0\.0\.1/,
      'the sender sees addresses',
    );
    await shotBoth(pageA, '11-completed');
    const download = pageA.waitForEvent('download');
    await pageA
      .getByRole('button', { name: /署名済み PDF/ })
      .first()
      .click();
    const finalPdf = path.join(e2e.dir, 'final.pdf');
    await (await download).saveAs(finalPdf);
    const [, root] = await e2e.shomei.ca.chain();
    const rootPem = path.join(e2e.dir, 'root.pem');
    writeFileSync(rootPem, pem(root!));
    // pdfsig and shomei verify ask the embedded CA's OCSP responder, this process's server, so neither
    // may block it: a synchronous spawn left each waiting for its own timeout (over six minutes).
    const report = await pdfsigReportAsync(finalPdf, trustingNssDb(path.join(e2e.dir, 'nss'), rootPem));
    const signatures = report.blocks.filter((block) => !/Timestamp/i.test(block.split('\n')[0] ?? ''));
    assert.ok(signatures.length >= 3, report.raw);
    for (const block of signatures.slice(0, 3)) assert.match(block, /Signature is Valid\./, report.raw);
    assert.match(report.raw, /Common Name: Yamada Taro/);
    assert.match(report.raw, /Common Name: Sato Hanako/);
    const verified = await runShomeiAsync(['verify', finalPdf, '--trust', rootPem, '--json'], e2e.shomei.env);
    const verdict = JSON.parse(verified.stdout) as {
      indication: string;
      signatures: { kind: string; indication: string; signer?: { subject: string } }[];
    };
    assert.equal(verdict.indication, 'TOTAL_PASSED', verified.stdout.slice(0, 2000));
    const signers = verdict.signatures.filter((s) => s.kind === 'signature');
    assert.equal(signers.length, 3);
    assert.ok(signers.every((s) => s.indication === 'TOTAL_PASSED' && s.signer?.subject));
    const subjects = signers.map((s) => s.signer!.subject).join(' | ');
    assert.match(subjects, /Yamada Taro/);
    assert.match(subjects, /Sato Hanako/);

    // ---- both companies find it by date, amount and counterparty (電帳法) ----
    await searchFinds(pageA);
    await searchFinds(pageB);
    await shot(pageB, '12-b-search');

    // ---- renewal: B applies on 電子証明書, the operator approves, the new one keeps PIN and code ----
    await pageB.getByRole('link', { name: '電子証明書' }).click();
    const oldCard = pageB.locator('article[data-status="active"]');
    const oldId = await oldCard.getAttribute('data-credential');
    await oldCard.getByRole('button', { name: '更新を申請' }).click();
    await pageB.getByRole('button', { name: '更新を申請' }).last().click();
    await pageB.getByText('更新を申請しました。').waitFor();
    await pageB
      .getByTestId('my-applications')
      .locator('[data-status="pending"]', { hasText: '(更新)' })
      .waitFor();
    await shot(pageB, '13-renewal-applied');
    await pageOp.reload();
    const renewal = pageOp.getByTestId('credential-application').filter({ hasText: '(更新)' });
    await renewal.getByLabel('本人確認の方法').selectOption('identity-document-copy');
    await renewal.getByLabel('確認記録の参照番号').fill('RA-2026-0203 登記事項証明書');
    await renewal.getByRole('button', { name: '承認して発行' }).click();
    await renewal.waitFor({ state: 'detached' });
    await pageB.reload();
    const renewed = pageB.locator('article[data-status="active"]');
    await renewed.waitFor();
    assert.notEqual(await renewed.getAttribute('data-credential'), oldId);
    await renewed.getByText('設定済み (認証アプリ)').waitFor();
    await pageB.locator(`article[data-credential="${oldId}"][data-status="revoked"]`).waitFor();
    await shot(pageB, '14-renewed');

    // ---- A's administrator allows 当事者型 only: the sender form offers nothing else ----
    await setPermission(e2e.contracts.context, { kind: 'operator', id: 'e2e' }, a.user.tenantId, {
      userId: a.user.id,
      permission: 'tenant.admin',
      granted: true,
    });
    await pageA.reload();
    await pageA.getByRole('link', { name: '署名の設定' }).click();
    await pageA.getByRole('checkbox', { name: /立会人型/ }).uncheck();
    await shot(pageA, '15-signing-policy');
    await pageA.getByRole('button', { name: '保存' }).click();
    await pageA.getByText('署名の設定を保存しました。').waitFor();
    await pageA.getByRole('link', { name: '新規作成' }).click();
    const modes = pageA.locator('[data-party="1"] select[id$="-mode"] option');
    await modes.first().waitFor({ state: 'attached' });
    const offeredModes: string[] = [];
    for (const option of await modes.all()) offeredModes.push((await option.getAttribute('value')) ?? '');
    assert.deepEqual(offeredModes, ['signer-type']);
    assert.equal(await pageA.getByRole('button', { name: /立会人型の署名者を追加/ }).count(), 0);
  });
});
