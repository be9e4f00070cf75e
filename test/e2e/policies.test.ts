/**
 * Issue #18 Deliver 4 (ADR 033): the policy pages are public — reached from the login page's footer
 * with no login — and show the settings in force and the provider's items; publishing goes through the
 * dual-control kind policy.publish; a newer version takes over and the previous one stays at its own
 * URL; a provider's text stays text; axe finds nothing serious or critical. One server, one browser.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { POLICY_ITEM_NAMES, policyPublishExecutor } from '../../src/admin/index.ts';
import { createUser, type E2e, openE2e } from './harness.ts';

const AXE = path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js');

async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const result = (await page.evaluate(() =>
    (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe.run(),
  )) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ') ?? ''}`);
}

const HOSTILE = '<script>window.__owned = 1</script> [click](javascript:alert(1))';
const items = (contact: string) =>
  Object.fromEntries(
    POLICY_ITEM_NAMES.map((n) => [
      n,
      n === 'PROVIDER_CONTACT' ? contact : `${n}: 株式会社サンプル署名の定め`,
    ]),
  );

describe('public policy pages', () => {
  let e2e: E2e;
  let administrator: string;
  let officer: string;

  /** One publication through the one door: asked by the administrator, approved by the CISO. */
  async function publish(payload: Record<string, unknown>): Promise<string> {
    const request = await e2e.shomei.admin.dualControl.request(
      'policy.publish',
      payload,
      administrator,
      'e2e',
    );
    assert.equal(request.status, 'pending');
    return request.id;
  }

  before(async () => {
    // A live setting that the published text must show as it is now.
    e2e = await openE2e({
      SHOMEI_CONTRACTS_CLOSED_DOCUMENT_DAYS: '45',
      SHOMEI_RSSP_KEY_DESTRUCTION_GRACE_DAYS: '21',
      SHOMEI_RSSP_KEY_SWEEP_SECONDS: '1800',
    });
    const { shomei } = e2e;
    const people = [];
    for (const [email, family] of [
      ['admin@provider.example', '管理'],
      ['ciso@provider.example', '統括'],
    ] as const) {
      const { user } = await createUser(shomei, {
        email,
        tenantSlug: 'provider',
        company: '株式会社サンプル署名',
        familyName: family,
        givenName: '太郎',
        enrolTotp: false,
      });
      await shomei.admin.grants.recordTraining(
        {
          userId: user.id,
          topic: 'Operations',
          trainer: 'CISO',
          trainedOn: new Date().toISOString().slice(0, 10),
        },
        'ceremony',
      );
      people.push(user.id);
    }
    [administrator, officer] = people as [string, string];
    await shomei.admin.bootstrap(
      [
        { userId: administrator, role: 'system_administrator' },
        { userId: officer, role: 'security_officer' },
      ],
      'ceremony',
    );
  });
  after(async () => e2e.close());

  it('publishes only through dual control, refusing bad items and, in production, unset ones', async () => {
    const { shomei, base } = e2e;
    assert.equal((await fetch(`${base}/policies/terms-of-use`)).status, 404);
    const refuse = (p: Promise<unknown>, code: string) =>
      assert.rejects(p, (e: { code?: string }) => e.code === code);
    await refuse(shomei.admin.dualControl.request('policy.publish', {}, officer, 'e2e'), 'SHOMEI_FORBIDDEN');
    await refuse(
      shomei.admin.dualControl.request(
        'policy.publish',
        { items: { NOT_AN_ITEM: 'x' } },
        administrator,
        'e2e',
      ),
      'SHOMEI_ADMIN_INPUT_INVALID',
    );
    await refuse(
      shomei.admin.dualControl.request(
        'policy.publish',
        { items: { PROVIDER_NAME: 'x'.repeat(1001) } },
        administrator,
        'e2e',
      ),
      'SHOMEI_ADMIN_INPUT_INVALID',
    );
    const production = policyPublishExecutor({
      registry: shomei.admin.policies,
      render: async () => '',
      requireAllItems: true,
    });
    await refuse(
      production.precheck!({ documents: ['terms-of-use'], items: { PROVIDER_NAME: 'x' } }),
      'SHOMEI_POLICY_ITEMS_UNSET',
    );

    const first = await publish({ items: items(`support@sample.example ${HOSTILE}`) });
    // Nothing is published while the request waits for the second person.
    assert.equal((await fetch(`${base}/policies/terms-of-use`)).status, 404);
    const approved = await shomei.admin.dualControl.approve(first, officer, 'e2e');
    assert.equal(approved.status, 'approved');
    // Both steps are in the audit trail, under the two people's names.
    const asked = await shomei.audit.search({ type: 'admin.approval.request' });
    assert.ok(asked.some((e) => e.subject?.id === first && e.actor.id === administrator));
    const approvals = await shomei.audit.search({ type: 'admin.approval.approve' });
    assert.ok(
      approvals.some((e) => e.subject?.id === first && e.actor.id === officer && e.outcome === 'success'),
    );
    assert.equal((await shomei.admin.policies.versions('service-policy')).length, 1);
  });

  it('shows the pages without login, from the login page footer, with the settings filled in', async () => {
    const { page, context } = await e2e.newPage('ja');
    try {
      await page.goto('/login');
      await page.getByRole('link', { name: '利用規約' }).click();
      await page.waitForURL('**/policies/terms-of-use');
      await page.getByRole('heading', { level: 1, name: /利用規約/ }).waitFor();
      const text = (await page.locator('main').textContent()) ?? '';
      assert.match(text, /PROVIDER_NAME: 株式会社サンプル署名の定め が/);
      assert.match(text, /版 \/ version 1/);
      assert.match(text, /終了から 45 日後に削除する/);
      assert.match(text, /少なくとも 7 年保存する/);
      // The provider's text is shown as text: no script ran, no javascript: link was made.
      assert.ok(text.includes('<script>window.__owned = 1</script>'));
      assert.equal(await page.evaluate(() => (globalThis as { __owned?: number }).__owned), undefined);
      assert.equal(await page.locator('a[href^="javascript"]').count(), 0);
      assert.deepEqual(await seriousViolations(page), [], 'axe on terms of use');
      for (const [document, expected] of [
        ['service-policy', /レベル 2[\s\S]*終了から 21 日後に破棄する[\s\S]*30 分ごと/],
        ['privacy-policy', /プライバシーポリシー/],
        ['practice-statement', /運用規程/],
      ] as const) {
        const response = await page.goto(`/policies/${document}`);
        assert.equal(response?.status(), 200, document);
        const body = (await page.locator('main').textContent()) ?? '';
        assert.match(body, expected);
        assert.doesNotMatch(body, /\{\{|【/, document);
        assert.deepEqual(await seriousViolations(page), [], `axe on ${document}`);
      }
    } finally {
      await context.close();
    }
  });

  it('a new version takes over and the previous one stays published at its own URL', async () => {
    const { shomei } = e2e;
    const second = await publish({
      items: { PROVIDER_CONTACT: 'privacy-desk@sample.example (平日 9–17 時)' },
    });
    await shomei.admin.dualControl.approve(second, officer, 'e2e');
    const { page, context } = await e2e.newPage('ja');
    try {
      await page.goto('/policies/terms-of-use');
      const current = (await page.locator('main').textContent()) ?? '';
      assert.match(current, /版 \/ version 2/);
      assert.match(current, /privacy-desk@sample\.example/);
      await page.getByRole('link', { name: /version 1 —/ }).click();
      await page.waitForURL('**/policies/terms-of-use/versions/1');
      const previous = (await page.locator('main').textContent()) ?? '';
      assert.match(previous, /この版は現在有効な版ではありません/);
      assert.match(previous, /support@sample\.example/);
      assert.doesNotMatch(previous, /privacy-desk/);
      assert.deepEqual(await seriousViolations(page), [], 'axe on a previous version');
      await page.goto('/policies');
      assert.match((await page.locator('main').textContent()) ?? '', /サービスポリシー.*version 2/);
    } finally {
      await context.close();
    }
    // A stored version changed behind the service's back is refused, not shown.
    await sql`update admin_policy_versions set markdown = 'forged' where document = 'terms-of-use' and version = 1`.execute(
      shomei.database.db,
    );
    const forged = await fetch(`${e2e.base}/policies/terms-of-use/versions/1`);
    assert.equal(forged.status, 500);
    assert.doesNotMatch(await forged.text(), /forged/);
    assert.equal((await fetch(`${e2e.base}/policies/no-such-thing`)).status, 404);
  });
});
