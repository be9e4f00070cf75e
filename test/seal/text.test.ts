// Signing time in Japan Standard Time, western and 和暦, and how names are read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatJst, formatWareki } from '../../src/seal/index.ts';
import { parseName } from '../../src/seal/text.ts';

describe('signing time', () => {
  it('is shown in JST whatever the machine time zone', () => {
    assert.equal(formatJst(new Date('2026-11-21T06:04:59Z')), '2026-11-21 15:04 JST');
    // 15:00 UTC on New Year's Eve is already the next year in Japan.
    assert.equal(formatJst(new Date('2026-12-31T15:00:00Z')), '2027-01-01 00:00 JST');
  });

  it("uses the Japanese era, with 元年 for an era's first year", () => {
    assert.equal(formatWareki(new Date('2026-11-21T06:04:00Z')), '令和8年11月21日 15:04 JST');
    assert.equal(formatWareki(new Date('2019-04-30T14:59:00Z')), '平成31年4月30日 23:59 JST');
    assert.equal(formatWareki(new Date('2019-04-30T15:00:00Z')), '令和元年5月1日 00:00 JST');
    assert.equal(formatWareki(new Date('1989-01-08T00:00:00Z')), '平成元年1月8日 09:00 JST');
  });
});

describe('names', () => {
  it('normalises spaces (including the ideographic space) and keeps family name first', () => {
    const name = parseName('  山田\u3000\u3000太郎 ');
    assert.equal(name.text, '山田 太郎');
    assert.deepEqual(name.parts, ['山田', '太郎']);
    assert.equal(name.vertical, true);
  });

  it('writes kanji and kana names vertically and anything else horizontally', () => {
    for (const name of ['佐々木', '長谷川', 'ルーシー', 'さくら', '〆木', '髙橋'])
      assert.equal(parseName(name).vertical, true, name);
    for (const name of ['John Smith', 'Ōtani', '山田 John', 'O\u2019Brien'])
      assert.equal(parseName(name).vertical, false, name);
  });

  it('turns half-width katakana from legacy systems into full-width', () => {
    const name = parseName('ﾔﾏﾀﾞ ﾀﾛｳ');
    assert.equal(name.text, 'ヤマダ タロウ');
    assert.equal(name.vertical, true);
  });

  it('composes decomposed input (NFC) so that it matches the font', () => {
    assert.equal(parseName('O\u0304tani').text, 'Ōtani');
  });
});
