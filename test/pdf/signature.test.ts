import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import {
  embedSignatureContents,
  listSignatures,
  openPdf,
  PdfArray,
  type PdfNumber,
  PdfRef,
  PdfStream,
  pdfDict,
  pdfName,
  pdfRect,
  prepareSignatureRevision,
} from '../../src/pdf/index.ts';
import { run } from '../helpers/run.ts';
import {
  assembleClassicPdf,
  classicPdf,
  ghostscriptPdf,
  hybridPdf,
  makeSoftwareSigner,
  makeWorkDir,
  objectStreamPdf,
  opensslCmsSign,
  pdfsig,
  qpdfCheck,
  toIndefiniteLength,
} from './fixtures.ts';

const work = makeWorkDir();
after(() => work.remove());
const signer = makeSoftwareSigner(work);

function covered(file: string, byteRange: readonly number[]): Buffer {
  const bytes = readFileSync(file);
  const [a, b, c, d] = byteRange as [number, number, number, number];
  return Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]);
}

function sources(): { name: string; file: string }[] {
  const classic = work.file('classic.pdf');
  writeFileSync(classic, classicPdf(2, { withForm: true }));
  const hybrid = work.file('hybrid.pdf');
  writeFileSync(hybrid, hybridPdf());
  const objstm = work.file('objstm.pdf');
  objectStreamPdf(classic, objstm);
  const qdf = work.file('qdf.pdf');
  assert.equal(run('qpdf', ['--qdf', classic, qdf]).status, 0);
  const linearized = work.file('linearized.pdf');
  assert.equal(run('qpdf', ['--linearize', classic, linearized]).status, 0);
  return [
    { name: 'classic xref table with form fields', file: classic },
    { name: 'qpdf --linearize', file: linearized },
    { name: 'qpdf --qdf', file: qdf },
    { name: 'hybrid reference file', file: hybrid },
    { name: 'xref stream + object streams', file: objstm },
    { name: 'ghostscript pdfwrite', file: ghostscriptPdf(work, 2) },
  ];
}

/** Prepares, signs with openssl over the streamed ranges, embeds; returns the signed path. */
async function signFile(file: string, output: string, fieldName = 'Signature1', extra = {}): Promise<string> {
  const prepared = await prepareSignatureRevision(file, {
    fieldName,
    pageIndex: 0,
    rect: [72, 72, 272, 132],
    reason: '契約の締結',
    location: 'Tokyo',
    signerName: '山田太郎',
    signingTime: new Date('2026-04-01T09:00:00Z'),
    contentsSize: 8192,
    output,
    ...extra,
  });
  const digest = await prepared.digestByteRange('sha256');
  assert.deepEqual(digest, createHash('sha256').update(covered(output, prepared.byteRange)).digest());
  await embedSignatureContents(
    output,
    prepared.placeholder,
    opensslCmsSign(work, signer, output, prepared.byteRange),
  );
  return output;
}

describe('signature placeholder, streamed digest and embedding', () => {
  for (const { name, file } of sources()) {
    test(`${name}: pdfsig validates the digest, qpdf --check passes, earlier bytes unchanged`, async () => {
      const original = readFileSync(file);
      const output = await signFile(file, work.file(`${name.replace(/\W+/g, '-')}-signed.pdf`));
      const signed = readFileSync(output);
      assert.ok(signed.subarray(0, original.length).equals(original));
      const report = pdfsig(output);
      assert.match(
        report,
        /Signature Field Name: Signature1[\s\S]*Signature Validation: Signature is Valid\./,
        report,
      );
      assert.match(report, /Total document signed/);
      assert.match(report, /ETSI\.CAdES\.detached/);
      const check = qpdfCheck(output);
      assert.ok(check.ok, check.output);
      const signatures = await listSignatures(output);
      const mine = signatures.find((s) => s.fieldName === 'Signature1');
      assert.ok(mine);
      assert.equal(mine.coversWholeFile, true);
      assert.equal(mine.coversRevision, true);
      assert.equal(mine.subFilter, 'ETSI.CAdES.detached');
      assert.equal(mine.reason, '契約の締結');
      assert.equal(mine.name, '山田太郎');
      assert.equal(mine.signingTime, 'D:20260401090000Z');
      assert.equal(mine.revisionIndex, 1);
      // The CMS comes back without padding and verifies over the covered bytes.
      const der = work.file('listed.der');
      writeFileSync(der, mine.cms);
      const content = work.file('listed-content.bin');
      writeFileSync(content, covered(output, mine.byteRange!));
      const verify = run('openssl', [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        der,
        '-content',
        content,
        '-CAfile',
        signer.certificate,
        '-purpose',
        'any',
        '-out',
        '/dev/null',
      ]);
      assert.equal(verify.status, 0, verify.stderr);
    });
  }

  test('a BER indefinite-length CMS keeps its end-of-contents zeros when read back', async () => {
    const source = work.file('ber-source.pdf');
    writeFileSync(source, classicPdf(1));
    const output = work.file('ber-signed.pdf');
    const prepared = await prepareSignatureRevision(source, {
      fieldName: 'Signature1',
      pageIndex: 0,
      rect: [72, 72, 272, 132],
      signingTime: new Date('2026-04-01T09:00:00Z'),
      contentsSize: 8192,
      output,
    });
    const ber = toIndefiniteLength(opensslCmsSign(work, signer, output, prepared.byteRange));
    assert.deepEqual([...ber.subarray(-4)], [0, 0, 0, 0], 'the value itself ends in zeros');
    await embedSignatureContents(output, prepared.placeholder, ber);
    const [listed] = await listSignatures(output);
    assert.ok(listed);
    assert.ok(Buffer.from(listed.cms).equals(ber), 'the whole BER value, no more and no less');
    assert.match(pdfsig(output), /Signature Validation: Signature is Valid\./);
  });

  test('an existing empty signature field is filled instead of adding a field', async () => {
    const file = work.file('form.pdf');
    writeFileSync(file, classicPdf(1, { withForm: true }));
    const output = await signFile(file, work.file('form-signed.pdf'), 'signature1');
    assert.match(pdfsig(output), /Signature Field Name: signature1[\s\S]*Signature is Valid/);
    const reader = await openPdf(output);
    try {
      assert.deepEqual(
        reader.formFields().map((f) => f.name),
        ['name', 'signature1'],
      );
      assert.equal(reader.dict(reader.catalog.get('AcroForm'))?.number('SigFlags'), 3);
    } finally {
      reader.close();
    }
    await assert.rejects(signFile(output, work.file('twice.pdf'), 'signature1'), {
      code: 'SHOMEI_PDF_FIELD_INVALID',
    });
    await assert.rejects(signFile(file, work.file('text.pdf'), 'name'), { code: 'SHOMEI_PDF_FIELD_INVALID' });
    await assert.rejects(signFile(file, work.file('dotted.pdf'), 'a.b'), {
      code: 'SHOMEI_PDF_FIELD_INVALID',
    });
    for (const refused of ['twice.pdf', 'text.pdf', 'dotted.pdf'])
      assert.equal(existsSync(work.file(refused)), false);
  });

  test('a second signature: the first still covers its own revision; openssl verifies the second', async () => {
    const file = work.file('two.pdf');
    writeFileSync(file, classicPdf(1));
    const once = await signFile(file, work.file('two-once.pdf'), 'First');
    const twice = await signFile(once, work.file('two-twice.pdf'), 'Second');
    const [first, second] = await listSignatures(twice);
    assert.equal(first?.fieldName, 'First');
    assert.equal(first?.coversWholeFile, false);
    assert.equal(first?.coversRevision, true);
    assert.equal(first?.revisionIndex, 1);
    assert.equal(second?.coversWholeFile, true);
    assert.equal(second?.revisionIndex, 2);
    const der = work.file('second.der');
    writeFileSync(der, second!.cms);
    const content = work.file('second-content.bin');
    writeFileSync(content, covered(twice, second!.byteRange!));
    const verify = run('openssl', [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      der,
      '-content',
      content,
      '-CAfile',
      signer.certificate,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    assert.equal(verify.status, 0, verify.stderr);
    assert.ok(qpdfCheck(twice).ok);
  });

  test('a change after signing is detected by pdfsig (digest mismatch)', async () => {
    const file = work.file('tamper.pdf');
    writeFileSync(file, classicPdf(1));
    const output = await signFile(file, work.file('tamper-signed.pdf'));
    const bytes = readFileSync(output);
    const at = bytes.indexOf('(Page 1)');
    bytes.write('(Page 9)', at, 'latin1');
    writeFileSync(output, bytes);
    assert.doesNotMatch(pdfsig(output), /Signature is Valid/);
  });

  test('a CMS larger than the hole is refused and the file is left as prepared', async () => {
    const file = work.file('small.pdf');
    writeFileSync(file, classicPdf(1));
    const output = work.file('small-prepared.pdf');
    const prepared = await prepareSignatureRevision(file, { fieldName: 'S', contentsSize: 64, output });
    const before = readFileSync(output);
    await assert.rejects(embedSignatureContents(output, prepared.placeholder, Buffer.alloc(65, 1)), {
      code: 'SHOMEI_PDF_SIGNATURE_TOO_LARGE',
    });
    assert.ok(readFileSync(output).equals(before));
    await assert.rejects(
      embedSignatureContents(output, { ...prepared.placeholder, contentsOffset: 10 }, Buffer.alloc(4)),
      { code: 'SHOMEI_PDF_MALFORMED' },
    );
  });

  test('in memory: prepare and embed on bytes; invisible signature has a zero rectangle', async () => {
    const prepared = await prepareSignatureRevision(classicPdf(1), {
      fieldName: 'Invisible',
      contentsSize: 4096,
    });
    assert.ok(prepared.bytes);
    assert.equal(prepared.path, undefined);
    const file = work.file('memory.pdf');
    writeFileSync(file, prepared.bytes);
    const der = opensslCmsSign(work, signer, file, prepared.byteRange);
    await embedSignatureContents(prepared.bytes, prepared.placeholder, der);
    writeFileSync(file, prepared.bytes);
    assert.match(pdfsig(file), /Signature is Valid/);
    const reader = await openPdf(file);
    try {
      const field = reader.formFields().find((f) => f.name === 'Invisible')!;
      const rect = reader.resolve(field.dict.get('Rect'));
      assert.ok(rect instanceof PdfArray);
      assert.deepEqual(
        rect.items.map((n) => (n as PdfNumber).value),
        [0, 0, 0, 0],
      );
      assert.equal(field.dict.has('AP'), false);
    } finally {
      reader.close();
    }
  });

  test('a caller-supplied appearance XObject and its resources are renumbered into the revision', async () => {
    const font = new PdfRef(9000);
    const xobject = new PdfStream(
      pdfDict({
        Type: pdfName('XObject'),
        Subtype: pdfName('Form'),
        BBox: pdfRect(0, 0, 200, 60),
        Resources: pdfDict({ Font: pdfDict({ F1: font }) }),
      }),
      Buffer.from('1 0 0 RG 2 w 5 5 190 50 re S BT /F1 12 Tf 20 25 Td (Seal) Tj ET'),
    );
    const output = work.file('appearance.pdf');
    const prepared = await prepareSignatureRevision(classicPdf(1), {
      fieldName: 'Seal',
      rect: [300, 700, 500, 760],
      appearance: {
        xobject,
        objects: [
          {
            ref: font,
            value: pdfDict({
              Type: pdfName('Font'),
              Subtype: pdfName('Type1'),
              BaseFont: pdfName('Helvetica'),
            }),
          },
        ],
      },
      output,
    });
    await embedSignatureContents(
      output,
      prepared.placeholder,
      opensslCmsSign(work, signer, output, prepared.byteRange),
    );
    assert.match(pdfsig(output), /Signature is Valid/);
    assert.ok(qpdfCheck(output).ok);
    const reader = await openPdf(output);
    try {
      const field = reader.formFields().find((f) => f.name === 'Seal')!;
      const normal = reader.resolve(reader.dict(field.dict.get('AP'))?.get('N'));
      assert.ok(normal instanceof PdfStream);
      const fontRef = reader.dict(reader.dict(normal.dict.get('Resources'))?.get('Font'))?.get('F1');
      assert.ok(fontRef instanceof PdfRef);
      assert.notEqual(fontRef.objectNumber, 9000);
      assert.equal(reader.dict(fontRef)?.name('BaseFont'), 'Helvetica');
      const page = reader.page(0);
      assert.ok(reader.resolve(page.dict.get('Annots')));
    } finally {
      reader.close();
    }
    // pdftoppm renders the page with the appearance without complaint.
    assert.equal(
      run('pdftoppm', ['-r', '20', '-png', '-f', '1', '-l', '1', output, work.file('render')]).status,
      0,
    );
  });

  test('DocMDP certification: /Perms /DocMDP, /Reference; P=1 refuses later signatures', async () => {
    const file = work.file('certify.pdf');
    writeFileSync(file, classicPdf(1));
    const certified = await signFile(file, work.file('certified.pdf'), 'Certification', {
      docMdpPermissions: 1,
    });
    assert.match(pdfsig(certified), /Signature is Valid/);
    const [info] = await listSignatures(certified);
    assert.equal(info?.docMdpPermissions, 1);
    const reader = await openPdf(certified);
    try {
      const docMdp = reader.dict(reader.catalog.get('Perms'))?.get('DocMDP');
      assert.ok(docMdp instanceof PdfRef);
      assert.equal(reader.dict(docMdp)?.name('Type'), 'Sig');
    } finally {
      reader.close();
    }
    await assert.rejects(signFile(certified, work.file('after-p1.pdf'), 'Later'), {
      code: 'SHOMEI_PDF_FIELD_INVALID',
    });
    assert.equal(existsSync(work.file('after-p1.pdf')), false);
    const p2 = await signFile(file, work.file('certified-p2.pdf'), 'Certification', { docMdpPermissions: 2 });
    await assert.rejects(signFile(p2, work.file('second-cert.pdf'), 'Again', { docMdpPermissions: 2 }), {
      code: 'SHOMEI_PDF_FIELD_INVALID',
    });
    const approval = await signFile(p2, work.file('p2-approval.pdf'), 'Approval');
    assert.equal((await listSignatures(approval)).length, 2);
  });

  test('a document timestamp placeholder: /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161, no /M', async () => {
    const output = work.file('doc-timestamp.pdf');
    await prepareSignatureRevision(classicPdf(1), {
      fieldName: 'DocTimeStamp1',
      subFilter: 'ETSI.RFC3161',
      signingTime: new Date(),
      output,
    });
    const [info] = await listSignatures(output);
    assert.equal(info?.type, 'DocTimeStamp');
    assert.equal(info?.subFilter, 'ETSI.RFC3161');
    assert.equal(info?.signingTime, undefined);
    assert.equal(info?.coversWholeFile, true);
    await assert.rejects(
      prepareSignatureRevision(classicPdf(1), {
        fieldName: 'X',
        subFilter: 'ETSI.RFC3161',
        docMdpPermissions: 2,
      }),
      { code: 'SHOMEI_PDF_FIELD_INVALID' },
    );
  });

  test('hostile sources produce typed errors and no output file', async () => {
    const plain = work.file('plain.pdf');
    writeFileSync(plain, classicPdf(1));
    const encrypted = work.file('encrypted.pdf');
    assert.equal(run('qpdf', ['--encrypt', '', 'owner', '256', '--', plain, encrypted]).status, 0);
    const truncated = classicPdf(1).subarray(0, 300);
    const pages = '<< /Type /Pages /Kids [3 0 R] /Count 1 >>';
    const cases: [string | Uint8Array, string][] = [
      [encrypted, 'SHOMEI_PDF_ENCRYPTED'],
      [truncated, 'SHOMEI_PDF_TRUNCATED'],
      [Buffer.from('%PDF-1.7 garbage startxref 5 %%EOF'), 'SHOMEI_PDF_MALFORMED'],
      // A page tree that loops back on itself.
      [
        assembleClassicPdf([
          '<< /Type /Catalog /Pages 2 0 R >>',
          '<< /Type /Pages /Kids [2 0 R] /Count 1 >>',
        ]),
        'SHOMEI_PDF_MALFORMED',
      ],
      // The page's /Annots is a stream claiming a huge /Length.
      [
        assembleClassicPdf([
          '<< /Type /Catalog /Pages 2 0 R >>',
          pages,
          '<< /Type /Page /Parent 2 0 R /Annots 4 0 R >>',
          '<< /Length 999999999999 >>\nstream\nx\nendstream',
        ]),
        'SHOMEI_PDF_MALFORMED',
      ],
      // An AcroForm nested far beyond any real document.
      [
        assembleClassicPdf([
          `<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [${'['.repeat(5000)}${']'.repeat(5000)}] >> >>`,
          pages,
          '<< /Type /Page /Parent 2 0 R >>',
        ]),
        'SHOMEI_PDF_MALFORMED',
      ],
    ];
    for (const [index, [source, code]] of cases.entries()) {
      const output = work.file(`hostile-${index}.pdf`);
      await assert.rejects(prepareSignatureRevision(source, { fieldName: 'S', output }), { code });
      assert.equal(existsSync(output), false);
    }
    assert.deepEqual(
      readdirSync(work.dir).filter((name) => name.endsWith('.tmp')),
      [],
    );
    await assert.rejects(prepareSignatureRevision(plain, { fieldName: 'S', pageIndex: 5 }), {
      code: 'SHOMEI_PDF_PAGE_OUT_OF_RANGE',
    });
  });
});
