/**
 * Through the UI with a real pointer and a phone: the sender places B's seal with a real mouse drag
 * (down, move, up on the rendered page) and the placement the server receives is where it was
 * dropped; B opens the link on a phone-sized touch screen, sees the highlighted field where the seal
 * goes, jumps to it, signs without any sideways scrolling and sees the timeline; the sender reads
 * it and downloads the certificate of completion, which qpdf accepts and which names the parties.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { samplePdf } from '../contracts/harness.ts';
import { createUser, type E2e, openE2e, PASSWORD, screenshot, totp } from './harness.ts';

/** Signing, completion (B-LTA) and the result's validation on a loaded 2-core machine. */
const SIGNING_MS = 90_000;

let e2e: E2e;
before(async () => {
  e2e = await openE2e();
});
after(async () => {
  await e2e?.close();
});

const PAGE_HEIGHT_PT = 842; // samplePdf's A4 MediaBox [0 0 595 842]

/** No sideways scrolling of the document itself (the PDF viewer scrolls on its own, vertically). */
async function noHorizontalScroll(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => {
    const w = globalThis as unknown as {
      innerWidth: number;
      document: { documentElement: { scrollWidth: number } };
    };
    return { scrollWidth: w.document.documentElement.scrollWidth, innerWidth: w.innerWidth };
  });
  assert.ok(scrollWidth <= innerWidth, `page is ${scrollWidth}px wide on a ${innerWidth}px screen`);
}

describe('seal placement by mouse, signing on a phone', () => {
  it('places by a real drag, shows the signer where to sign on a phone, then timeline and certificate', async () => {
    const a = await createUser(e2e.shomei, {
      email: 'ito@c.example',
      tenantSlug: 'tenant-c',
      company: 'C株式会社',
      familyName: '伊藤',
      givenName: '誠',
    });
    const pdfPath = path.join(e2e.dir, '売買契約書.pdf');
    writeFileSync(pdfPath, samplePdf(1, 'baibai keiyaku'));

    const { page: pageA } = await e2e.newPage('ja');
    // Tall enough that the seal chip and the rendered page are on screen together during the drag.
    await pageA.setViewportSize({ width: 1280, height: 1500 });
    await pageA.goto('/login');
    await pageA.getByLabel('メールアドレス').fill(a.user.email);
    await pageA.getByLabel('パスワード').fill(PASSWORD);
    await pageA.getByRole('button', { name: '次へ' }).click();
    await pageA.getByLabel('確認コード (6 桁)').fill(await totp(a.totpSecret, 1));
    await pageA.getByRole('button', { name: 'ログイン' }).click();
    await pageA.waitForURL('**/envelopes');

    await pageA.goto('/envelopes/new');
    await pageA.getByLabel('契約書名').fill('売買契約書');
    await pageA.getByLabel('取引先').fill('D株式会社');
    const b = pageA.locator('[data-party="1"]');
    await b.getByLabel('会社名').fill('D株式会社');
    await b.getByLabel('氏名').fill('渡辺 恵');
    await b.getByLabel('メールアドレス').fill('watanabe@d.example');

    // ---- a password-protected PDF (issue #19): said so, not 'damaged', in the preview and by the server ----
    for (const [name, userPassword] of [
      ['locked.pdf', 'user-pw'],
      ['owner-only.pdf', ''],
    ] as const) {
      const locked = path.join(e2e.dir, name);
      const qpdf = spawnSync('qpdf', ['--encrypt', userPassword, 'owner-pw', '256', '--', pdfPath, locked]);
      assert.equal(qpdf.status, 0, String(qpdf.stderr));
      await pageA.setInputFiles('#env-file', locked);
      await pageA
        .getByRole('alert')
        .filter({ hasText: 'パスワードで保護された (暗号化された) PDF' })
        .waitFor();
    }
    // Sent anyway (position typed): the server's check, on its worker thread, refuses it in Japanese.
    await b.getByLabel('ページ').fill('1');
    await b.getByLabel('横位置 (pt)').fill('300');
    await b.getByLabel('縦位置 (pt)').fill('100');
    await pageA.getByRole('button', { name: '送信する' }).click();
    await pageA.getByRole('dialog').getByRole('button', { name: '送信する' }).click();
    await pageA.getByRole('alert').filter({ hasText: '暗号化されたPDFには署名できません' }).waitFor();
    assert.ok(pageA.url().endsWith('/envelopes/new'), 'nothing was sent');

    await pageA.setInputFiles('#env-file', pdfPath);
    const canvas = pageA.locator('.pdf-canvas[data-page="0"]');
    await pageA.locator('canvas[data-rendered="true"]').first().waitFor();

    // ---- the real mouse drag: press on the chip beside the preview, move over the page, release ----
    const chip = pageA.locator('.seal-chips [data-seal-chip]', { hasText: '渡辺 恵 の押印欄' });
    await chip.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    // First a rough drop: the chip then says where its field is; selecting highlights the field,
    // taking it off removes it (issue #19: chips beside the preview).
    const rough = await chip.boundingBox();
    const roughPage = await canvas.boundingBox();
    assert.ok(rough && roughPage);
    await pageA.mouse.move(rough.x + rough.width / 2, rough.y + rough.height / 2);
    await pageA.mouse.down();
    await pageA.mouse.move(roughPage.x + roughPage.width / 2, roughPage.y + 150, { steps: 10 });
    await pageA.mouse.up();
    const chips = pageA.locator('.seal-chips');
    await chips.getByText('1 ページ目に配置済み').waitFor();
    await chips.getByRole('button', { name: '渡辺 恵 の押印欄 を表示' }).click();
    await canvas.locator('.seal-box.seal-selected', { hasText: '渡辺 恵 の押印欄' }).waitFor();
    await chips.getByRole('button', { name: '渡辺 恵 の押印欄 を外す' }).click();
    await chips.getByText('まだ置いていません').waitFor();
    assert.equal(await canvas.locator('.seal-box').count(), 0, 'the field is off the page');
    assert.equal(await b.getByLabel('ページ').inputValue(), '');
    await chip.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const from = await chip.boundingBox();
    const page = await canvas.boundingBox();
    assert.ok(from && page);
    const drop = { x: page.x + page.width * 0.62, y: page.y + Math.min(page.height * 0.3, 1400 - page.y) };
    assert.ok(drop.y < 1500, 'the drop point is on screen');
    await pageA.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await pageA.mouse.down();
    await pageA.mouse.move(from.x + 120, from.y + 60, { steps: 5 });
    await pageA.mouse.move(drop.x, drop.y, { steps: 15 });
    await pageA.mouse.up();
    await canvas.locator('.seal-box').waitFor();

    const scale = page.width / 595;
    const expected = {
      x: Math.round((drop.x - page.x) / scale - 80),
      y: Math.round(PAGE_HEIGHT_PT - (drop.y - page.y) / scale - 32),
    };
    const createRequest = pageA.waitForRequest(
      (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/envelopes',
    );
    await pageA.getByRole('button', { name: '送信する' }).click();
    // The confirmation names who will be mailed; sending happens only after it (issue #19).
    await pageA.getByRole('dialog').getByRole('button', { name: '送信する' }).click();
    const sentBody = (await createRequest).postDataJSON() as {
      parties: { placement: { page: number; rect: [number, number, number, number] } }[];
    };
    const placement = sentBody.parties[0]!.placement;
    assert.equal(placement.page, 0);
    assert.ok(Math.abs(placement.rect[0] - expected.x) <= 2, `x ${placement.rect[0]} ≈ ${expected.x}`);
    assert.ok(Math.abs(placement.rect[1] - expected.y) <= 2, `y ${placement.rect[1]} ≈ ${expected.y}`);
    assert.deepEqual(
      [placement.rect[2] - placement.rect[0], placement.rect[3] - placement.rect[1]],
      [160, 64],
    );
    await pageA.waitForURL(
      (url) => /^\/envelopes\/[A-Za-z0-9_-]+$/.test(url.pathname) && !url.pathname.endsWith('/new'),
    );
    const envelopeUrl = pageA.url();
    const envelopeId = envelopeUrl.split('/').at(-1)!;
    const accessCode =
      (await pageA.locator('[data-access-code="watanabe@d.example"]').textContent())?.trim() ?? '';
    const stored = await pageA.evaluate(
      async (id) => (await fetch(`/api/envelopes/${id}`)).json(),
      envelopeId,
    );
    assert.deepEqual(
      (stored as { parties: { placement: unknown }[] }).parties[0]!.placement,
      { document: 0, ...placement },
      'the server kept the dropped placement',
    );

    // ---- B on a phone ----
    const outbox = (await (await fetch(`${e2e.base}/dev/outbox?format=json`)).json()) as {
      messages: { to: string; text: string }[];
    };
    const token = /\/sign\/([A-Za-z0-9_-]+)/.exec(
      outbox.messages.find((m) => m.to === 'watanabe@d.example')?.text ?? '',
    )?.[1];
    assert.ok(token, 'B was mailed a signing link');
    const phone = await e2e.browser.newContext({
      baseURL: e2e.base,
      locale: 'ja-JP',
      timezoneId: 'Asia/Tokyo',
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const pageB = await phone.newPage();
    await pageB.goto(`/sign/${token}`);
    await pageB.getByLabel('アクセスコード').fill(accessCode);
    await pageB.getByRole('button', { name: '契約書を開く' }).tap();
    await pageB.locator('canvas[data-rendered="true"]').first().waitFor();
    const mine = pageB.locator('[data-variant="mine"]');
    await mine.waitFor();
    assert.equal((await mine.textContent())?.trim(), 'ここに押印されます');
    // The highlighted field is where the sender dropped it, at the phone's scale.
    const phoneCanvas = await pageB.locator('.pdf-canvas[data-page="0"]').boundingBox();
    const field = await mine.boundingBox();
    assert.ok(phoneCanvas && field);
    const phoneScale = phoneCanvas.width / 595;
    assert.ok(phoneScale < 1, 'the page is fitted to the phone');
    assert.ok(Math.abs((field.x - phoneCanvas.x) / phoneScale - placement.rect[0]) <= 2);
    assert.ok(
      Math.abs(PAGE_HEIGHT_PT - (field.y + field.height - phoneCanvas.y) / phoneScale - placement.rect[1]) <=
        2,
    );
    await noHorizontalScroll(pageB);
    await pageB.getByRole('button', { name: '押印位置を表示' }).tap();
    await pageB.waitForFunction(() => {
      const w = globalThis as unknown as {
        innerHeight: number;
        document: {
          querySelector(s: string): { getBoundingClientRect(): { top: number; bottom: number } } | null;
        };
      };
      const box = w.document.querySelector('[data-variant="mine"]')?.getBoundingClientRect();
      return box !== undefined && box.top >= 0 && box.bottom <= w.innerHeight;
    });
    await screenshot(pageB, 'sign-phone-seal-ja');

    await pageB.getByTestId('document-end').scrollIntoViewIfNeeded();
    await pageB.getByTestId('witness-confirm').check();
    const signButton = pageB.getByRole('button', { name: '同意して署名する' });
    await signButton.scrollIntoViewIfNeeded();
    const button = await signButton.boundingBox();
    assert.ok(button && button.x >= 0 && button.x + button.width <= 390, 'the sign button fits the screen');
    await noHorizontalScroll(pageB);
    await screenshot(pageB, 'sign-phone-review-ja');
    await signButton.tap();
    await pageB.getByTestId('sign-result').waitFor({ timeout: SIGNING_MS });
    // B reads the envelope's timeline through the link session too: B's own signature is on it.
    await pageB.locator('ol.timeline[data-source="audit"] li[data-event="envelope.sign"]').waitFor();
    await noHorizontalScroll(pageB);
    await screenshot(pageB, 'sign-phone-result-ja');
    await phone.close();

    // ---- the sender: audit timeline and the certificate of completion ----
    await pageA.goto(envelopeUrl);
    await pageA.locator('[data-status="completed"]').first().waitFor();
    const timeline = pageA.locator('ol.timeline[data-source="audit"]');
    await timeline.locator('li[data-event="envelope.complete"]').waitFor();
    const signed = timeline.locator('li[data-event="envelope.sign"]');
    assert.match((await signed.textContent()) ?? '', /D株式会社 渡辺 恵.*IP 127\.0\.0\.1/);
    assert.match(
      (await signed.locator('time').textContent()) ?? '',
      /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} JST$/,
    );
    assert.match(
      (await timeline.locator('li[data-event="envelope.create"]').textContent()) ?? '',
      /契約を作成.*伊藤 誠/,
    );
    await pageA.getByLabel('年の表記').selectOption('japanese');
    assert.match((await signed.locator('time').textContent()) ?? '', /^令和(\d+|元)年\d+月\d+日 .* JST$/);
    await screenshot(pageA, 'envelope-timeline-ja');

    const download = pageA.waitForEvent('download');
    await pageA.getByRole('button', { name: '合意締結証明書' }).click();
    const file = path.join(e2e.dir, 'certificate.pdf');
    const saved = await download;
    assert.equal(saved.suggestedFilename(), `合意締結証明書-${envelopeId}.pdf`);
    await saved.saveAs(file);
    const qpdf = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
    assert.equal(qpdf.status, 0, qpdf.stdout + qpdf.stderr);
    const text = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).stdout;
    for (const expectedText of ['合意締結証明書', '売買契約書', 'D株式会社 渡辺 恵', 'watanabe@d.example']) {
      assert.ok(text.includes(expectedText), `the certificate names ${expectedText}`);
    }
  });
});
