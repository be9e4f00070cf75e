/**
 * Validation words live in one catalogue (issue #21 Deliver 3): the checks record message keys and
 * facts, `messages.ts` holds the sentences, and the default policy decides every reason a signature
 * verdict can carry.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { MESSAGES } from '../../src/validation/messages.ts';
import { reason } from '../../src/validation/reasons.ts';

const DIR = path.resolve(import.meta.dirname, '../../src/validation');
const policy = JSON.parse(readFileSync(path.join(DIR, 'default-policy.json'), 'utf8')) as {
  constraints: Record<string, string>;
};

/** Files whose job is words: the catalogue, the HTML report, the modification rules and typed errors. */
const WORD_FILES = new Set([
  'messages.ts',
  'html.ts',
  'modification-rules.ts',
  'modifications.ts',
  'errors.ts',
  'online-revocation.ts',
  'reasons.ts',
]);
/** Keys whose reason code is the failure that caused them, or that only a timestamp result carries. */
const NOT_POLICY_CODES = new Set([
  'SIGNATURE_INVALID',
  'TIMESTAMP_INTEGRITY',
  'TIMESTAMP_TSA_CHAIN',
  'TIMESTAMP_UNREADABLE',
  'TIMESTAMP_IMPRINT_MISMATCH',
  'TSA_NOT_TIMESTAMPING',
]);
const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;

describe('validation messages', () => {
  test('no check writes a Japanese sentence of its own', () => {
    const offenders = readdirSync(DIR)
      .filter((file) => file.endsWith('.ts') && !WORD_FILES.has(file))
      .filter((file) => JAPANESE.test(readFileSync(path.join(DIR, file), 'utf8')));
    assert.deepEqual(offenders, []);
  });

  test('the default policy decides every reason code a signature verdict can carry', () => {
    const keys = Object.keys(MESSAGES).filter((key) => !NOT_POLICY_CODES.has(key));
    const undecided = keys.filter((key) => policy.constraints[key] === undefined);
    assert.deepEqual(undecided, []);
  });

  test('a family key keeps the code of its cause and the words of its family', () => {
    const made = reason(
      'SIGNATURE_INVALID',
      { signer: '「Taro」(serial 01)', detail: { ja: '署名値が一致しません', en: 'the value differs' } },
      { code: 'SIG_CRYPTO_FAILURE', subject: { certificate: 'CN=Taro' } },
    );
    assert.equal(made.code, 'SIG_CRYPTO_FAILURE');
    assert.equal(made.ja, '署名（署名者 「Taro」(serial 01)）が無効です: 署名値が一致しません。');
    assert.equal(made.en, 'The signature by 「Taro」(serial 01) is not valid: the value differs.');
    assert.deepEqual(made.subject, { certificate: 'CN=Taro' });
    assert.equal(reason('DSS_UNREADABLE', { code: 'X' }).code, 'DSS_UNREADABLE');
  });
});
