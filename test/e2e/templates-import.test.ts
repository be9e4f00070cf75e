/**
 * A sender through the browser (issue #9): builds a template with two slots (甲 fixed to the sender,
 * 乙 filled per row) and places 乙's seal with a real mouse drag; bulk-sends it to a Shift_JIS CSV
 * with Japanese names where one row is invalid (the preview flags it, one envelope is made) after a
 * list over the row limit is refused with the limit shown; reminds the counterparty from the
 * envelope page; imports a scanned PDF (no signature), corrects its amount with a reason and finds
 * the entry in the correction log. Axe has no critical violations; screenshots in ja and en.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setPermission } from '../../src/contracts/index.ts';
import { samplePdf } from '../contracts/harness.ts';
import {
  createUser,
  criticalViolations,
  type E2e,
  openE2e,
  PASSWORD,
  screenshotBoth,
  totp,
} from './harness.ts';

let e2e: E2e;
before(async () => {
  e2e = await openE2e();
});
after(async () => {
  await e2e?.close();
});

const PAGE_HEIGHT_PT = 842; // samplePdf's A4 MediaBox [0 0 595 842]
const ascii = (s: string) => [...Buffer.from(s, 'ascii')];
// Shift_JIS as Japanese Excel writes it: 山田花子 and 株式会社 (iconv-lite is not installed).
const YAMADA_HANAKO = [0x8e, 0x52, 0x93, 0x63, 0x89, 0xd4, 0x8e, 0x71];
const KABUSHIKIGAISHA = [0x8a, 0x94, 0x8e, 0xae, 0x89, 0xef, 0x8e, 0xd0];
const SJIS_CSV = Buffer.from([
  ...ascii('email,name,company,amount\r\nyamada@b.example,'),
  ...YAMADA_HANAKO,
  ...ascii(','),
  ...KABUSHIKIGAISHA,
  ...ascii(',120000\r\nnot-an-address,'),
  ...YAMADA_HANAKO,
  ...ascii(','),
  ...KABUSHIKIGAISHA,
  ...ascii(',5000\r\n'),
]);

describe('templates, bulk send, import and corrections in the browser', () => {
  it('template with a dragged seal, Shift_JIS bulk send, reminder, scanned import, correction and its log', async () => {
    const a = await createUser(e2e.shomei, {
      email: 'kato@t.example',
      tenantSlug: 'tenant-t',
      company: 'T株式会社',
      familyName: '加藤',
      givenName: '純',
    });
    // The log is for tenant administrators and corrections.read holders; the sender gets the latter.
    await setPermission(e2e.contracts.context, { kind: 'operator', id: 'test' }, a.user.tenantId, {
      userId: a.user.id,
      permission: 'corrections.read',
      granted: true,
    });
    const pdfPath = path.join(e2e.dir, '業務委託契約書.pdf');
    writeFileSync(pdfPath, samplePdf(1, 'gyomu itaku'));
    const scanPath = path.join(e2e.dir, 'scan.pdf');
    writeFileSync(scanPath, samplePdf(1, 'paper scan'));

    const { page } = await e2e.newPage('ja');
    await page.setViewportSize({ width: 1280, height: 1500 });
    await page.goto('/login');
    await page.getByLabel('メールアドレス').fill(a.user.email);
    await page.getByLabel('パスワード').fill(PASSWORD);
    await page.getByRole('button', { name: '次へ' }).click();
    await page.getByLabel('確認コード (6 桁)').fill(await totp(a.totpSecret, 1));
    await page.getByRole('button', { name: 'ログイン' }).click();
    await page.waitForURL('**/envelopes');

    // ---- template: two slots, 乙's seal by a real drag ----
    await page.getByRole('link', { name: 'テンプレート', exact: true }).click();
    await page.getByText('テンプレートはまだありません').waitFor();
    await page.getByRole('link', { name: '新しいテンプレート' }).click();
    await page.locator('#tpl-name').fill('業務委託 (標準)');
    await page.locator('#tpl-title').fill('業務委託契約書');
    // Both sign at once, so the counterparty is waiting from the start (and can be reminded).
    await page.getByLabel('署名の順序').selectOption('parallel');
    const ko = page.locator('[data-slot="1"]');
    const otsu = page.locator('[data-slot="2"]');
    await ko.getByRole('button', { name: '自分を指定' }).click();
    await ko.getByLabel('ページ').fill('1');
    await ko.getByLabel('横位置 (pt)').fill('60');
    await ko.getByLabel('縦位置 (pt)').fill('80');
    await page.setInputFiles('#tpl-file', pdfPath);
    const canvas = page.locator('.pdf-canvas[data-page="0"]');
    await page.locator('canvas[data-rendered="true"]').first().waitFor();
    const chip = otsu.locator('[data-seal-chip]');
    await chip.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const from = await chip.boundingBox();
    const box = await canvas.boundingBox();
    assert.ok(from && box);
    const drop = { x: box.x + box.width * 0.6, y: box.y + Math.min(box.height * 0.35, 1400 - box.y) };
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(from.x + 100, from.y + 50, { steps: 5 });
    await page.mouse.move(drop.x, drop.y, { steps: 15 });
    await page.mouse.up();
    await canvas.locator('.seal-box', { hasText: '乙 の押印欄' }).waitFor();
    assert.deepEqual(await criticalViolations(page), []);
    await screenshotBoth(page, 'template-editor');
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL((url) => /^\/templates\/[0-9a-f-]{36}$/.test(url.pathname));
    const templateId = page.url().split('/').at(-1)!;
    const stored = (await page.evaluate(
      async (id) => (await fetch(`/api/templates/${id}`)).json(),
      templateId,
    )) as {
      definition: {
        slots: { label: string; userId?: string; placement?: { page: number; rect: number[] } }[];
      };
      documents: unknown[];
    };
    const scale = box.width / 595;
    const [slotKo, slotOtsu] = stored.definition.slots;
    assert.equal(slotKo?.label, '甲');
    assert.equal(slotKo?.userId, a.user.id);
    assert.equal(slotOtsu?.label, '乙');
    assert.equal(slotOtsu?.placement?.page, 0);
    assert.ok(Math.abs(slotOtsu!.placement!.rect[0]! - Math.round((drop.x - box.x) / scale - 80)) <= 2);
    assert.ok(
      Math.abs(slotOtsu!.placement!.rect[1]! - Math.round(PAGE_HEIGHT_PT - (drop.y - box.y) / scale - 32)) <=
        2,
    );
    assert.equal(stored.documents.length, 1);

    // ---- bulk send: over the limit is refused clearly; then the Shift_JIS file ----
    await page.getByRole('link', { name: '一括送信' }).click();
    const many = ['email,name', ...Array.from({ length: 501 }, (_, i) => `p${i}@many.example,P ${i}`)];
    await page.getByLabel('または CSV を貼り付け').fill(many.join('\n'));
    await page.getByText('1 回の一括送信は 500 件までです').waitFor();
    await page.getByRole('button', { name: '501 件を送信' }).click();
    const refusal = page.locator('.notice-error', { hasText: 'SHOMEI_BULK_TOO_LARGE' });
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? '', /上限 500 件.*CSV を上限以下の件数に分けて/s);

    await page.setInputFiles('#bulk-file', { name: '送信先.csv', mimeType: 'text/csv', buffer: SJIS_CSV });
    await page.locator('[data-encoding="shift_jis"]').waitFor();
    const valid = page.locator('tr[data-line="2"]');
    assert.equal(await valid.getAttribute('data-valid'), 'true');
    assert.match((await valid.textContent()) ?? '', /山田花子.*株式会社/);
    const invalid = page.locator('tr[data-line="3"]');
    assert.equal(await invalid.getAttribute('data-valid'), 'false');
    assert.match((await invalid.textContent()) ?? '', /メールアドレスがないか、形式が正しくありません。/);
    assert.equal(await page.locator('[data-ready]').getAttribute('data-invalid'), '1');
    assert.deepEqual(await criticalViolations(page), []);
    await screenshotBoth(page, 'bulk-preview');
    await page.getByRole('button', { name: '1 件を送信' }).click();
    // Queued: the page polls the job until it is done, then offers the access codes as one download.
    const summary = page.locator('[data-status="done"]');
    await summary.waitFor();
    assert.equal(await summary.getAttribute('data-created'), '1');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'アクセスコードをダウンロード (1 回のみ)' }).click(),
    ]);
    const codesCsv = readFileSync(await download.path()).toString('utf8');
    assert.match(codesCsv, /^\ufeffline,email,accessCode\r\n"2","yamada@b\.example","\d{5}-\d{5}"\r\n$/);
    await page.locator('[data-codes="taken"]').waitFor();
    await screenshotBoth(page, 'bulk-result');
    await page.locator('tr[data-result-line="2"] a').click();
    await page.waitForURL((url) => /^\/envelopes\/[0-9a-f-]{36}$/.test(url.pathname));
    const envelopeId = page.url().split('/').at(-1)!;
    const envelope = (await page.evaluate(
      async (id) => (await fetch(`/api/envelopes/${id}`)).json(),
      envelopeId,
    )) as { status: string; parties: { label: string; name: string; company: string; placement: unknown }[] };
    assert.equal(envelope.status, 'sent');
    const party = envelope.parties.find((p) => p.label === '乙');
    assert.equal(party?.name, '山田花子');
    assert.equal(party?.company, '株式会社');
    assert.deepEqual(party?.placement, { document: 0, ...slotOtsu!.placement });

    // ---- リマインド送信 from the envelope page ----
    await page.getByRole('button', { name: 'リマインド送信' }).click();
    const reminded = page.locator('[data-reminded]');
    await reminded.waitFor();
    assert.match((await reminded.textContent()) ?? '', /yamada@b\.example/);
    const outbox = (await (await fetch(`${e2e.base}/dev/outbox?format=json`)).json()) as {
      messages: { to: string; text: string }[];
    };
    assert.ok(outbox.messages.filter((m) => m.to === 'yamada@b.example').length >= 2, 'request and reminder');
    assert.deepEqual(await criticalViolations(page), []);
    await screenshotBoth(page, 'envelope-remind');

    // ---- import a scan, correct its amount, find the correction in the log ----
    await page.getByRole('link', { name: '取込' }).click();
    await page.getByLabel('契約書名').fill('保守契約書 (紙)');
    await page.getByLabel('取引先').fill('E商事株式会社');
    await page.getByLabel('取引年月日').fill('2026-03-31');
    await page.getByLabel('取引金額 (円)').fill('120000');
    await page.getByLabel('種類').selectOption('paper-scan');
    await page.setInputFiles('#import-file', scanPath);
    assert.deepEqual(await criticalViolations(page), []);
    await screenshotBoth(page, 'import-form');
    await page.getByRole('button', { name: '取り込む' }).click();
    await page.waitForURL((url) => /^\/imports\/[0-9a-f-]{36}$/.test(url.pathname));
    const recordId = page.url().split('/').at(-1)!;
    await page.locator('[data-signature-status="none"]', { hasText: '署名なし (スキャン)' }).waitFor();
    assert.equal(await page.locator('[data-amount]').getAttribute('data-amount'), '120000');
    await page.getByRole('button', { name: '訂正する' }).click();
    await page.getByLabel('取引金額 (円)').fill('150000');
    await page.getByLabel('訂正の理由').fill('請求書と照合し金額の誤記を訂正');
    await page.getByRole('button', { name: '訂正を記録' }).click();
    await page.getByText('訂正を記録しました。').waitFor();
    await page.locator('[data-amount="150000"]').waitFor();
    assert.deepEqual(await criticalViolations(page), []);
    await screenshotBoth(page, 'import-detail');

    await page.getByRole('link', { name: '訂正削除履歴' }).click();
    await page.getByLabel('種別').selectOption('correction');
    await page.getByLabel('記録 ID').fill(recordId);
    await page.getByRole('button', { name: '検索', exact: true }).click();
    const entry = page.locator(`tr[data-record="${recordId}"]`);
    await entry.waitFor();
    assert.equal(await page.locator('tr[data-record]').count(), 1);
    const text = (await entry.textContent()) ?? '';
    assert.match(text, /取引金額: 120000 → 150000/);
    assert.match(text, /請求書と照合し金額の誤記を訂正/);
    assert.match(text, new RegExp(a.user.id));
    assert.deepEqual(await criticalViolations(page), []);
    await screenshotBoth(page, 'correction-log');

    // ---- the same screens on a phone: nothing wider than the screen ----
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ['/records/log', `/templates/${templateId}`, `/templates/${templateId}/bulk`]) {
      await page.goto(path);
      await page.locator('h1').waitFor();
      await page.locator('[role="status"]', { hasText: '読み込み中' }).waitFor({ state: 'detached' });
      const { scrollWidth, innerWidth } = await page.evaluate(() => {
        const w = globalThis as unknown as {
          innerWidth: number;
          document: { documentElement: { scrollWidth: number } };
        };
        return { scrollWidth: w.document.documentElement.scrollWidth, innerWidth: w.innerWidth };
      });
      assert.ok(scrollWidth <= innerWidth, `${path} is ${scrollWidth}px wide on a ${innerWidth}px screen`);
    }
    await screenshotBoth(page, 'bulk-phone');
  });
});
