/**
 * Malformed and hostile input: every case ends with a typed error (or, for a damaged signature
 * inside a readable PDF, a FORMAT_FAILURE result), never a crash, an untyped exception or a large
 * allocation. Timing is not asserted here (bench/validation.ts measures it).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { isShomeiError } from '../../src/errors/index.ts';
import {
  type ValidationReport,
  validateCades,
  validateDocument,
  validatePdf,
} from '../../src/validation/index.ts';
import { type Corpus, openCorpus, replaceContents } from './corpus.ts';

let corpus: Corpus;
let signed: Buffer;
before(async () => {
  corpus = await openCorpus();
  signed = readFileSync(await corpus.sign('B-LT'));
});
after(async () => corpus.close());

const options = () => ({ trustAnchors: [corpus.root] });

async function typedError(input: Uint8Array, code: RegExp): Promise<void> {
  await assert.rejects(validatePdf(input, options()), (error: unknown) => {
    assert.ok(isShomeiError(error), `not a typed error: ${String(error)}`);
    assert.match(error.code, code);
    assert.ok(error.messages.ja.length > 0 && error.messages.en.length > 0);
    return true;
  });
}

/** A one-revision PDF from numbered object bodies (object 1 is the catalog). */
function pdfOf(bodies: readonly string[]): Buffer {
  let out = '%PDF-1.7\n';
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f\r\n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n\r\n`;
  out += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const PAGES = '<< /Type /Pages /Kids [] /Count 0 >>';

describe('hostile and malformed input', () => {
  it('truncated signed PDF → SHOMEI_PDF_TRUNCATED', async () => {
    await typedError(signed.subarray(0, Math.floor(signed.length / 2)), /^SHOMEI_PDF_TRUNCATED$/);
  });

  it('not a PDF, empty, or garbage → a typed error', async () => {
    await assert.rejects(validateDocument(Buffer.from('hello'), undefined, options()), {
      code: 'SHOMEI_VALIDATION_UNUSABLE_INPUT',
    });
    await assert.rejects(validateDocument(Buffer.alloc(0), undefined, options()), {
      code: 'SHOMEI_VALIDATION_UNUSABLE_INPUT',
    });
    await typedError(Buffer.from('%PDF-1.7\n<<<<]]]>>((\nstartxref\n12\n%%EOF\n'), /^SHOMEI_PDF_/);
  });

  it('a PDF without signatures → SHOMEI_VALIDATION_NO_SIGNATURE', async () => {
    await typedError(pdfOf(['<< /Type /Catalog /Pages 2 0 R >>', PAGES]), /^SHOMEI_VALIDATION_NO_SIGNATURE$/);
  });

  it('recursive object references in the form → SHOMEI_PDF_MALFORMED', async () => {
    const cyclic = pdfOf([
      '<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>',
      PAGES,
      '<< /FT /Sig /Kids [4 0 R] >>',
      '<< /Parent 3 0 R /Kids [3 0 R] >>',
    ]);
    await typedError(cyclic, /^SHOMEI_PDF_MALFORMED$|^SHOMEI_VALIDATION_/);
    const selfReference = pdfOf([
      '<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>',
      PAGES,
      '4 0 R',
      '3 0 R',
    ]);
    await typedError(selfReference, /^SHOMEI_PDF_MALFORMED$|^SHOMEI_VALIDATION_/);
  });

  it('a huge /Length in the DSS → SHOMEI_PDF_MALFORMED without allocating it', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const huge = pdfOf([
      '<< /Type /Catalog /Pages 2 0 R /DSS 3 0 R /AcroForm << /Fields [5 0 R] >> >>',
      PAGES,
      '<< /Certs [4 0 R] >>',
      '<< /Length 99999999999 >>\nstream\nabc\nendstream',
      `<< /FT /Sig /T (s) /V << /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange [0 10 20 10] /Contents <3000> >> >>`,
    ]);
    await typedError(huge, /^SHOMEI_PDF_MALFORMED$/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  });

  it('deeply nested arrays in the signature dictionary → SHOMEI_PDF_MALFORMED', async () => {
    const deep = pdfOf([
      '<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>',
      PAGES,
      `<< /FT /Sig /T (s) /V << /Type /Sig /Deep ${'['.repeat(100_000)}${']'.repeat(100_000)} >> >>`,
    ]);
    await typedError(deep, /^SHOMEI_PDF_MALFORMED$/);
  });

  it('a signature whose /Contents is garbage or deeply nested DER → FORMAT_FAILURE, not a crash', async () => {
    const file = corpus.file('garbage-contents.pdf');
    const { writeFileSync } = await import('node:fs');
    for (const der of [
      Buffer.from('30820010deadbeefdeadbeefdeadbeefdeadbeef', 'hex'),
      Buffer.concat([
        Buffer.alloc(4000, 0x30).map((_, i) => (i % 2 === 0 ? 0x30 : 0x80)),
        Buffer.alloc(4000, 0),
      ]),
    ]) {
      writeFileSync(file, signed);
      await replaceContents(file, 0, der);
      const report: ValidationReport = await validatePdf(readFileSync(file), options());
      assert.equal(report.signatures[0]?.indication, 'TOTAL_FAILED');
      assert.equal(report.signatures[0]?.subIndication, 'FORMAT_FAILURE');
      assert.equal(report.signatures[0]?.reasons[0]?.code, 'SIGNATURE_UNREADABLE');
    }
  });

  it('a /ByteRange past the end of the file → FORMAT_FAILURE naming the field', async () => {
    const text = signed.toString('latin1');
    const match = /\/ByteRange \[0 (\d+) (\d+) (\d+)\]( *)/.exec(text)!;
    const [whole, b, c, d, spaces] = match as unknown as [string, string, string, string, string];
    const longer = String(Number(d) + 9000);
    const replaced = `/ByteRange [0 ${b} ${c} ${longer}]${' '.repeat(Math.max(0, spaces.length - (longer.length - d.length)))}`;
    assert.equal(replaced.length, whole.length);
    const damaged = Buffer.from(text.replace(whole, replaced), 'latin1');
    const report = await validatePdf(damaged, options());
    assert.equal(report.signatures[0]?.indication, 'TOTAL_FAILED');
    assert.equal(report.signatures[0]?.subIndication, 'FORMAT_FAILURE');
    assert.match(report.signatures[0]!.reasons[0]!.en, /field "Signature-/);
  });

  it('a flipped byte anywhere in a signed PDF gives a report or a typed error', async () => {
    for (let at = 0; at < signed.length; at += 211) {
      const damaged = Buffer.from(signed);
      damaged[at] = damaged[at]! ^ 0x5a;
      try {
        const report = await validatePdf(damaged, options());
        assert.ok(report.signatures.length > 0);
      } catch (error) {
        assert.ok(isShomeiError(error), `offset ${at}: ${String(error)}`);
      }
    }
  });

  it('CAdES: a truncated or foreign signature file and missing data → typed errors', async () => {
    await assert.rejects(validateCades(Buffer.from('3003020101', 'hex'), Buffer.from('x'), options()), {
      code: 'SHOMEI_VALIDATION_UNUSABLE_INPUT',
    });
    await assert.rejects(validateCades(Buffer.from('3082ffff0101', 'hex'), Buffer.from('x'), options()), {
      code: 'SHOMEI_VALIDATION_UNUSABLE_INPUT',
    });
    await assert.rejects(validateCades(Buffer.from('3003020101', 'hex'), undefined, options()), {
      code: 'SHOMEI_VALIDATION_DATA_MISSING',
    });
  });
});
