/**
 * The public verifier in a real browser: a signed PDF shows 有効 / Valid; the same file with one byte
 * changed inside the signed range shows 無効 / Invalid with the reason, in Japanese and in English.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openEmbeddedSigning, signPdf } from '../../src/ades/index.ts';
import { samplePdf } from '../contracts/harness.ts';
import { criticalViolations, type E2e, openE2e, screenshot } from './harness.ts';

let e2e: E2e;
let signedFile: string;
let tamperedFile: string;

before(async () => {
  e2e = await openE2e();
  const signing = await openEmbeddedSigning(e2e.shomei);
  const input = path.join(e2e.dir, 'contract.pdf');
  writeFileSync(input, samplePdf(1, 'verifier e2e'));
  signedFile = path.join(e2e.dir, 'signed.pdf');
  await signPdf({
    input,
    output: signedFile,
    signer: signing.signer,
    certificateChain: signing.certificateChain,
    level: 'B-LT',
    tsa: signing.tsa,
    revocationSource: signing.revocationSource,
  });
  // One byte inside the signed range: the page text of the first revision (before /ByteRange's gap).
  const bytes = readFileSync(signedFile);
  const at = bytes.indexOf(Buffer.from('verifier e2e'));
  assert.ok(at > 0);
  bytes[at] = bytes[at] === 0x76 ? 0x56 : 0x76; // v ↔ V
  tamperedFile = path.join(e2e.dir, 'tampered.pdf');
  writeFileSync(tamperedFile, bytes);
});
after(async () => {
  await e2e?.close();
});

async function verify(lang: 'ja' | 'en', file: string) {
  const { context, page } = await e2e.newPage(lang);
  await page.goto('/verify');
  await page.setInputFiles('#verify-file', file);
  const response = page.waitForResponse((r) => r.url().includes('/api/verify'));
  await page.getByRole('button', { name: lang === 'ja' ? '検証する' : 'Verify' }).click();
  const answered = await response;
  assert.equal(answered.status(), 200, await answered.text());
  await page.locator('.summary [data-indication]').waitFor();
  return { context, page };
}

describe('public verifier', () => {
  it('shows a signed PDF as valid (有効 / Valid), with no critical accessibility violations', async () => {
    const ja = await verify('ja', signedFile);
    assert.equal(
      await ja.page.locator('.summary [data-indication]').getAttribute('data-indication'),
      'TOTAL_PASSED',
    );
    assert.equal((await ja.page.locator('.summary [data-indication]').textContent())?.trim(), '有効');
    assert.deepEqual(await criticalViolations(ja.page), []);
    await screenshot(ja.page, 'verify-valid-ja');
    await ja.context.close();

    const en = await verify('en', signedFile);
    assert.equal((await en.page.locator('.summary [data-indication]').textContent())?.trim(), 'Valid');
    await screenshot(en.page, 'verify-valid-en');
    await en.context.close();
  });

  it('shows a file changed inside the signed range as invalid, with the reason in Japanese and English', async () => {
    const ja = await verify('ja', tamperedFile);
    const badge = ja.page.locator('.summary [data-indication]');
    assert.equal(await badge.getAttribute('data-indication'), 'TOTAL_FAILED');
    assert.equal((await badge.textContent())?.trim(), '無効');
    const reasonJa = (await ja.page.locator('[data-reason]').first().textContent()) ?? '';
    assert.match(reasonJa, /[\u3040-\u30ff\u4e00-\u9fff]/, 'the reason is written in Japanese');
    await screenshot(ja.page, 'verify-tampered-ja');

    // Switching the language on the same screen re-renders the reason from the report's English text.
    await ja.page.getByRole('button', { name: '表示言語' }).click();
    await ja.page
      .getByRole('heading', { name: /Verify an electronic signature|signature/i })
      .first()
      .waitFor();
    const reasonEn = (await ja.page.locator('[data-reason]').first().textContent()) ?? '';
    assert.notEqual(reasonEn, reasonJa);
    assert.match(reasonEn, /changed after signing/, 'the English reason says what happened');
    assert.match(reasonJa, /改変|変更|改ざん/, 'the Japanese reason says what happened');
    assert.equal((await badge.textContent())?.trim(), 'Invalid');
    await screenshot(ja.page, 'verify-tampered-en');
    await ja.context.close();
  });
});
