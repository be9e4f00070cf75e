import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import {
  appendDocumentSecurityStore,
  embedSignatureContents,
  extractDss,
  listSignatures,
  prepareSignatureRevision,
  revisions,
} from '../../src/pdf/index.ts';
import {
  classicPdf,
  makeSoftwareSigner,
  makeWorkDir,
  objectStreamPdf,
  opensslCmsSign,
  pdfsig,
  qpdfCheck,
} from './fixtures.ts';

const work = makeWorkDir();
after(() => work.remove());
const signer = makeSoftwareSigner(work);
const certificate = readDer(signer.certificate);
const crl = Buffer.from('3003020101', 'hex');
const ocsp = Buffer.from('30030a0100', 'hex');

function readDer(pem: string): Buffer {
  const text = readFileSync(pem, 'latin1');
  return Buffer.from(text.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

async function signedFile(name: string, base: Buffer, xrefStreams = false): Promise<string> {
  let source = work.file(`${name}-base.pdf`);
  writeFileSync(source, base);
  if (xrefStreams) {
    const converted = work.file(`${name}-objstm.pdf`);
    objectStreamPdf(source, converted);
    source = converted;
  }
  const output = work.file(`${name}-signed.pdf`);
  const prepared = await prepareSignatureRevision(source, {
    fieldName: 'Signature1',
    contentsSize: 4096,
    output,
  });
  await embedSignatureContents(
    output,
    prepared.placeholder,
    opensslCmsSign(work, signer, output, prepared.byteRange),
  );
  return output;
}

describe('Document Security Store', () => {
  test('adds /DSS after a signature; the signature still covers its revision and stays valid', async () => {
    for (const xrefStreams of [false, true]) {
      const signed = await signedFile(`dss-${xrefStreams}`, classicPdf(1), xrefStreams);
      const [signature] = await listSignatures(signed);
      const output = work.file(`dss-${xrefStreams}-lt.pdf`);
      const original = readFileSync(signed);
      await appendDocumentSecurityStore(
        signed,
        {
          certificates: [certificate],
          crls: [crl],
          ocspResponses: [ocsp],
          vri: [
            {
              signature: signature!.contents,
              certificates: [certificate],
              ocspResponses: [ocsp],
              time: new Date(),
            },
          ],
        },
        { output },
      );
      assert.ok(readFileSync(output).subarray(0, original.length).equals(original));
      assert.ok(qpdfCheck(output).ok);
      assert.match(pdfsig(output), /Signature is Valid/);
      const [after] = await listSignatures(output);
      assert.equal(after?.coversRevision, true);
      assert.equal(after?.coversWholeFile, false);
      const dss = await extractDss(output);
      assert.deepEqual(dss.certificates.map(Buffer.from), [certificate]);
      assert.deepEqual(dss.crls.map(Buffer.from), [crl]);
      assert.deepEqual(dss.ocspResponses.map(Buffer.from), [ocsp]);
      assert.equal(dss.vri.length, 1);
      const key = createHash('sha1').update(signature!.contents).digest('hex').toUpperCase();
      assert.equal(dss.vri[0]!.key, key);
      assert.deepEqual(dss.vri[0]!.certificates.map(Buffer.from), [certificate]);
      assert.match(dss.vri[0]!.time ?? '', /^D:\d{14}Z$/);
    }
  });

  test('extending the DSS de-duplicates by content and keeps earlier entries', async () => {
    const signed = await signedFile('dedup', classicPdf(1));
    const first = work.file('dedup-1.pdf');
    await appendDocumentSecurityStore(
      signed,
      { certificates: [certificate], crls: [crl] },
      { output: first },
    );
    const second = work.file('dedup-2.pdf');
    const otherCertificate = Buffer.from('3005020300ffee', 'hex');
    await appendDocumentSecurityStore(
      first,
      {
        certificates: [certificate, otherCertificate],
        crls: [crl],
        vri: [{ signature: 'ab'.repeat(20), crls: [crl] }],
      },
      { output: second },
    );
    const dss = await extractDss(second);
    assert.deepEqual(dss.certificates.map(Buffer.from), [certificate, otherCertificate]);
    assert.deepEqual(dss.crls.map(Buffer.from), [crl]);
    assert.equal(dss.vri[0]?.key, 'AB'.repeat(20));
    // The second revision wrote the DSS dictionary and one stream (the new certificate), no copies.
    const list = await revisions(second);
    assert.equal(list.at(-1)!.objectNumbers.length, 2);
    assert.equal(qpdfCheck(second).ok, true);
  });

  test('a document without DSS yields an empty store; a bad VRI key is refused', async () => {
    assert.deepEqual(await extractDss(classicPdf(1)), {
      certificates: [],
      crls: [],
      ocspResponses: [],
      vri: [],
    });
    await assert.rejects(appendDocumentSecurityStore(classicPdf(1), { vri: [{ signature: 'not-hex' }] }), {
      code: 'SHOMEI_PDF_FIELD_INVALID',
    });
  });
});
