/**
 * Issue #19, the outside signer's journey on a 390×844 phone and the sender's side, in Chromium:
 * the mail names the sending company and the contract, a wrong access code says how many tries are
 * left, the fifth locks the link with a plain message (even for the right code), the sender sees
 * ロック中 and re-issues in one click, the new link and code open the contract, signing shows its
 * steps and ends on a result page whose heading has the focus, with the technical facts behind 「詳細」.
 * No Japanese screen shows a SHOMEI_ code or an English word in its main text; axe finds nothing
 * serious or critical on these screens, in Japanese and English.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { samplePdf } from '../contracts/harness.ts';
import { type E2e, openE2e, PASSWORD, screenshot, totp } from './harness.ts';

const AXE = path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js');

/** Signing, completion (B-LTA) and the result's validation on a loaded 2-core machine. */
const SIGNING_MS = 90_000;

let e2e: E2e;
before(async () => {
  e2e = await openE2e();
});
after(async () => {
  await e2e?.close();
});

/** axe-core's serious and critical findings (rule and first node). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const result = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe;
    return axe.run();
  })) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ') ?? ''}`);
}

async function accessible(page: Page, screen: string): Promise<void> {
  assert.deepEqual(await seriousViolations(page), [], `axe on ${screen}`);
}

/**
 * The main text of a Japanese screen: no SHOMEI_ code and no English word outside 「詳細」 (closed
 * <details>), code elements, and the names and units listed here.
 */
async function plainJapanese(page: Page, screen: string): Promise<void> {
  const text = await page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
    const main = doc.querySelector('main') as { cloneNode(deep: boolean): unknown } | null;
    if (main === null) return '';
    const copy = main.cloneNode(true) as {
      querySelectorAll(s: string): { remove(): void }[];
      textContent: string;
    };
    for (const hidden of copy.querySelectorAll('details, code, .hash, [data-latin-ok]')) hidden.remove();
    return copy.textContent;
  });
  assert.doesNotMatch(text, /SHOMEI_/, `${screen}: no error code in the main text`);
  // Mail addresses, file names and hashes (the consent names the document's SHA-256) are not words.
  const words = text
    .replace(/[\w.+-]+@[\w.-]+/g, ' ')
    .replace(/\.pdf\b/g, ' ')
    .replace(/\b[0-9a-f]{64}\b/g, ' ');
  const allowed = new Set(['PDF', 'SHA', 'ID', 'IP', 'PIN', 'JST', 'shomei']);
  const latin = (words.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !allowed.has(w));
  assert.deepEqual(latin, [], `${screen}: English fragments in Japanese text`);
}

describe('the signing journey a business user expects', () => {
  it('attempts left, lockout, re-issue, progress and the result page', async () => {
    const identity = e2e.shomei.identity;
    const tenant = await identity.accounts.createTenant({ slug: 'journey-a', name: '株式会社サンプル' });
    const created = await identity.accounts.createUser({
      tenantId: tenant.id,
      email: 'yamada@sample.example',
      displayName: '山田 太郎',
      familyName: '山田',
      givenName: '太郎',
      organisationName: '株式会社サンプル',
    });
    const { token: activation } = await identity.applications.issueActivationToken(created.id);
    const user = await identity.activate(activation, PASSWORD, {});
    const enrolment = await identity.totp.begin(user.id, user.email);
    assert.ok(await identity.totp.confirm(user.id, await totp(enrolment.secret)));

    const actor = {
      kind: 'user' as const,
      userId: user.id,
      tenantId: user.tenantId,
      email: user.email,
      authentication: 'password+totp',
    };
    const envelope = await e2e.contracts.create(actor, {
      title: '業務委託契約書',
      counterparty: 'トリサキ商事株式会社',
      amount: 1650000,
      expiresAt: '2030-03-31T08:00:00Z',
      parties: [
        {
          role: 'signer',
          signingMode: 'witness-type',
          email: 'sato@partner.example',
          name: '佐藤 花子',
          company: '株式会社取引先',
        },
      ],
    });
    await e2e.contracts.addDocument(actor, envelope.id, '業務委託契約書.pdf', samplePdf(1, 'gyomu itaku'));
    const sent = await e2e.contracts.send(actor, envelope.id);
    const firstCode = sent.accessCodes[0]!.accessCode;

    // ---- the mail (development outbox) names the company, the person, the contract, the deadline ----
    const outbox = async () =>
      (
        (await (await fetch(`${e2e.base}/dev/outbox?format=json`)).json()) as {
          messages: { to: string; subject: string; text: string }[];
        }
      ).messages;
    const mails = (await outbox()).filter((m) => m.to === 'sato@partner.example');
    const request = mails[0]!; // the outbox lists the newest first
    assert.match(request.subject, /業務委託契約書 \(株式会社サンプル\)/);
    assert.match(request.text, /株式会社サンプル 山田 太郎 様から「業務委託契約書」の署名依頼/);
    assert.match(request.text, /期限: 2030年3月31日 17:00/);
    const linkOf = (text: string) => /\/sign\/([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? '';

    // ---- B, on a phone: wrong codes count down, the fifth locks, the right code is then refused ----
    const { page: pageB } = await e2e.newPage('ja');
    await pageB.setViewportSize({ width: 390, height: 844 });
    await pageB.goto(`/sign/${linkOf(request.text)}`);
    await accessible(pageB, 'link page');
    const alert = pageB.getByRole('alert');
    for (const left of [4, 3, 2, 1]) {
      await pageB.getByLabel('アクセスコード').fill('00000-00000');
      await pageB.getByRole('button', { name: '契約書を開く' }).click();
      await pageB.getByText(`あと ${left} 回入力できます`).waitFor();
    }
    await plainJapanese(pageB, 'wrong access code');
    await accessible(pageB, 'wrong access code');
    await screenshot(pageB, 'journey-attempts-left-ja');
    await pageB.getByLabel('アクセスコード').fill('00000-00000');
    await pageB.getByRole('button', { name: '契約書を開く' }).click();
    await pageB.getByText('このリンクはロックされました').waitFor();
    await pageB.getByLabel('アクセスコード').fill(firstCode);
    await pageB.getByRole('button', { name: '契約書を開く' }).click();
    await pageB.getByText('このリンクはロックされました').waitFor();
    assert.match((await alert.textContent()) ?? '', /再発行を依頼してください/);
    await plainJapanese(pageB, 'locked link');
    await screenshot(pageB, 'journey-locked-ja');

    // ---- A sees ロック中 and re-issues in one click (confirmed); the new code is shown once ----
    const { page: pageA } = await e2e.newPage('ja');
    await pageA.goto('/login');
    await pageA.getByLabel('メールアドレス').fill(user.email);
    await pageA.getByLabel('パスワード').fill(PASSWORD);
    await pageA.getByRole('button', { name: '次へ' }).click();
    await pageA.getByLabel('確認コード (6 桁)').fill(await totp(enrolment.secret, 1));
    await pageA.getByRole('button', { name: 'ログイン' }).click();
    await pageA.waitForURL('**/envelopes');
    assert.ok((await outbox()).some((m) => m.to === user.email && m.subject.startsWith('【ロック中】')));
    await pageA.goto(`/envelopes/${envelope.id}`);
    await pageA.locator('[data-locked="true"]').waitFor();
    assert.equal(await pageA.locator('[data-locked="true"]').textContent(), 'ロック中');
    await accessible(pageA, 'envelope with a locked party');
    await pageA.getByRole('button', { name: 'アクセスコードを再発行' }).click();
    await pageA.getByRole('dialog').getByRole('button', { name: 'アクセスコードを再発行' }).click();
    const codeCell = pageA.locator('[data-access-code="sato@partner.example"]');
    await codeCell.waitFor();
    const newCode = ((await codeCell.textContent()) ?? '').trim();
    assert.match(newCode, /^\d{5}-\d{5}$/);
    assert.notEqual(newCode, firstCode);
    await pageA.getByText('佐藤 花子 様に新しいリンクをメールで送りました').waitFor();
    assert.equal(await pageA.locator('[data-locked="true"]').count(), 0, 'no longer locked');
    await plainJapanese(pageA, 'envelope after re-issue');
    await screenshot(pageA, 'journey-reissued-ja');

    // ---- 社内承認: A picks a colleague by name (half-width kana), not by user id ----
    const colleague = await identity.accounts.createUser({
      tenantId: tenant.id,
      email: 'suzuki@sample.example',
      displayName: '鈴木 一郎',
      familyName: '鈴木',
      givenName: '一郎',
      familyNameKana: 'スズキ',
      department: '法務部',
    });
    await identity.activate(
      (await identity.applications.issueActivationToken(colleague.id)).token,
      PASSWORD,
      {},
    );
    // Not offered: an account not yet activated, and another company's member of the same name.
    const pending = await identity.accounts.createUser({
      tenantId: tenant.id,
      email: 'suzuki.pending@sample.example',
      displayName: '鈴木 次郎',
      familyName: '鈴木',
      givenName: '次郎',
    });
    const elsewhere = await identity.accounts.createTenant({ slug: 'journey-b', name: '別会社株式会社' });
    await identity.accounts.createUser({
      tenantId: elsewhere.id,
      email: 'suzuki@other.example',
      displayName: '鈴木 三郎',
      familyName: '鈴木',
      givenName: '三郎',
    });
    const draft = await e2e.contracts.create(actor, {
      title: '秘密保持契約書',
      counterparty: '株式会社承認テスト',
      parties: [
        { role: 'signer', signingMode: 'witness-type', email: 'ito@partner.example', name: '伊藤 誠' },
      ],
    });
    await e2e.contracts.addDocument(actor, draft.id, '秘密保持契約書.pdf', samplePdf(1, 'himitsu'));
    await pageA.goto(`/envelopes/${draft.id}`);
    const picker = pageA.locator('.member-picker');
    await picker.getByLabel('氏名またはメールアドレスで検索').fill('ｽｽﾞｷ');
    await picker.getByRole('button', { name: '鈴木 一郎 を追加' }).waitFor();
    const offered = await picker.locator('.member-found li').allTextContents();
    assert.equal(offered.length, 1, `only the active colleague of the tenant: ${offered.join(' / ')}`);
    assert.match(offered[0]!, /鈴木 一郎.*法務部/);
    await picker.getByRole('button', { name: '鈴木 一郎 を追加' }).click();
    await picker.getByRole('button', { name: '鈴木 一郎 を外す' }).waitFor();
    await accessible(pageA, 'internal approval picker');
    await pageA.getByRole('button', { name: '承認を依頼', exact: true }).click();
    const approverRow = pageA.locator('[data-approver-status="pending"]');
    await approverRow.waitFor();
    assert.match((await approverRow.textContent()) ?? '', /鈴木 一郎/);
    await plainJapanese(pageA, 'internal approval requested');
    // A saved list (a template's approvers) comes back by name: only the active colleague of the tenant.
    const byIds = (await pageA.evaluate(
      async (ids) => (await fetch(`/api/users/members?ids=${ids}`)).json(),
      [colleague.id, pending.id].join(','),
    )) as { members: { name: string }[] };
    assert.deepEqual(
      byIds.members.map((m) => m.name),
      ['鈴木 一郎'],
    );
    // The directory answers only a signed-in account (B's page has no session).
    const anonymous = await pageB.evaluate(async () => (await fetch('/api/users/members?q=')).status);
    assert.equal(anonymous, 401);

    // ---- A's list: half-width ｶﾅ finds the full-width name, the search stays in the address ----
    await pageA.goto('/envelopes');
    await pageA.getByLabel('取引先').fill('ﾄﾘｻｷ');
    await pageA.getByRole('button', { name: '検索', exact: true }).click();
    await pageA.waitForFunction(() =>
      (globalThis as unknown as { location: { search: string } }).location.search.includes('counterparty='),
    );
    await pageA.reload();
    await pageA.locator(`[data-envelope="${envelope.id}"]`).waitFor();
    assert.equal(await pageA.getByLabel('取引先').inputValue(), 'ﾄﾘｻｷ', 'the search survives a reload');
    await pageA.setViewportSize({ width: 390, height: 844 });
    const amount = await pageA.locator(`[data-envelope="${envelope.id}"] td.num`).boundingBox();
    assert.ok(amount && amount.x >= 0 && amount.x + amount.width <= 390, 'the amount is on a phone screen');
    await accessible(pageA, 'contract list on a phone');
    await screenshot(pageA, 'journey-list-phone-ja');

    // ---- B opens the new link with the new code, signs, and lands on the result page ----
    const reissued = (await outbox()).find((m) => m.to === 'sato@partner.example')!;
    assert.match(reissued.text, /新しいアクセスコードは送信者から/);
    await pageB.goto(`/sign/${linkOf(reissued.text)}`);
    await pageB.getByLabel('アクセスコード').fill(newCode);
    await pageB.getByRole('button', { name: '契約書を開く' }).click();
    await pageB.locator('canvas[data-rendered="true"]').first().waitFor();
    await pageB.getByTestId('document-end').scrollIntoViewIfNeeded();
    await pageB.getByTestId('witness-confirm').check();
    await plainJapanese(pageB, 'review');
    await accessible(pageB, 'review');
    await pageB.getByRole('button', { name: '同意して署名する' }).click();
    await pageB.getByTestId('sign-progress').waitFor();
    assert.match((await pageB.getByTestId('sign-progress').textContent()) ?? '', /手順 1 \/ 3/);
    const heading = pageB.getByRole('heading', { name: '署名が完了しました' });
    await heading.waitFor({ timeout: SIGNING_MS });
    assert.equal(
      await heading.evaluate(
        (el) => (el.ownerDocument as unknown as { activeElement: unknown }).activeElement === el,
      ),
      true,
      'the result heading has the focus',
    );
    assert.match(
      (await pageB.getByTestId('sign-next').textContent()) ?? '',
      /締結が完了しました|締結完了のお知らせ/,
    );
    assert.equal(await pageB.locator('[data-field="signer-name"]').isVisible(), false, 'details folded');
    await pageB.getByText('詳細', { exact: true }).click();
    assert.match((await pageB.locator('[data-field="signer-name"]').textContent()) ?? '', /CN=/);
    await pageB.getByText('詳細', { exact: true }).click();
    await plainJapanese(pageB, 'result page');
    await accessible(pageB, 'result page');
    await screenshot(pageB, 'journey-result-ja');

    // ---- the same screens in English ----
    await pageB.getByRole('button', { name: '表示言語' }).click();
    await pageB.getByRole('heading', { name: 'You have signed' }).waitFor();
    await accessible(pageB, 'result page (en)');
    await screenshot(pageB, 'journey-result-en');
  });
});
