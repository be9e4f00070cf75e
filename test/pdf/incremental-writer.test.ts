import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import {
  appendRevision,
  openPdf,
  PdfArray,
  PdfDict,
  type PdfString,
  pdfDict,
  pdfName,
  pdfText,
} from '../../src/pdf/index.ts';
import { run } from '../helpers/run.ts';
import {
  classicPdf,
  ghostscriptPdf,
  hybridPdf,
  makeWorkDir,
  objectStreamPdf,
  qpdfCheck,
} from './fixtures.ts';

const work = makeWorkDir();
after(() => work.remove());

function fixtures(): { name: string; file: string; kind: 'table' | 'stream' }[] {
  const classic = work.file('classic.pdf');
  writeFileSync(classic, classicPdf(3, { withForm: true }));
  const hybrid = work.file('hybrid.pdf');
  writeFileSync(hybrid, hybridPdf());
  const objstm = work.file('objstm.pdf');
  objectStreamPdf(classic, objstm);
  const qdf = work.file('qdf.pdf');
  assert.equal(run('qpdf', ['--qdf', classic, qdf]).status, 0);
  return [
    { name: 'classic xref table', file: classic, kind: 'table' },
    { name: 'hybrid reference file', file: hybrid, kind: 'table' },
    { name: 'xref stream + object streams', file: objstm, kind: 'stream' },
    { name: 'qpdf --qdf', file: qdf, kind: 'table' },
    { name: 'ghostscript pdfwrite', file: ghostscriptPdf(work, 2), kind: 'table' },
  ];
}

describe('appending a revision', () => {
  for (const { name, file, kind } of fixtures()) {
    test(`${name}: earlier bytes unchanged, same xref kind, qpdf --check passes, change visible`, async () => {
      const original = readFileSync(file);
      const output = work.file(`${name.replace(/\W+/g, '-')}-updated.pdf`);
      const result = await appendRevision(
        file,
        (reader, update) => {
          const info = update.add(
            pdfDict({ Title: pdfText('契約書 / contract'), Producer: pdfText('shomei') }),
          );
          const catalog = reader.catalog.clone().set('ShomeiTest', info);
          update.set(reader.catalogRef, catalog);
        },
        { output },
      );
      assert.equal(result.path, output);
      const updated = readFileSync(output);
      assert.ok(updated.length > original.length);
      assert.ok(updated.subarray(0, original.length).equals(original), 'the original bytes are a prefix');
      const check = qpdfCheck(output);
      assert.ok(check.ok, check.output);
      const reader = await openPdf(output);
      try {
        assert.equal(reader.lastXrefKind, kind);
        assert.equal(reader.revisions.length, 2);
        assert.equal(reader.revisions[0]!.endOffset <= original.length, true);
        const info = reader.dict(reader.catalog.get('ShomeiTest'));
        assert.equal((reader.resolve(info?.get('Title')) as PdfString).text(), '契約書 / contract');
        const before = await openPdf(file);
        try {
          assert.equal(reader.pageCount(), before.pageCount());
          const oldId = before.trailer.get('ID');
          const newId = reader.trailer.get('ID') as PdfArray;
          assert.equal(newId.length, 2);
          if (oldId instanceof PdfArray) {
            assert.deepEqual((newId.get(0) as PdfString).bytes, (oldId.get(0) as PdfString).bytes);
            assert.notDeepEqual((newId.get(1) as PdfString).bytes, (oldId.get(1) as PdfString).bytes);
          }
        } finally {
          before.close();
        }
      } finally {
        reader.close();
      }
      // qpdf agrees on the content of the new revision.
      const shown = run('qpdf', ['--show-object=trailer', output]).stdout;
      assert.match(shown, /\/Prev/);
    });
  }

  test('in memory: bytes in, bytes out, and a second revision chains to the first', async () => {
    const first = await appendRevision(classicPdf(1), (_reader, update) => {
      update.add(pdfDict({ Type: pdfName('Marker') }));
    });
    assert.ok(first.bytes);
    const second = await appendRevision(first.bytes, (_reader, update) => {
      update.add(new PdfDict());
    });
    const reader = await openPdf(second.bytes!);
    try {
      assert.equal(reader.revisions.length, 3);
      assert.deepEqual(
        reader.revisions.map((r) => r.endOffset),
        [classicPdf(1).length, first.bytes.length, second.bytes!.length],
      );
    } finally {
      reader.close();
    }
  });

  test('a failed update leaves no output and no temporary file behind', async () => {
    const output = work.file('never.pdf');
    const source = work.file('source-for-failure.pdf');
    writeFileSync(source, classicPdf(1));
    await assert.rejects(
      appendRevision(
        source,
        () => {
          throw new Error('builder failed');
        },
        { output },
      ),
      /builder failed/,
    );
    await assert.rejects(
      appendRevision(Buffer.from('garbage'), () => {}, { output }),
      { code: 'SHOMEI_PDF_MALFORMED' },
    );
    assert.equal(existsSync(output), false);
    assert.deepEqual(
      readdirSync(work.dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  test('the output may be the source itself: the update lands through the temporary file and rename', async () => {
    const file = work.file('in-place.pdf');
    writeFileSync(file, classicPdf(1));
    const before = readFileSync(file);
    await appendRevision(file, (_reader, update) => void update.add(new PdfArray()), { output: file });
    const after = readFileSync(file);
    assert.ok(after.subarray(0, before.length).equals(before));
    assert.ok(qpdfCheck(file).ok);
  });
});
