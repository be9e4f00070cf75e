import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { isShomeiError } from '../../src/errors/index.ts';
import { openPdf, PdfRef, PdfStream, PdfString, revisions } from '../../src/pdf/index.ts';
import { run } from '../helpers/run.ts';
import {
  assembleClassicPdf,
  classicPdf,
  ghostscriptPdf,
  hybridPdf,
  makeWorkDir,
  objectStreamPdf,
} from './fixtures.ts';

const work = makeWorkDir();
after(() => work.remove());

function fixture(name: string, bytes: Buffer): string {
  const file = work.file(name);
  writeFileSync(file, bytes);
  return file;
}

async function rejects(source: string | Uint8Array, code: string, limits = {}): Promise<void> {
  await assert.rejects(openPdf(source, { limits }), (error: unknown) => {
    assert.ok(isShomeiError(error), `expected a ShomeiError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.ok(error.messages.ja.length > 0 && error.messages.en.length > 0);
    return true;
  });
}

describe('reading the document structure', () => {
  test('a classic cross-reference table: pages, boxes and form fields', async () => {
    const reader = await openPdf(fixture('classic.pdf', classicPdf(3, { withForm: true })));
    try {
      assert.equal(reader.pageCount(), 3);
      assert.deepEqual(reader.page(2).mediaBox, [0, 0, 595, 842]);
      assert.deepEqual(reader.page(0).cropBox, [0, 0, 595, 842]);
      assert.equal(reader.page(0).rotation, 0);
      assert.equal(reader.lastXrefKind, 'table');
      assert.deepEqual(
        reader.formFields().map((f) => [f.name, f.fieldType]),
        [
          ['name', 'Tx'],
          ['signature1', 'Sig'],
        ],
      );
      assert.equal(reader.revisions.length, 1);
      assert.equal(reader.revisions[0]!.endOffset, reader.size);
    } finally {
      reader.close();
    }
  });

  test('an xref stream with object streams and PNG predictors (qpdf output)', async () => {
    const base = fixture('base-for-objstm.pdf', classicPdf(4, { withForm: true }));
    const file = work.file('objstm.pdf');
    const bytes = objectStreamPdf(base, file);
    assert.match(bytes.toString('latin1'), /\/Type\s*\/ObjStm/);
    assert.match(bytes.toString('latin1'), /\/Predictor/);
    const reader = await openPdf(file);
    try {
      assert.equal(reader.lastXrefKind, 'stream');
      assert.equal(reader.pageCount(), 4);
      assert.equal(reader.formFields().length, 2);
      assert.equal(reader.catalog.name('Type'), 'Catalog');
    } finally {
      reader.close();
    }
  });

  test('a hybrid-reference file finds objects that only the /XRefStm stream locates', async () => {
    const reader = await openPdf(hybridPdf());
    try {
      assert.equal(reader.lastXrefKind, 'table');
      assert.equal(reader.pageCount(), 1);
      assert.equal(reader.page(0).rotation, 90);
      const info = reader.dict(reader.trailer.get('Info'));
      const producer = reader.resolve(info?.get('Producer'));
      assert.ok(producer instanceof PdfString);
      assert.equal(producer.text(), 'shomei test');
      const font = reader.dict(reader.dict(reader.page(0).dict.get('Resources'))?.get('Font'));
      assert.equal(reader.dict(font?.get('F1'))?.name('BaseFont'), 'Helvetica');
    } finally {
      reader.close();
    }
  });

  test('a ghostscript pdfwrite file', async () => {
    const reader = await openPdf(ghostscriptPdf(work, 3));
    try {
      assert.equal(reader.pageCount(), 3);
      assert.ok(reader.page(0).mediaBox[2] > 500);
    } finally {
      reader.close();
    }
  });

  test('revisions follow /Prev and report each %%EOF boundary and the objects it added', async () => {
    const base = fixture('rev-base.pdf', classicPdf(1));
    const updated = work.file('rev-updated.pdf');
    // Build a second revision by hand: object 2 (pages) is rewritten, object 6 added.
    const original = readFileSync(base);
    const appendedAt = original.length;
    const extra = '2 0 obj\n<< /Type /Pages /Kids [4 0 R] /Count 1 /MediaBox [0 0 400 400] >>\nendobj\n';
    const six = '6 0 obj\n(added)\nendobj\n';
    const xrefAt = appendedAt + extra.length + six.length;
    const pad = (n: number) => String(n).padStart(10, '0');
    const tail =
      `xref\n2 1\n${pad(appendedAt)} 00000 n\r\n6 1\n${pad(appendedAt + extra.length)} 00000 n\r\n` +
      `trailer\n<< /Size 7 /Root 1 0 R /Prev ${original.toString('latin1').match(/startxref\n(\d+)/)![1]} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
    writeFileSync(updated, Buffer.concat([original, Buffer.from(extra + six + tail, 'latin1')]));
    const list = await revisions(updated);
    assert.equal(list.length, 2);
    assert.equal(list[0]!.endOffset, original.length);
    assert.deepEqual(list[1]!.objectNumbers, [2, 6]);
    const reader = await openPdf(updated);
    try {
      assert.deepEqual(reader.page(0).mediaBox, [0, 0, 400, 400]);
    } finally {
      reader.close();
    }
  });

  test('a linearized file is one revision (its first-page section merges into the main one)', async () => {
    const base = fixture('lin-base.pdf', classicPdf(5));
    const linearized = work.file('linearized.pdf');
    assert.equal(run('qpdf', ['--linearize', base, linearized]).status, 0);
    const list = await revisions(linearized);
    assert.equal(list.length, 1);
    assert.equal(list[0]!.endOffset, readFileSync(linearized).length);
  });

  test('an out-of-range page index is a typed error', async () => {
    const reader = await openPdf(classicPdf(2));
    try {
      assert.throws(() => reader.page(2), { code: 'SHOMEI_PDF_PAGE_OUT_OF_RANGE' });
    } finally {
      reader.close();
    }
  });
});

describe('refusing hostile and broken input with typed errors', () => {
  test('encrypted (qpdf --encrypt) → SHOMEI_PDF_ENCRYPTED', async () => {
    const plain = fixture('plain.pdf', classicPdf(1));
    const encrypted = work.file('encrypted.pdf');
    assert.equal(run('qpdf', ['--encrypt', 'user', 'owner', '256', '--', plain, encrypted]).status, 0);
    await rejects(encrypted, 'SHOMEI_PDF_ENCRYPTED');
  });

  test('truncated (no startxref / %%EOF) → SHOMEI_PDF_TRUNCATED', async () => {
    const bytes = classicPdf(2);
    await rejects(bytes.subarray(0, Math.floor(bytes.length / 2)), 'SHOMEI_PDF_TRUNCATED');
    await rejects(bytes.subarray(0, bytes.length - 7), 'SHOMEI_PDF_TRUNCATED');
  });

  test('garbage → SHOMEI_PDF_MALFORMED or TRUNCATED, never a crash', async () => {
    await rejects(Buffer.from('this is not a pdf at all'), 'SHOMEI_PDF_MALFORMED');
    await rejects(Buffer.alloc(0), 'SHOMEI_PDF_MALFORMED');
    await rejects(Buffer.from('%PDF-1.7\n<<<<]]]>>((\nstartxref\n12\n%%EOF\n'), 'SHOMEI_PDF_MALFORMED');
    await rejects(Buffer.from('%PDF-1.7\nstartxref\n999999\n%%EOF\n'), 'SHOMEI_PDF_MALFORMED');
    // Deterministic pseudo-random bytes after a header, with a plausible end.
    let seed = 42;
    const noise = Buffer.alloc(20000, 0).map(() => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    });
    for (let i = 0; i < 20; i++) {
      const at = (i * 997) % 19000;
      const bytes = Buffer.concat([
        Buffer.from('%PDF-1.7\n'),
        noise,
        Buffer.from(`\nstartxref\n${at}\n%%EOF\n`),
      ]);
      await assert.rejects(
        openPdf(bytes),
        (error: unknown) => isShomeiError(error) && /^SHOMEI_PDF_/.test(error.code),
      );
    }
  });

  test('a flipped byte anywhere in a valid file yields a typed error or a readable document', async () => {
    const base = fixture('fuzz-base.pdf', classicPdf(2, { withForm: true }));
    for (const bytes of [
      readFileSync(base),
      objectStreamPdf(base, work.file('fuzz-objstm.pdf')),
      hybridPdf(),
    ]) {
      await flipEveryFewBytes(bytes);
    }
  });

  async function flipEveryFewBytes(bytes: Buffer): Promise<void> {
    for (let at = 0; at < bytes.length; at += 5) {
      const damaged = Buffer.from(bytes);
      damaged[at] = damaged[at]! ^ 0x5a;
      try {
        const reader = await openPdf(damaged);
        try {
          for (let i = 0; i < reader.pageCount(); i++) reader.page(i);
          reader.formFields();
        } finally {
          reader.close();
        }
      } catch (error) {
        assert.ok(isShomeiError(error) && /^SHOMEI_PDF_/.test(error.code), `offset ${at}: ${String(error)}`);
      }
    }
  }

  test('cyclic references (page tree, /Length, /Prev) → SHOMEI_PDF_MALFORMED', async () => {
    const pageTreeCycle = assembleClassicPdf([
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Pages /Kids [2 0 R] /Count 1 >>',
    ]);
    const reader = await openPdf(pageTreeCycle);
    try {
      assert.throws(() => reader.pageCount(), { code: 'SHOMEI_PDF_MALFORMED' });
    } finally {
      reader.close();
    }
    const lengthCycle = assembleClassicPdf([
      '<< /Type /Catalog /Pages 2 0 R /Extra 3 0 R >>',
      '<< /Type /Pages /Kids [] /Count 0 >>',
      '<< /Length 3 0 R >>\nstream\nabc\nendstream',
    ]);
    const lengthReader = await openPdf(lengthCycle);
    try {
      assert.throws(() => lengthReader.resolve(lengthReader.catalog.get('Extra')), {
        code: 'SHOMEI_PDF_MALFORMED',
      });
    } finally {
      lengthReader.close();
    }
    const text = classicPdf(1).toString('latin1');
    const xrefAt = text.match(/startxref\n(\d+)/)![1];
    await rejects(
      Buffer.from(text.replace('/Root 1 0 R', `/Root 1 0 R /Prev ${xrefAt}`), 'latin1'),
      'SHOMEI_PDF_MALFORMED',
    );
  });

  test('deep nesting → SHOMEI_PDF_MALFORMED without exhausting the stack', async () => {
    const deep = `<< /Type /Catalog /Pages 2 0 R /Deep ${'['.repeat(100000)}${']'.repeat(100000)} >>`;
    await rejects(assembleClassicPdf([deep, '<< /Type /Pages /Kids [] /Count 0 >>']), 'SHOMEI_PDF_MALFORMED');
  });

  test('a huge /Length never allocates: SHOMEI_PDF_MALFORMED', async () => {
    const huge = assembleClassicPdf([
      '<< /Type /Catalog /Pages 2 0 R /Extra 3 0 R >>',
      '<< /Type /Pages /Kids [] /Count 0 >>',
      '<< /Length 99999999999999 >>\nstream\nabc\nendstream',
      '<< /Length 5000 >>\nstream\nabc\nendstream',
    ]);
    const reader = await openPdf(huge);
    try {
      assert.throws(() => reader.resolve(reader.catalog.get('Extra')), { code: 'SHOMEI_PDF_MALFORMED' });
      assert.throws(() => reader.getObject(new PdfRef(4, 0)), { code: 'SHOMEI_PDF_MALFORMED' });
    } finally {
      reader.close();
    }
    // The same on the cross-reference stream itself.
    const xrefStream = Buffer.from(
      '%PDF-1.7\n1 0 obj\n<< /Type /XRef /Size 2 /W [1 4 2] /Length 88888888888 >>\nstream\nxx\nendstream\nendobj\nstartxref\n9\n%%EOF\n',
      'latin1',
    );
    await rejects(xrefStream, 'SHOMEI_PDF_MALFORMED');
  });

  test('a decompression bomb in an xref stream stops at the decoded-size limit', async () => {
    const { deflateSync } = await import('node:zlib');
    const bomb = deflateSync(Buffer.alloc(8 * 1024 * 1024));
    const bytes = Buffer.concat([
      Buffer.from(
        `%PDF-1.7\n1 0 obj\n<< /Type /XRef /Size 2 /W [1 4 2] /Filter /FlateDecode /Length ${bomb.length} >>\nstream\n`,
      ),
      bomb,
      Buffer.from('\nendstream\nendobj\nstartxref\n9\n%%EOF\n'),
    ]);
    await rejects(bytes, 'SHOMEI_PDF_MALFORMED', { maxDecodedStreamBytes: 1024 * 1024 });
  });

  test('too many objects and too large a file are refused by configurable limits', async () => {
    await rejects(classicPdf(3), 'SHOMEI_PDF_TOO_LARGE', { maxFileBytes: 500 });
    await rejects(classicPdf(30), 'SHOMEI_PDF_MALFORMED', { maxObjects: 20 });
    const file = fixture('too-large.pdf', classicPdf(3));
    await rejects(file, 'SHOMEI_PDF_TOO_LARGE', { maxFileBytes: 500 });
  });

  test('a missing file or a directory is SHOMEI_PDF_UNREADABLE', async () => {
    await rejects(work.file('does-not-exist.pdf'), 'SHOMEI_PDF_UNREADABLE');
    await rejects(work.dir, 'SHOMEI_PDF_UNREADABLE');
  });

  test('a stream object is read lazily: content streams are never loaded to count pages', async () => {
    const reader = await openPdf(classicPdf(2), { limits: { maxStreamBytes: 1 } });
    try {
      assert.equal(reader.pageCount(), 2);
      assert.throws(() => reader.resolve(reader.page(0).dict.get('Contents')) instanceof PdfStream, {
        code: 'SHOMEI_PDF_MALFORMED',
      });
    } finally {
      reader.close();
    }
  });
});
