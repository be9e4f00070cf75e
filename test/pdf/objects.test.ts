import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryByteSource } from '../../src/pdf/byte-source.ts';
import {
  formatPdfNumber,
  type PdfArray,
  PdfDict,
  PdfName,
  type PdfNumber,
  type PdfObject,
  PdfRef,
  PdfString,
  pdfArray,
  pdfBool,
  pdfDate,
  pdfDict,
  pdfName,
  pdfNull,
  pdfNumber,
  pdfText,
  serializePdf,
} from '../../src/pdf/index.ts';
import { PdfParser } from '../../src/pdf/parser.ts';

const limits = { maxDepth: 32, maxStreamBytes: 1 << 20, maxTokenBytes: 1 << 20 };
const parse = (text: string | Buffer): PdfObject =>
  new PdfParser(
    new MemoryByteSource(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1')),
    0,
    limits,
  ).parseObject();

describe('PDF object model and serializer', () => {
  test('serializes every object type in PDF syntax', () => {
    const dict = pdfDict({
      Type: pdfName('Sig'),
      N: pdfNumber(-3),
      R: pdfNumber(0.1 + 0.2),
      B: pdfBool(true),
      A: pdfArray(new PdfRef(12, 0), pdfNull(), new PdfString(new Uint8Array([0x28, 0x29, 0x5c, 0x0a]))),
      H: PdfString.hex(new Uint8Array([0, 255])),
      Skipped: undefined,
    });
    assert.equal(
      serializePdf(dict).toString('latin1'),
      '<</Type /Sig\n/N -3\n/R 0.3\n/B true\n/A [12 0 R null (\\(\\)\\\\\\n)]\n/H <00ff>\n>>',
    );
  });

  test('names with delimiters, spaces and non-ASCII survive a round trip', () => {
    for (const name of ['A B', 'x/y', 'Paren(', '#hash', '日本'.normalize()]) {
      const latin = Buffer.from(name, 'utf8').toString('latin1');
      const parsed = parse(serializePdf(new PdfName(latin)));
      assert.ok(parsed instanceof PdfName);
      assert.equal(parsed.value, latin);
    }
  });

  test('text strings: ASCII stays literal, Japanese becomes UTF-16BE with BOM, both decode back', () => {
    assert.equal(pdfText('Tokyo').encoding, 'literal');
    const japanese = pdfText('東京都千代田区');
    assert.deepEqual([...japanese.bytes.subarray(0, 2)], [0xfe, 0xff]);
    const parsed = parse(serializePdf(japanese));
    assert.ok(parsed instanceof PdfString);
    assert.equal(parsed.text(), '東京都千代田区');
    assert.equal(new PdfString(new Uint8Array([0xef, 0xbb, 0xbf, 0xe5, 0x8d, 0xb0])).text(), '印');
  });

  test('hex strings: a long plain one, whitespace, odd digit counts and bad input read as ISO 32000 says', () => {
    const bytes = (o: PdfObject): string => {
      assert.ok(o instanceof PdfString);
      return Buffer.from(o.bytes).toString('hex');
    };
    const long = Buffer.alloc(40_000, 0xa5).toString('hex').toUpperCase();
    const dict = parse(`<</Contents <${long}>/Next <00>>>`);
    assert.ok(dict instanceof PdfDict);
    assert.equal(bytes(dict.get('Contents')!), long.toLowerCase());
    assert.equal(bytes(dict.get('Next')!), '00');
    assert.equal(bytes(parse('<>')), '');
    assert.equal(bytes(parse('<4 1\n41>')), '4141');
    assert.equal(bytes(parse('<414>')), '4140');
    assert.throws(() => parse('<41G1>'), { code: 'SHOMEI_PDF_MALFORMED' });
    assert.throws(() => parse(`<${long}`), { code: 'SHOMEI_PDF_MALFORMED' });
    const tight = new PdfParser(new MemoryByteSource(Buffer.from(`<${'41'.repeat(9)}>`)), 0, {
      ...limits,
      maxTokenBytes: 8,
    });
    assert.throws(() => tight.parseObject(), { code: 'SHOMEI_PDF_MALFORMED' });
    const exact = new PdfParser(new MemoryByteSource(Buffer.from(`<${'41'.repeat(8)}>`)), 0, {
      ...limits,
      maxTokenBytes: 8,
    });
    assert.equal(bytes(exact.parseObject()), '41'.repeat(8));
  });

  test('literal string escapes, octal codes and line continuations parse as ISO 32000 says', () => {
    const parsed = parse('(a\\101\\(b\\)\\\nc\\n(nested) \\q)');
    assert.ok(parsed instanceof PdfString);
    assert.equal(Buffer.from(parsed.bytes).toString('latin1'), 'aA(b)c\n(nested) q');
  });

  test('numbers: integers without a point, reals to 6 places, never exponent notation', () => {
    assert.equal(formatPdfNumber(595), '595');
    assert.equal(formatPdfNumber(1e-7), '0');
    assert.equal(formatPdfNumber(-0.5), '-0.5');
    assert.equal(formatPdfNumber(1 / 3), '0.333333');
    assert.throws(() => formatPdfNumber(Number.NaN));
  });

  test('a dictionary round-trips through the parser with references and nested arrays', () => {
    const source = pdfDict({
      Kids: pdfArray(new PdfRef(4), new PdfRef(6, 2)),
      Box: pdfArray(pdfNumber(0), pdfNumber(841.89)),
    });
    const parsed = parse(serializePdf(source));
    assert.ok(parsed instanceof PdfDict);
    const kids = parsed.get('Kids') as PdfArray;
    assert.ok(kids.get(1) instanceof PdfRef && (kids.get(1) as PdfRef).generation === 2);
    assert.equal(((parsed.get('Box') as PdfArray).get(1) as PdfNumber).value, 841.89);
  });

  test('dates are written in UTC as D:YYYYMMDDHHmmSSZ', () => {
    assert.equal(pdfDate(new Date('2026-11-21T23:05:09Z')).text(), 'D:20261121230509Z');
  });

  test('malformed tokens are typed errors', () => {
    for (const bad of ['<< /A 1', '[1 2', '(unterminated', '<0g>', '<< 1 2 >>', ')', 'endobj']) {
      assert.throws(() => parse(bad), { code: 'SHOMEI_PDF_MALFORMED' }, bad);
    }
  });
});
