/**
 * Signatures made by tools other than ours: poppler's pdfsig (adbe.pkcs7.detached and
 * ETSI.CAdES.detached, key in an NSS database) and OpenSSL CMS embedded with src/pdf, with and
 * without signed attributes; mixed with our own signatures; and DocMDP modification rules.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  appendDocumentSecurityStore,
  appendRevision,
  embedSignatureContents,
  PdfArray,
  pdfArray,
  pdfDict,
  pdfName,
  pdfNumber,
  prepareSignatureRevision,
} from '../../src/pdf/index.ts';
import { parseCertificate } from '../../src/pki/index.ts';
import { validatePdf } from '../../src/validation/index.ts';
import { type Corpus, openCorpus, reasonText } from './corpus.ts';
import { type OpensslPki, opensslCms, opensslPki, pdfsigSign } from './independent.ts';

let corpus: Corpus;
let pki: OpensslPki;
let root: Buffer;
before(async () => {
  corpus = await openCorpus();
  pki = opensslPki(corpus.file('openssl-pki'));
  root = parseCertificate(readFileSync(pki.rootPem, 'utf8')).der;
});
after(async () => corpus.close());

async function withCrl(file: string, output: string): Promise<Buffer> {
  await appendDocumentSecurityStore(file, { crls: [pki.crl] }, { output });
  return readFileSync(output);
}

describe('signatures by independent signers', () => {
  it('pdfsig -add-signature (adbe.pkcs7.detached, NSS key): TOTAL_PASSED with its CRL in the DSS, TRY_LATER without', async () => {
    // poppler 22.12 cannot add ETSI.CAdES.detached signatures ("-etsi is not supported yet with -add-signature").
    const signed = corpus.file('pdfsig.pdf');
    pdfsigSign(pki, corpus.input, signed);
    const bare = (await validatePdf(readFileSync(signed), { trustAnchors: [root] })).signatures[0]!;
    assert.equal(bare.indication, 'INDETERMINATE');
    assert.equal(bare.subIndication, 'TRY_LATER');
    assert.match(reasonText(bare).en, /Independent Signer 独立署名者/);
    const report = await validatePdf(await withCrl(signed, corpus.file('pdfsig-dss.pdf')), {
      trustAnchors: [root],
    });
    const signature = report.signatures[0]!;
    assert.equal(signature.indication, 'TOTAL_PASSED', JSON.stringify(signature.reasons));
    assert.equal(signature.format, 'PKCS7');
    assert.match(signature.signer!.subject, /Independent Signer/);
    assert.equal(signature.chain[0]?.revocationSource, 'crl');
    assert.equal(signature.modifications?.level, 'LTA_UPDATES');
  });

  for (const attributes of [true, false]) {
    it(`OpenSSL CMS ${attributes ? 'with' : 'without'} signed attributes, embedded with src/pdf`, async () => {
      const prepared = await prepareSignatureRevision(corpus.input, {
        fieldName: `openssl-${attributes}`,
        subFilter: 'adbe.pkcs7.detached',
        contentsSize: 8192,
      });
      const bytes = prepared.bytes!;
      const [a, b, c, d] = prepared.byteRange;
      const cms = opensslCms(
        pki,
        Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]),
        attributes,
      );
      await embedSignatureContents(bytes, prepared.placeholder, cms);
      const output = corpus.file(`openssl-${attributes}.pdf`);
      const { writeFileSync } = await import('node:fs');
      writeFileSync(output, bytes);
      const report = await validatePdf(await withCrl(output, corpus.file(`openssl-${attributes}-dss.pdf`)), {
        trustAnchors: [root],
      });
      assert.equal(
        report.signatures[0]?.indication,
        'TOTAL_PASSED',
        JSON.stringify(report.signatures[0]?.reasons),
      );
      // The same bytes with one signed byte changed fail with HASH_FAILURE (attributes) or SIG_CRYPTO_FAILURE (no attributes).
      const tampered = Buffer.from(bytes);
      tampered[tampered.indexOf('sample page 2')] = 0x53;
      const failed = (await validatePdf(tampered, { trustAnchors: [root] })).signatures[0]!;
      assert.equal(failed.indication, 'TOTAL_FAILED');
      assert.equal(failed.subIndication, attributes ? 'HASH_FAILURE' : 'SIG_CRYPTO_FAILURE');
      assert.match(reasonText(failed).en, /Independent Signer/);
    });
  }

  it('our B-LT signature followed by a pdfsig signature: both pass, the change is signing', async () => {
    const ours = await corpus.sign('B-LT');
    const both = corpus.file('ours-then-pdfsig.pdf');
    pdfsigSign(pki, ours, both);
    const report = await validatePdf(await withCrl(both, corpus.file('ours-then-pdfsig-dss.pdf')), {
      trustAnchors: [corpus.root, root],
    });
    assert.equal(report.signatures.length, 2);
    for (const s of report.signatures) assert.equal(s.indication, 'TOTAL_PASSED', JSON.stringify(s.reasons));
    assert.equal(report.signatures[0]?.modifications?.level, 'FORM_FILLING');
    // poppler 22.12 leaves its widget out of /AcroForm /Fields when the form is a direct dictionary.
    assert.ok(report.signatures[1]?.warnings.some((w) => w.code === 'FIELD_NOT_IN_FORM'));
  });
});

/** Adds a (non-widget) text annotation to page 1 in an incremental update. */
async function addAnnotation(source: string, output: string): Promise<void> {
  await appendRevision(
    source,
    (reader, update) => {
      const page = reader.page(0);
      const note = update.add(
        pdfDict({
          Type: pdfName('Annot'),
          Subtype: pdfName('Text'),
          Rect: pdfArray(pdfNumber(100), pdfNumber(100), pdfNumber(120), pdfNumber(120)),
        }),
      );
      const dict = page.dict.clone();
      const existing = reader.resolve(dict.get('Annots'));
      dict.set('Annots', new PdfArray([...(existing instanceof PdfArray ? existing.items : []), note]));
      update.set(page.ref, dict);
    },
    { output },
  );
}

describe('modification analysis against DocMDP', () => {
  it('an annotation after a certification with P=2: INDETERMINATE / SIG_CONSTRAINTS_FAILURE naming the revision', async () => {
    const certified = await corpus.sign('B-LT', { docMdp: 2 });
    const annotated = corpus.file('annotated.pdf');
    await addAnnotation(certified, annotated);
    const report = await validatePdf(readFileSync(annotated), { trustAnchors: [corpus.root] });
    const signature = report.signatures[0]!;
    const revision = report.document.revisions! - 1;
    assert.equal(signature.indication, 'INDETERMINATE');
    assert.equal(signature.subIndication, 'SIG_CONSTRAINTS_FAILURE');
    assert.equal(signature.reasons[0]?.subject?.revision, revision);
    assert.match(reasonText(signature).en, new RegExp(`Revision ${revision}.*annotation was added.*DocMDP`));
    assert.match(reasonText(signature).ja, new RegExp(`改訂 ${revision}`));
    assert.equal(signature.modifications?.allowedLevel, 'FORM_FILLING');
  });

  it('the same annotation after a certification with P=3 is permitted', async () => {
    const certified = await corpus.sign('B-LT', { docMdp: 3 });
    const annotated = corpus.file('annotated-p3.pdf');
    await addAnnotation(certified, annotated);
    const signature = (await validatePdf(readFileSync(annotated), { trustAnchors: [corpus.root] }))
      .signatures[0]!;
    assert.equal(signature.indication, 'TOTAL_PASSED', JSON.stringify(signature.reasons));
    assert.equal(signature.modifications?.level, 'ANNOTATIONS');
    assert.ok(signature.warnings.some((w) => w.code === 'PERMITTED_CHANGES'));
  });

  it('a second signature (pdfsig) after a certification with P=1 is not permitted; the DSS update is', async () => {
    // src/ades refuses P=1 with B-LT, so the DSS is appended here with src/pdf.
    const signedB = await corpus.sign('B-B', { docMdp: 1 });
    const certified = corpus.file('p1-with-dss.pdf');
    await appendDocumentSecurityStore(signedB, { crls: [pki.crl] }, { output: certified });
    const online = { online: true, fetcher: corpus.fetcher };
    const first = (await validatePdf(readFileSync(certified), { trustAnchors: [corpus.root], ...online }))
      .signatures[0]!;
    assert.equal(first.indication, 'TOTAL_PASSED', JSON.stringify(first.reasons));
    assert.equal(first.modifications?.level, 'LTA_UPDATES');
    const signedAgain = corpus.file('p1-signed-again.pdf');
    pdfsigSign(pki, certified, signedAgain);
    const report = await validatePdf(readFileSync(signedAgain), {
      trustAnchors: [corpus.root, root],
      ...online,
    });
    const signature = report.signatures[0]!;
    const revision = report.document.revisions! - 1;
    assert.equal(signature.indication, 'INDETERMINATE');
    assert.equal(signature.subIndication, 'SIG_CONSTRAINTS_FAILURE');
    assert.equal(signature.reasons[0]?.subject?.revision, revision);
    assert.equal(signature.modifications?.allowedLevel, 'LTA_UPDATES');
  });
});
