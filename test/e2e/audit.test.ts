/**
 * The audit log screen: a system auditor (bootstrapped role, current training, an allowed maintenance
 * terminal address) sees the hash-chained events and exports them; the security officer's operator
 * console lists role grants and alerts; a user without the role sees no link, and the API refuses them
 * (403) even from the allowed terminal. A first login enrols TOTP in the UI.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createUser,
  criticalViolations,
  type E2e,
  logIn,
  openE2e,
  PASSWORD,
  screenshotBoth,
  type TestShomei,
  totp,
} from './harness.ts';

let e2e: E2e;
before(async () => {
  e2e = await openE2e({ SHOMEI_ADMIN_ALLOWED_IPS: '127.0.0.1' });
});
after(async () => {
  await e2e?.close();
});

async function person(shomei: TestShomei, email: string, familyName: string) {
  return createUser(shomei, {
    email,
    tenantSlug: 'operator',
    company: 'shomei 運用',
    familyName,
    givenName: '一郎',
  });
}

describe('auditor, operator and first-login screens', () => {
  it('is shown to the system auditor, with search and export; others get no link and a 403', async () => {
    const officer = await person(e2e.shomei, 'so@shomei.example', '警備');
    const auditor = await person(e2e.shomei, 'auditor@shomei.example', '監査');
    const clerk = await person(e2e.shomei, 'clerk@shomei.example', '事務');
    const today = new Date().toISOString().slice(0, 10);
    for (const user of [officer.user, auditor.user]) {
      await e2e.shomei.admin.grants.recordTraining(
        { userId: user.id, topic: 'Audit and security policy', trainer: 'CISO Office', trainedOn: today },
        'e2e',
      );
    }
    await e2e.shomei.admin.bootstrap(
      [
        { userId: officer.user.id, role: 'security_officer' },
        { userId: auditor.user.id, role: 'system_auditor' },
      ],
      'root-console',
    );

    const { page } = await e2e.newPage('ja');
    await logIn(page, auditor.user.email, auditor.totpSecret);
    await page.getByRole('link', { name: '監査ログ' }).click();
    await page.getByRole('heading', { name: '監査ログ' }).waitFor();
    await page.locator('table tbody tr').first().waitFor();
    await page.getByLabel('種別 (例: envelope.*)').fill('auth.*');
    await page.getByRole('button', { name: '検索', exact: true }).click();
    await page
      .locator('table tbody tr code', { hasText: /^auth\./ })
      .first()
      .waitFor();
    const types = await page.locator('table tbody tr code').allTextContents();
    assert.ok(types.length > 0 && types.every((t) => t.startsWith('auth.')), types.join(','));
    assert.deepEqual(await criticalViolations(page), []);
    await screenshotBoth(page, 'audit');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: '書き出し (JSONL)' }).click();
    const file = path.join(e2e.dir, 'audit.jsonl');
    await (await download).saveAs(file);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.ok(lines.length > 1, 'the export holds the events');
    for (const line of lines) JSON.parse(line);

    // The security officer's operator console: role grants and alerts are theirs to see; the RA queue
    // is the RA operator's, so that section is not shown to them (GET /api/me/privileges).
    const { page: ops } = await e2e.newPage('ja');
    await logIn(ops, officer.user.email, officer.totpSecret);
    await ops.getByRole('link', { name: '運用管理' }).click();
    const roles = ops.locator('section', { has: ops.getByRole('heading', { name: '特権の役割' }) });
    await roles.locator('tbody tr').first().waitFor();
    assert.match((await roles.textContent()) ?? '', /system_auditor/);
    assert.equal(await ops.getByRole('heading', { name: '審査待ちの利用申請' }).count(), 0);
    await ops
      .locator('section', { has: ops.getByRole('heading', { name: 'アラート' }) })
      .locator('.empty, table')
      .waitFor();
    assert.deepEqual(await criticalViolations(ops), []);
    await screenshotBoth(ops, 'operator');

    const { page: other } = await e2e.newPage('ja');
    await logIn(other, clerk.user.email, clerk.totpSecret);
    await other.getByRole('link', { name: '契約一覧' }).first().waitFor();
    assert.equal(await other.getByRole('link', { name: '監査ログ' }).count(), 0, 'no audit link for a clerk');
    const refused = await other.evaluate(async () => {
      const r = await fetch('/api/admin/audit/events');
      return { status: r.status, body: await r.text() };
    });
    assert.equal(refused.status, 403, refused.body);
    assert.doesNotMatch(refused.body, /TERMINAL/, 'refused for the missing role, not the terminal');
    await other.goto('/admin/audit');
    await other.getByRole('alert').waitFor();
    assert.match((await other.getByRole('alert').textContent()) ?? '', /システム監査者/);
  });

  it('enrols TOTP on a first login: key shown, code accepted, recovery codes shown once', async () => {
    const fresh = await createUser(e2e.shomei, {
      email: 'new@shomei.example',
      tenantSlug: 'operator',
      company: 'shomei 運用',
      familyName: '新人',
      givenName: '花子',
      enrolTotp: false,
    });
    const { page } = await e2e.newPage('ja');
    await page.goto('/login');
    await page.getByLabel('メールアドレス').fill(fresh.user.email);
    await page.getByLabel('パスワード').fill(PASSWORD);
    await page.getByRole('button', { name: '次へ' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())?.trim() ?? '';
    assert.match(secret, /^[A-Z2-7]{16,}$/, 'a base32 key to type into an authenticator app');
    await page.getByLabel('確認コード (6 桁)').fill(await totp(secret));
    await page.getByRole('button', { name: 'ログイン' }).click();
    await page.getByRole('heading', { name: 'リカバリーコードを保管してください' }).waitFor();
    assert.ok((await page.locator('.codes li').count()) >= 8, 'recovery codes are listed');
    await page.getByRole('button', { name: '保管しました。続ける' }).click();
    await page.waitForURL('**/envelopes');
    await page.getByTestId('who').waitFor();
    assert.equal((await page.getByTestId('who').textContent())?.trim(), '新人 花子');
  });
});
