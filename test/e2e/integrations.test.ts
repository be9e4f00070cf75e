/**
 * API キーと Webhook in the browser (issue #16 F2/F5): a tenant administrator creates a key, sees its
 * secret once, the key reads the envelope list from outside the browser, is revoked in the UI and is
 * then refused; a webhook to the metadata address is refused with the server's Japanese message, a
 * public one is registered and deleted. A member sees no menu, no screen, and the server refuses the
 * create route to the member's own session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setPermission } from '../../src/contracts/index.ts';
import { createUser, criticalViolations, type E2e, logIn, openE2e, screenshotBoth } from './harness.ts';

let e2e: E2e;
before(async () => {
  e2e = await openE2e();
});
after(async () => {
  await e2e?.close();
});

async function listWithKey(key: string): Promise<number> {
  const response = await fetch(`${e2e.base}/api/envelopes`, { headers: { authorization: `Bearer ${key}` } });
  await response.body?.cancel();
  return response.status;
}

describe('API keys and webhooks screen', () => {
  it('an administrator creates, uses and revokes a key and manages webhooks; a member cannot', async () => {
    const admin = await createUser(e2e.shomei, {
      email: 'admin@k.example',
      tenantSlug: 'tenant-k',
      company: 'K株式会社',
      familyName: '木村',
      givenName: '聡',
    });
    const member = await createUser(e2e.shomei, {
      email: 'member@k.example',
      tenantSlug: 'tenant-k',
      company: 'K株式会社',
      familyName: '森',
      givenName: '葵',
    });
    await setPermission(e2e.contracts.context, { kind: 'operator', id: 'test' }, admin.user.tenantId, {
      userId: admin.user.id,
      permission: 'tenant.admin',
      granted: true,
    });

    const { context, page } = await e2e.newPage('ja');
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await logIn(page, admin.user.email, admin.totpSecret);
    await page.getByRole('link', { name: 'API キーと Webhook' }).click();
    await page.waitForURL('**/settings/integrations');
    await page.getByText('API キーはまだありません。').waitFor();

    // ---- create: the secret is shown once, with the warning ----
    await page.getByRole('button', { name: 'API キーを作成' }).click();
    const shown = page.locator('[data-secret-once]');
    await shown.waitFor();
    assert.match((await shown.textContent()) ?? '', /今だけ表示されます/);
    const key = ((await shown.locator('[data-secret]').textContent()) ?? '').trim();
    assert.match(key, /^shk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    // The secret may itself contain '_': it is everything after `shk_<id>_`.
    const secret = key.slice('shk_'.length + 16 + 1);
    const row = page.locator('tr[data-revoked="false"]');
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /契約を見る.*あなた.*有効/s);
    assert.ok(!((await row.textContent()) ?? '').includes(secret), 'the list never shows a secret');
    assert.deepEqual(await criticalViolations(page), []);
    await screenshotBoth(page, 'integrations-key-created');
    await shown.getByRole('button', { name: 'コピー' }).click();
    await shown.getByRole('button', { name: 'コピーしました' }).waitFor();
    assert.equal(
      await page.evaluate(() =>
        (
          globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
        ).navigator.clipboard.readText(),
      ),
      key,
      'copied whole',
    );
    await page.getByRole('button', { name: '保管しました' }).click();
    assert.equal(await shown.count(), 0, 'gone once acknowledged');
    await page.reload();
    await row.waitFor();
    assert.ok(!((await page.locator('main').textContent()) ?? '').includes(key), 'not shown again');

    assert.equal(await listWithKey(key), 200, 'the new key reads the envelope list');

    // ---- revoke with a confirmation; the key is refused afterwards ----
    await row.getByRole('button', { name: '無効にする' }).click();
    const dialog = page.getByRole('dialog', { name: 'この API キーを無効にしますか?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: '無効にする' }).click();
    await page.locator('tr[data-revoked="true"]').waitFor();
    assert.equal(await listWithKey(key), 401, 'the revoked key is refused');

    // ---- webhooks: the metadata address is refused in Japanese; a public one is kept, then deleted ----
    const url = page.getByLabel('送り先 URL (https://…)');
    await url.fill('http://169.254.169.254/latest/meta-data');
    await page.getByRole('button', { name: '登録する' }).click();
    const refusal = page.locator('.notice-error', { hasText: 'SHOMEI_OUTBOUND_ADDRESS_REFUSED' });
    await refusal.waitFor();
    assert.match(
      (await refusal.textContent()) ?? '',
      /宛先 169\.254\.169\.254 は内部・ループバック・リンクローカル/,
    );
    await url.fill('https://93.184.215.14/shomei-hook');
    await page.getByRole('button', { name: '登録する' }).click();
    const hook = page.locator('[data-webhook-id]', { hasText: 'https://93.184.215.14/shomei-hook' });
    await hook.waitFor();
    assert.match((await page.locator('[data-secret-once]').textContent()) ?? '', /署名用の秘密の値/);
    await screenshotBoth(page, 'integrations-webhook');
    await page.getByRole('button', { name: '保管しました' }).click();
    await hook.getByRole('button', { name: '削除' }).click();
    await page
      .getByRole('dialog', { name: 'この Webhook を削除しますか?' })
      .getByRole('button', { name: '削除' })
      .click();
    await page.getByText('Webhook はまだありません。').waitFor();

    // ---- a member: no menu, no screen, and the server refuses the member's own session ----
    const { page: other } = await e2e.newPage('ja');
    await logIn(other, member.user.email, member.totpSecret);
    await other.getByRole('link', { name: '契約一覧' }).waitFor();
    assert.equal(await other.getByRole('link', { name: 'API キーと Webhook' }).count(), 0);
    await other.goto('/settings/integrations');
    await other.getByText('この画面は会社の管理者だけが使えます。').waitFor();
    assert.equal(await other.getByRole('button', { name: 'API キーを作成' }).count(), 0);
    const refused = await other.evaluate(async () => {
      const session = (await (await fetch('/api/auth/session')).json()) as { csrfToken: string };
      const response = await fetch('/api/contracts/api-keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ scopes: ['envelopes:read'] }),
      });
      return { status: response.status, body: (await response.json()) as { error: { code: string } } };
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'SHOMEI_ENVELOPE_FORBIDDEN');
  });
});
