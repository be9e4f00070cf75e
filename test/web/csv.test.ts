/**
 * Bulk-send CSV as users bring it: Excel's Shift_JIS, UTF-8 with a BOM, quoted commas, Japanese
 * headers, and rows the server would refuse flagged before anything is sent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCsv, parseCsv, previewCsv } from '../../web/src/csv.ts';

// "email,name\r\na@x.example,山田花子\r\n" as Japanese Excel saves it (Shift_JIS).
const SJIS = new Uint8Array([
  ...Buffer.from('email,name\r\na@x.example,', 'ascii'),
  0x8e,
  0x52,
  0x93,
  0x63,
  0x89,
  0xd4,
  0x8e,
  0x71,
  0x0d,
  0x0a,
]);

describe('bulk CSV', () => {
  it('reads Shift_JIS when the bytes are not UTF-8, and UTF-8 with or without a BOM', () => {
    assert.deepEqual(decodeCsv(SJIS), {
      text: 'email,name\r\na@x.example,山田花子\r\n',
      encoding: 'shift_jis',
    });
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('email,name\n', 'utf8')]);
    assert.deepEqual(decodeCsv(bom), { text: 'email,name\n', encoding: 'utf-8' });
    assert.equal(decodeCsv(Buffer.from('名前', 'utf8')).encoding, 'utf-8');
  });

  it('keeps quoted commas, quotes and line breaks inside a field', () => {
    assert.deepEqual(parseCsv('a,"b, c","say ""hi""","x\ny"\r\n\r\n1,2,3,4'), [
      ['a', 'b, c', 'say "hi"', 'x\ny'],
      ['1', '2', '3', '4'],
    ]);
  });

  it('flags bad rows with the line number and builds the rows the API takes', () => {
    const preview = previewCsv(
      'メールアドレス,氏名,会社名,金額,取引年月日\nyamada@b.example,山田 花子,B株式会社,"120,000",2026/04/01\nnot-an-email,,C社,abc,2026-02-30\n',
    );
    assert.deepEqual(preview.missing, []);
    // The row as the API receives it: JSON, where a field left undefined is absent.
    assert.deepEqual(JSON.parse(JSON.stringify(preview.rows[0]?.row)), {
      email: 'yamada@b.example',
      name: '山田 花子',
      company: 'B株式会社',
      fields: { transactionDate: '2026-04-01', amount: 120000 },
    });
    assert.equal(preview.rows[1]?.line, 3);
    assert.equal(preview.rows[1]?.row, undefined);
    assert.deepEqual(
      preview.rows[1]?.problems.map((p) => p.key),
      ['bulk.problem.email', 'bulk.problem.name', 'bulk.problem.amount', 'bulk.problem.date'],
    );
    assert.deepEqual(previewCsv('company\nX').missing, ['email', 'name']);
  });
});
