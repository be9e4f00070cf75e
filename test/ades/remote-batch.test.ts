/**
 * Remote signing as an SCA does it: two PDFs are prepared, their digests go to the RSSP (CSC API v2)
 * under ONE authorisation (SAD for both hashes, PIN + one-time code), and the returned signature
 * values complete both documents. The signing states travel through JSON in between.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { completePdfSignature, preparePdfSignature } from '../../src/ades/index.ts';
import { toPem } from '../../src/pki/index.ts';
import { authorize, csc, enrolSigner, OID, openRsspFixture, type RsspFixture } from '../rssp/fixture.ts';
import { writeSamplePdf } from './sample-pdf.ts';
import { opensslCmsVerify, qpdfCheck, signedRangeFiles } from './validators.ts';

let f: RsspFixture;

before(async () => {
  f = await openRsspFixture();
});
after(async () => f.close());

describe('PAdES with a remote signer (CSC signHash, one SAD for a batch)', () => {
  it('signs two documents with one authorisation; openssl verifies both', async () => {
    const signer = await enrolSigner(f, 'hanako@example.jp', 'EC-P256', { multisign: 2 });
    const info = await csc(f, 'credentials/info', signer.token, {
      credentialID: signer.credentialId,
      certificates: 'chain',
    });
    assert.equal(info.status, 200, JSON.stringify(info.body));
    const chain = ((info.body.cert as { certificates: string[] }).certificates ?? []).map((c) =>
      Buffer.from(c, 'base64'),
    );
    const dir = f.shomei.home;
    const root = path.join(dir, 'remote-root.pem');
    writeFileSync(root, toPem(chain[chain.length - 1]!, 'CERTIFICATE'));

    const documents = [1, 2].map((n) => {
      const input = path.join(dir, `contract-${n}.pdf`);
      writeSamplePdf(input, { pages: n });
      return {
        input,
        prepared: path.join(dir, `contract-${n}.prepared.pdf`),
        output: path.join(dir, `contract-${n}.signed.pdf`),
      };
    });
    const states: string[] = [];
    const digests: Buffer[] = [];
    for (const document of documents) {
      const prepared = await preparePdfSignature({
        input: document.input,
        preparedPath: document.prepared,
        signerCertificate: chain[0]!,
        certificateChain: chain.slice(1),
        reason: '契約締結',
      });
      states.push(JSON.stringify(prepared.state));
      digests.push(prepared.digestToSign);
    }

    const authorised = await authorize(f, signer, digests);
    assert.equal(authorised.status, 200, JSON.stringify(authorised.body));
    const signed = await csc(f, 'signatures/signHash', signer.token, {
      credentialID: signer.credentialId,
      SAD: authorised.body.SAD,
      hashes: digests.map((d) => d.toString('base64')),
      hashAlgorithmOID: OID.sha256,
      signAlgo: OID.ecdsaSha256,
    });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    const values = (signed.body.signatures as string[]).map((s) => Buffer.from(s, 'base64'));
    assert.equal(values.length, 2);

    for (const [index, document] of documents.entries()) {
      await completePdfSignature({
        state: JSON.parse(states[index]!),
        signatureValue: values[index]!,
        output: document.output,
      });
      assert.equal(qpdfCheck(document.output).status, 0);
      const files = await signedRangeFiles(document.output, 0, dir);
      const verified = opensslCmsVerify(files.cms, files.content, root);
      assert.equal(verified.status, 0, verified.output);
    }
  });
});
