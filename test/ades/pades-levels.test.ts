import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  addDocumentTimestamp,
  addValidationData,
  completePdfSignature,
  parseSignedData,
  preparePdfSignature,
  type SignatureLevel,
  signPdf,
} from '../../src/ades/index.ts';
import { extractDss, listSignatures } from '../../src/pdf/index.ts';
import type { openTestShomei } from '../helpers/home.ts';
import { type EmbeddedFixture, embeddedFixture } from './embedded.ts';
import { writeSamplePdf } from './sample-pdf.ts';
import { makeTestPki } from './test-pki.ts';
import { signatureTimestampToken } from './tokens.ts';
import { opensslCmsVerify, opensslTsVerify, pdfsig, qpdfCheck, signedRangeFiles } from './validators.ts';

let shomei: Awaited<ReturnType<typeof openTestShomei>>;
let embedded: EmbeddedFixture;
let input: string;

before(async () => {
  embedded = await embeddedFixture();
  shomei = embedded.shomei;
  input = path.join(shomei.home, 'contract.pdf');
  writeSamplePdf(input, { pages: 3 });
});
after(async () => embedded.close());

function sign(level: SignatureLevel, source: string, output: string, extra: { reason?: string } = {}) {
  return signPdf({
    input: source,
    output,
    signer: embedded.signer,
    certificateChain: embedded.certificateChain,
    level,
    tsa: embedded.tsa,
    revocationSource: embedded.revocationSource,
    ...extra,
  });
}

function checkSignatureTimestamp(cms: Buffer, name: string): void {
  const token = signatureTimestampToken(cms);
  assert.ok(token, 'the signature carries a signature-time-stamp');
  const tokenPath = path.join(shomei.home, `${name}.tst`);
  writeFileSync(tokenPath, token.token);
  const digest = createHash('sha256').update(token.signatureValue).digest('hex');
  const verified = opensslTsVerify(tokenPath, { digest }, embedded.rootPemPath, embedded.tsaChainPemPath);
  assert.equal(verified.status, 0, verified.output);
}

describe('PAdES levels with the embedded CA and TSA', () => {
  for (const level of ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const) {
    it(`${level}: pdfsig says valid, qpdf passes, openssl cms verifies the byte ranges and the chain`, async () => {
      const output = path.join(shomei.home, `${level}.pdf`);
      await sign(level, input, output, { reason: '承認' });
      const report = pdfsig(output, embedded.nssDb);
      assert.ok(report.signatures[0]?.valid, report.raw);
      // pdfsig 22.12 cannot judge chains whose certificates name an OCSP responder (it has no HTTP
      // client and then reports "Unknown issue"): the chain is judged by openssl cms -CAfile below.
      assert.doesNotMatch(report.raw, /isn't Trusted|Revoked|Expired/);
      const check = qpdfCheck(output);
      assert.equal(check.status, 0, check.output);
      const files = await signedRangeFiles(output, 0, shomei.home);
      const verified = opensslCmsVerify(files.cms, files.content, embedded.rootPemPath);
      assert.equal(verified.status, 0, verified.output);
      const signatures = await listSignatures(output);
      if (level !== 'B-B') checkSignatureTimestamp(files.cmsBytes, level);
      else assert.equal(signatureTimestampToken(files.cmsBytes), undefined);
      if (level === 'B-LT' || level === 'B-LTA') {
        const dss = await extractDss(output);
        assert.ok(dss.certificates.length >= 3, 'signer chain and TSA certificate in the DSS');
        assert.ok(dss.ocspResponses.length >= 1, 'an OCSP response for the e-seal certificate');
        assert.ok(dss.crls.length >= 1, 'CRLs for the CA certificates');
        const vriKey = createHash('sha1').update(files.cmsBytes).digest('hex').toUpperCase();
        assert.ok(
          dss.vri.some((v) => v.key === vriKey),
          'a VRI entry for the signature',
        );
        const tsaCertificate = embedded.tsaCertificates[0]!;
        assert.ok(
          dss.certificates.some((c) => Buffer.from(c).equals(tsaCertificate)),
          'TSA certificate in the DSS',
        );
      }
      if (level === 'B-LTA') {
        assert.equal(signatures.length, 2);
        const docTs = await signedRangeFiles(output, 1, shomei.home);
        assert.equal(docTs.subFilter, 'ETSI.RFC3161');
        const tokenPath = path.join(shomei.home, 'doc-ts.tst');
        writeFileSync(tokenPath, docTs.cmsBytes);
        const tsVerified = opensslTsVerify(
          tokenPath,
          { data: docTs.content },
          embedded.rootPemPath,
          embedded.tsaChainPemPath,
        );
        assert.equal(tsVerified.status, 0, tsVerified.output);
        // The document timestamp covers the revision with the DSS.
        const dssOffset = readFileSync(output).lastIndexOf('/DSS');
        assert.ok(dssOffset > 0 && dssOffset < docTs.contentLength);
      } else {
        assert.equal(signatures.length, 1);
      }
    });
  }

  it('two signers in sequence (B-LT then B-LTA): both signatures stay valid', async () => {
    const first = path.join(shomei.home, 'first.pdf');
    const second = path.join(shomei.home, 'second.pdf');
    await sign('B-LT', input, first);
    await sign('B-LTA', first, second);
    const report = pdfsig(second, embedded.nssDb);
    assert.ok(report.signatures[0]?.valid, report.raw);
    const signatures = await listSignatures(second);
    assert.equal(signatures.length, 3);
    for (const index of [0, 1]) {
      const files = await signedRangeFiles(second, index, shomei.home);
      const verified = opensslCmsVerify(files.cms, files.content, embedded.rootPemPath);
      assert.equal(verified.status, 0, `signature #${index + 1}: ${verified.output}`);
    }
    assert.equal(qpdfCheck(second).status, 0);
  });

  it('B-LTA on a PDF already signed under a foreign CA covers only our signature and keeps both valid', async () => {
    const foreign = await makeTestPki(shomei, shomei.home);
    const party = await foreign.newSigner('EC-P256', 'other company signer');
    const first = path.join(shomei.home, 'foreign-first.pdf');
    const second = path.join(shomei.home, 'foreign-second.pdf');
    await signPdf({
      input,
      output: first,
      signer: party.signer,
      certificateChain: [party.certificate, foreign.root.certificate],
      level: 'B-B',
    });
    await sign('B-LTA', first, second);
    const foreignFiles = await signedRangeFiles(second, 0, shomei.home);
    const foreignVerified = opensslCmsVerify(foreignFiles.cms, foreignFiles.content, foreign.rootPemPath);
    assert.equal(foreignVerified.status, 0, foreignVerified.output);
    const ours = await signedRangeFiles(second, 1, shomei.home);
    const verified = opensslCmsVerify(ours.cms, ours.content, embedded.rootPemPath);
    assert.equal(verified.status, 0, verified.output);
    const dss = await extractDss(second);
    const vriKey = (cms: Buffer) => createHash('sha1').update(cms).digest('hex').toUpperCase();
    assert.ok(dss.vri.some((v) => v.key === vriKey(ours.cmsBytes)));
    assert.ok(!dss.vri.some((v) => v.key === vriKey(foreignFiles.cmsBytes)));
    assert.equal(qpdfCheck(second).status, 0);
  });

  it('archive renewal of a B-LTA PDF: validation data for the document timestamp, then a new one', async () => {
    const lta = path.join(shomei.home, 'renew-lta.pdf');
    await sign('B-LTA', input, lta);
    const withData = path.join(shomei.home, 'renew-dss.pdf');
    await addValidationData({ input: lta, output: withData, revocationSource: embedded.revocationSource });
    const renewed = path.join(shomei.home, 'renewed.pdf');
    await addDocumentTimestamp({ input: withData, output: renewed, tsa: embedded.tsa });
    const signatures = await listSignatures(renewed);
    assert.deepEqual(
      signatures.map((s) => s.subFilter),
      ['ETSI.CAdES.detached', 'ETSI.RFC3161', 'ETSI.RFC3161'],
    );
    const dss = await extractDss(renewed);
    const firstTimestamp = await signedRangeFiles(renewed, 1, shomei.home);
    const vriKey = createHash('sha1').update(firstTimestamp.cmsBytes).digest('hex').toUpperCase();
    assert.ok(
      dss.vri.some((v) => v.key === vriKey),
      'a VRI entry for the first document timestamp',
    );
    for (const index of [1, 2]) {
      const files = await signedRangeFiles(renewed, index, shomei.home);
      const tokenPath = path.join(shomei.home, `renew-${index}.tst`);
      writeFileSync(tokenPath, files.cmsBytes);
      const verified = opensslTsVerify(
        tokenPath,
        { data: files.content },
        embedded.rootPemPath,
        embedded.tsaChainPemPath,
      );
      assert.equal(verified.status, 0, verified.output);
    }
    const signature = await signedRangeFiles(renewed, 0, shomei.home);
    assert.equal(opensslCmsVerify(signature.cms, signature.content, embedded.rootPemPath).status, 0);
    assert.equal(qpdfCheck(renewed).status, 0);
  });

  it('staged signing: the state survives JSON, the digest is signed elsewhere, then LT and LTA are added', async () => {
    const prepared = await preparePdfSignature({
      input,
      preparedPath: path.join(shomei.home, 'prepared.pdf'),
      signerCertificate: embedded.certificateChain[0]!,
      certificateChain: embedded.certificateChain.slice(1),
      level: 'B-LTA',
      location: '大阪',
    });
    const stored = JSON.stringify(prepared.state);
    const value = await embedded.signer.signDigest(prepared.digestToSign, prepared.digestAlgorithm);
    const signed = path.join(shomei.home, 'staged-bt.pdf');
    await completePdfSignature({
      state: JSON.parse(stored),
      signatureValue: value,
      output: signed,
      tsa: embedded.tsa,
    });
    const lt = path.join(shomei.home, 'staged-lt.pdf');
    await addValidationData({ input: signed, output: lt, revocationSource: embedded.revocationSource });
    const lta = path.join(shomei.home, 'staged-lta.pdf');
    await addDocumentTimestamp({ input: lt, output: lta, tsa: embedded.tsa });
    const report = pdfsig(lta, embedded.nssDb);
    assert.ok(report.signatures[0]?.valid, report.raw);
    assert.equal(qpdfCheck(lta).status, 0);
    const files = await signedRangeFiles(lta, 0, shomei.home);
    assert.equal(parseSignedData(files.cmsBytes).signerInfos.length, 1);
  });

  it('one changed byte in the first revision invalidates both signatures of a two-signer file', async () => {
    const first = path.join(shomei.home, 'first-b.pdf');
    const second = path.join(shomei.home, 'second-b.pdf');
    await sign('B-B', input, first);
    await sign('B-B', first, second);
    const bytes = readFileSync(second);
    const at = bytes.indexOf('sample page 2');
    bytes[at] = 'S'.charCodeAt(0);
    writeFileSync(second, bytes);
    for (const index of [0, 1]) {
      const files = await signedRangeFiles(second, index, shomei.home);
      assert.notEqual(opensslCmsVerify(files.cms, files.content, embedded.rootPemPath).status, 0);
    }
  });
});
