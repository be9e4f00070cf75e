/**
 * Issue #19: the Japanese catalogue reads as Japanese. Every Latin-script fragment in a ja message
 * must be a product or standard name, a code or a unit on the list below (or, for a few messages,
 * the column names, directory names or examples the message is about); an English sentence left in
 * a Japanese message — 「署名できませんでした: The authentication data is invalid」 — fails.
 * (test/e2e/journey.test.ts checks the rendered screens the same way.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ja } from '../../web/src/i18n/ja.ts';

/** Names, standards, codes and units a Japanese business user reads as they are. */
const ALLOWED = new Set([
  // product and service names
  'shomei',
  'Google',
  'Authenticator',
  'Excel',
  // standards, formats and protocols
  'PDF',
  'CSV',
  'API',
  'URL',
  'HTML',
  'JSONL',
  'PEM',
  'CAdES',
  'p7s',
  'UTF-8',
  'Shift_JIS',
  'BOM',
  'SHA-256',
  'CRL',
  'OCSP',
  'QR',
  'Webhook',
  // codes and abbreviations in common Japanese use
  'ID',
  'IP',
  'PIN',
  'HSM',
  'OK',
  'CN',
  'RA',
  'SAD',
  'SCAL',
  'JPKI',
  'eKYC',
  'JST',
  // units
  'pt',
]);

/** Messages that are about literal names: CSV columns, directories, example values, the other language. */
const LITERAL: Record<string, readonly string[]> = {
  'bulk.format': ['email', 'name', 'company', 'title', 'transactionDate', 'amount', 'counterparty'],
  'bulk.sample': ['email', 'name', 'company', 'amount', 'yamada', 'example.co.jp'],
  'console.backups.lead': ['backups'],
  'console.backups.restoreExplain': ['restores'],
  'audit.type': ['envelope'],
  'lang.switch': ['English'],
  'integ.url': ['https'],
  'download.certificateFile': ['pdf'],
};

/** Latin fragments of one message that are not allowed: [key, fragment] pairs. */
export function strayLatin(catalogue: Record<string, string>): [string, string][] {
  const found: [string, string][] = [];
  for (const [key, value] of Object.entries(catalogue)) {
    const text = value.replace(/\{\w+\}/g, ' ');
    for (const fragment of text.match(/[A-Za-z][A-Za-z0-9+_.-]*[A-Za-z0-9]|[A-Za-z]/g) ?? []) {
      if (fragment.length === 1 && /[A-Z]/.test(fragment)) continue; // 「プラン A」, axis labels
      if (ALLOWED.has(fragment) || LITERAL[key]?.includes(fragment)) continue;
      found.push([key, fragment]);
    }
  }
  return found;
}

describe('Japanese catalogue', () => {
  it('finds an English sentence left in a Japanese message (the scan itself works)', () => {
    assert.deepEqual(
      strayLatin({
        'x.failed': '署名できませんでした: The authentication data is invalid',
        'x.ok': 'PDF を SHA-256 で確認しました (ID {id})',
      }).map(([, f]) => f),
      ['The', 'authentication', 'data', 'is', 'invalid'],
    );
  });

  it('has no Latin-script fragment but names, codes and units', () => {
    assert.deepEqual(strayLatin(ja), []);
  });
});
