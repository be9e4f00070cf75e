/**
 * The completion mail names who sent the contract as 「依頼元: 会社 氏名 様」: the "から" that the
 * request mail's sentence carries is dropped there (written escaped in the source, ADR 052).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completedMail } from '../../src/contracts/mail/mail-text.ts';
import type { EnvelopeTable, PartyTable } from '../../src/contracts/store/tables.ts';

const envelope = { title: '業務委託契約書' } as EnvelopeTable;
const party = { name: '佐藤 花子', company: 'サンプル商事株式会社' } as PartyTable;

describe('completion mail', () => {
  it('names the sender without the trailing から', () => {
    const sender = { company: '株式会社サンプル', name: '山田 太郎', email: null };
    const { text } = completedMail(envelope, party, '佐藤 花子 様', sender, 'https://example.jp/x');
    assert.match(text, /^依頼元: 株式会社サンプル 山田 太郎 様$/m);
    assert.doesNotMatch(text, /から$/m);
  });

  it('a sender named only by company', () => {
    const sender = { company: '株式会社から', name: '', email: null };
    const { text } = completedMail(envelope, party, '佐藤 花子 様', sender, 'https://example.jp/x');
    // Only the から that fromJa appended goes; the company's own name stays whole.
    assert.match(text, /^依頼元: 株式会社から$/m);
  });
});
