/**
 * The operator console's credentials, certificates and backups screens: a system operator signs in,
 * finds them in the menu (from GET /api/me/privileges), sees a signer's credential and certificate,
 * suspends the credential after confirming, creates and verifies a backup and asks for a restore
 * (dual control). A member without a role sees none of these menus and the API refuses them (403).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setPermission } from '../../src/contracts/index.ts';
import {
  createUser,
  criticalViolations,
  type E2e,
  logIn,
  openE2e,
  screenshot,
  screenshotBoth,
  signerCredential,
} from './harness.ts';

let e2e: E2e;
before(async () => {
  e2e = await openE2e({ SHOMEI_ADMIN_ALLOWED_IPS: '127.0.0.1' });
});
after(async () => {
  await e2e?.close();
});

describe('operator console: credentials, certificates, backups', () => {
  it('shows an operator their sections and hides them from a member without a role', async () => {
    const staff = { tenantSlug: 'operator', company: 'shomei 運用', givenName: '一郎' };
    const officer = await createUser(e2e.shomei, { ...staff, email: 'so@ops.example', familyName: '警備' });
    const operator = await createUser(e2e.shomei, { ...staff, email: 'op@ops.example', familyName: '運用' });
    const signer = await createUser(e2e.shomei, {
      email: 'yamada@a.example',
      tenantSlug: 'tenant-a',
      company: 'A株式会社',
      familyName: '山田',
      givenName: '太郎',
    });
    const today = new Date().toISOString().slice(0, 10);
    for (const user of [officer.user, operator.user]) {
      await e2e.shomei.admin.grants.recordTraining(
        { userId: user.id, topic: 'Operations', trainer: 'CISO Office', trainedOn: today },
        'e2e',
      );
    }
    await e2e.shomei.admin.bootstrap(
      [
        { userId: officer.user.id, role: 'security_officer' },
        { userId: operator.user.id, role: 'system_operator' },
      ],
      'root-console',
    );
    const { credentialId } = await signerCredential(
      e2e.shomei,
      signer.user,
      'CN=Yamada Taro, O=A Corporation, C=JP',
      '246810',
    );

    const { page } = await e2e.newPage('ja');
    await logIn(page, operator.user.email, operator.totpSecret);
    await page.getByRole('link', { name: '運用管理' }).click();
    const sections = page.getByRole('navigation', { name: '運用管理のメニュー' });
    await sections.getByRole('link', { name: 'クレデンシャルと証明書' }).click();
    await page.getByRole('heading', { name: 'クレデンシャルと証明書', level: 1 }).waitFor();
    assert.equal(await sections.getByRole('link', { name: '監査ログ' }).count(), 0, 'not an auditor');

    // The signer's credential and its certificate from the embedded CA.
    const credentials = page.getByTestId('credentials-table');
    const row = credentials.locator('tr', { hasText: credentialId });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /Yamada Taro/);
    const certificates = page.getByTestId('certificates-table');
    await certificates.locator('tr', { hasText: 'Yamada Taro' }).first().waitFor();

    // Suspend after confirming in a dialog; the list and the detail say so.
    await row.getByRole('button', { name: `${credentialId} の詳細` }).click();
    await page.getByRole('button', { name: '一時停止', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `クレデンシャル ${credentialId} を一時停止しますか?` });
    await dialog.getByRole('button', { name: '実行する' }).click();
    await page.getByText(`クレデンシャル ${credentialId} を一時停止しました。`).waitFor();
    await row.locator('[data-status="suspended"]').waitFor();
    assert.equal((await e2e.shomei.rssp.credentials.require(credentialId)).status, 'suspended');
    assert.deepEqual(await criticalViolations(page), []);
    await screenshotBoth(page, 'console-credentials');

    // Backups: create (the list shows it running, then complete and verified), verify again.
    await sections.getByRole('link', { name: 'バックアップ' }).click();
    await page.getByRole('heading', { name: 'バックアップ', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'バックアップを作成' }).click();
    const backup = page.getByTestId('backups-table').locator('tbody tr').first();
    await backup.locator('[data-state="ready"]').waitFor({ timeout: 30_000 });
    await backup.locator('[data-valid="yes"]').waitFor();
    assert.match((await backup.textContent()) ?? '', /運用 一郎/);
    assert.match((await backup.textContent()) ?? '', /[0-9a-f]{64}/);
    await backup.getByRole('button', { name: /を検証$/ }).click();
    await backup.getByTestId('last-verify').getByText('(運用 一郎)').waitFor({ timeout: 30_000 });

    // Restore is a request for a second person's approval, not an action.
    await backup.getByRole('button', { name: /からの復元を依頼$/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: '承認を依頼する' }).click();
    await page.getByText(/依頼しました \(依頼 ID/).waitFor();
    const pending = await e2e.shomei.admin.dualControl.list({ status: 'pending' });
    assert.deepEqual(
      pending.map((p) => [p.kind, p.requestedBy]),
      [['backup.restore', operator.user.id]],
    );
    assert.deepEqual(await criticalViolations(page), []);
    await screenshotBoth(page, 'console-backups');
    // On a phone the page folds to one column; only the table scrolls sideways, not the page.
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'console-backups-phone');
    const overflow = await page.evaluate(() => {
      const g = globalThis as unknown as {
        document: { documentElement: { scrollWidth: number } };
        innerWidth: number;
      };
      return g.document.documentElement.scrollWidth - g.innerWidth;
    });
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`);

    // A member of a tenant: no console menus, the API refuses with the stable code, the page says so.
    // 閲覧権限 granted within the tenant shows among the member's permissions (not as a privilege).
    await setPermission(e2e.shomei.contracts.context, { kind: 'operator', id: 'e2e' }, signer.user.tenantId, {
      userId: signer.user.id,
      permission: 'documents.read_all',
      granted: true,
    });
    const { page: other } = await e2e.newPage('ja');
    await logIn(other, signer.user.email, signer.totpSecret);
    await other.getByRole('link', { name: '契約一覧' }).first().waitFor();
    const mine = (await other.evaluate(async () => (await fetch('/api/me/privileges')).json())) as {
      privileges: string[];
      tenant: { permissions: string[] };
    };
    assert.deepEqual(mine.privileges, []);
    assert.ok(mine.tenant.permissions.includes('documents.read_all'), mine.tenant.permissions.join());
    assert.equal(await other.getByRole('link', { name: '運用管理' }).count(), 0);
    assert.equal(await other.getByRole('link', { name: '監査ログ' }).count(), 0);
    for (const url of ['/api/admin/credentials', '/api/admin/certificates', '/api/admin/backups']) {
      const refused = await other.evaluate(async (u) => {
        const r = await fetch(u);
        return { status: r.status, body: await r.text() };
      }, url);
      assert.equal(refused.status, 403, `${url}: ${refused.body}`);
      assert.match(refused.body, /"SHOMEI_FORBIDDEN"/);
    }
    await other.goto('/admin/backups');
    await other.getByRole('alert').waitFor();
    assert.match((await other.getByRole('alert').textContent()) ?? '', /役割がありません/);
  });
});
