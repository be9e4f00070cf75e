/**
 * PAdES validation on documents signed with HSM keys by our signer and the embedded CA and TSA:
 * each level, tampering, revocation before and after a timestamp, expiry, an untrusted root, a
 * broken timestamp imprint and missing revocation data. Every case checks the indication, the
 * sub-indication and that the reason names the certificate, date or revision concerned.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as asn1js from 'asn1js';
import { encodeSignedData, parseSignedData } from '../../src/ades/index.ts';
import { listSignatures } from '../../src/pdf/index.ts';
import { certificateFacts, parseCertificate } from '../../src/pki/index.ts';
import { validatePdf } from '../../src/validation/index.ts';
import { run } from '../helpers/run.ts';
import { appendContentChange, type Corpus, only, openCorpus, reasonText, replaceContents } from './corpus.ts';

let corpus: Corpus;
before(async () => {
  corpus = await openCorpus();
});
after(async () => corpus.close());

const anchors = () => ({ trustAnchors: [corpus.root] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PAdES signatures by our signer', () => {
  it('is TOTAL_PASSED at each level and reports the level, signer, times and coverage', async () => {
    const expected = { 'B-B': 'B-B', 'B-T': 'B-T', 'B-LT': 'B-LT', 'B-LTA': 'B-LTA' } as const;
    for (const level of ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const) {
      const file = await corpus.sign(level);
      // B-B and B-T carry no revocation data: they pass only when online checking is allowed.
      const online = level === 'B-B' || level === 'B-T';
      const report = await validatePdf(readFileSync(file), { ...anchors(), online, fetcher: corpus.fetcher });
      const signature = only(report);
      assert.equal(signature.indication, 'TOTAL_PASSED', `${level}: ${JSON.stringify(signature.reasons)}`);
      assert.equal(signature.subIndication, undefined);
      assert.equal(signature.level, expected[level]);
      assert.equal(signature.reasons.length, 0);
      assert.match(signature.signer!.subject, /e-seal/);
      assert.equal(signature.chain.length, 3);
      assert.equal(signature.coverage?.coversRevision, true);
      assert.ok(signature.claimedSigningTime);
      if (level === 'B-B') assert.equal(signature.timestamps.length, 0);
      else assert.equal(signature.timestamps[0]?.indication, 'TOTAL_PASSED');
      if (level === 'B-LTA') {
        const ts = only(report, 'document-timestamp');
        assert.equal(ts.indication, 'TOTAL_PASSED');
        assert.equal(report.signatures.length, 2);
        assert.equal(signature.coverage?.coversWholeFile, false);
        assert.equal(signature.modifications?.level, 'LTA_UPDATES');
      }
      // B-LT and B-LTA add the DSS (and the document timestamp) in later revisions.
      assert.equal(signature.coverage?.coversWholeFile, online);
      if (level === 'B-LT') assert.equal(signature.modifications?.level, 'LTA_UPDATES');
      assert.equal(report.indication, 'TOTAL_PASSED');
    }
  });

  it('a changed byte inside the signed range: TOTAL_FAILED / HASH_FAILURE naming the signer', async () => {
    const file = await corpus.sign('B-LT');
    const bytes = readFileSync(file);
    const at = bytes.indexOf('sample page 1');
    bytes[at] = 'S'.charCodeAt(0);
    const signature = only(await validatePdf(bytes, anchors()));
    assert.equal(signature.indication, 'TOTAL_FAILED');
    assert.equal(signature.subIndication, 'HASH_FAILURE');
    const text = reasonText(signature);
    assert.match(text.en, /message-digest/);
    assert.match(text.en, /e-seal \(TEST\)/);
    assert.match(text.ja, /改変/);
  });

  it('page content replaced in a later incremental update: INDETERMINATE / SIG_CONSTRAINTS_FAILURE naming the revision and the page content, never HASH_FAILURE', async () => {
    const file = await corpus.sign('B-LT');
    const changed = corpus.file('content-changed.pdf');
    appendContentChange(file, changed);
    const report = await validatePdf(readFileSync(changed), anchors());
    const signature = only(report);
    const revision = report.document.revisions! - 1;
    assert.equal(signature.indication, 'INDETERMINATE');
    assert.equal(signature.subIndication, 'SIG_CONSTRAINTS_FAILURE');
    assert.equal(signature.reasons[0]?.code, 'MODIFIED_AFTER_SIGNING');
    assert.match(reasonText(signature).en, /page content \(content stream or resources\)/);
    assert.match(reasonText(signature).ja, /ページの内容/);
    assert.equal(signature.reasons[0]?.subject?.revision, revision);
    assert.match(reasonText(signature).en, new RegExp(`Revision ${revision}`));
    assert.match(reasonText(signature).ja, new RegExp(`改訂 ${revision}`));
    assert.equal(signature.modifications?.level, 'OTHER');
    // The signed bytes themselves are intact: the failure comes from the analysis, not the digest.
    assert.equal(signature.coverage?.coversRevision, true);
  });

  it('a second signature and DSS after the first are permitted changes', async () => {
    const first = await corpus.sign('B-LT');
    const second = await corpus.sign('B-LTA', { source: first });
    const report = await validatePdf(readFileSync(second), anchors());
    assert.equal(report.signatures.length, 3);
    for (const s of report.signatures) assert.equal(s.indication, 'TOTAL_PASSED', JSON.stringify(s.reasons));
    const s1 = report.signatures[0]!;
    assert.equal(s1.modifications?.level, 'FORM_FILLING');
    assert.ok(s1.modifications?.changes.every((c) => c.allowed));
    assert.equal(s1.level, 'B-LTA');
  });

  it('a signer certificate revoked before signing: TOTAL_FAILED / REVOKED naming the certificate and date', async () => {
    const identity = await corpus.newSigner('revoked-before');
    const revoked = await corpus.embedded.ca.revoke(identity.serial, 'keyCompromise');
    await sleep(1100);
    const file = await corpus.sign('B-B', { signer: identity });
    const signature = only(
      await validatePdf(readFileSync(file), { ...anchors(), online: true, fetcher: corpus.fetcher }),
    );
    assert.equal(signature.indication, 'TOTAL_FAILED');
    assert.equal(signature.subIndication, 'REVOKED');
    const revokedAt = revoked.revokedAt!.toISOString().replace(/\.\d{3}Z$/, 'Z');
    assert.equal(signature.reasons[0]?.subject?.date, revokedAt);
    assert.match(reasonText(signature).en, new RegExp(`revoked-before.*${revokedAt}`));
    assert.match(reasonText(signature).ja, /失効/);
    assert.equal(signature.chain[0]?.revocation, 'revoked');
  });

  it('revoked after a B-LTA timestamp: still TOTAL_PASSED; without a timestamp: REVOKED_NO_POE', async () => {
    const identity = await corpus.newSigner('revoked-after');
    const lta = await corpus.sign('B-LTA', { signer: identity });
    const plain = await corpus.sign('B-B', { signer: identity });
    await sleep(1100);
    await corpus.embedded.ca.revoke(identity.serial, 'keyCompromise');
    const kept = only(
      await validatePdf(readFileSync(lta), { ...anchors(), online: true, fetcher: corpus.fetcher }),
    );
    assert.equal(kept.indication, 'TOTAL_PASSED', JSON.stringify(kept.reasons));
    assert.equal(kept.chain[0]?.revocation, 'revoked');
    assert.equal(kept.chain[0]?.revocationOnline, true);
    assert.ok(kept.warnings.some((w) => w.code === 'REVOKED_AFTER_POE' && /revoked-after/.test(w.en)));
    const lost = only(
      await validatePdf(readFileSync(plain), { ...anchors(), online: true, fetcher: corpus.fetcher }),
    );
    assert.equal(lost.indication, 'INDETERMINATE');
    assert.equal(lost.subIndication, 'REVOKED_NO_POE');
    assert.match(reasonText(lost).en, /revoked-after/);
    assert.ok(lost.reasons[0]?.subject?.date);
  });

  it('an expired certificate without a timestamp: INDETERMINATE / OUT_OF_BOUNDS_NO_POE; with B-LTA it passes', async () => {
    const plain = await corpus.sign('B-B');
    const lta = await corpus.sign('B-LTA');
    const notAfter = certificateFacts(parseCertificate(corpus.embedded.certificateChain[0]!)).notAfter;
    const later = new Date(notAfter.getTime() + 24 * 3600_000);
    const signature = only(
      await validatePdf(readFileSync(plain), {
        ...anchors(),
        online: true,
        fetcher: corpus.fetcher,
        validationTime: later,
      }),
    );
    assert.equal(signature.indication, 'INDETERMINATE');
    assert.equal(signature.subIndication, 'OUT_OF_BOUNDS_NO_POE');
    const end = notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z');
    assert.equal(signature.reasons[0]?.subject?.date, end);
    assert.match(reasonText(signature).en, new RegExp(`expired on ${end}`));
    assert.match(reasonText(signature).ja, /有効期間は .* に満了/);
    const kept = only(await validatePdf(readFileSync(lta), { ...anchors(), validationTime: later }));
    assert.equal(kept.indication, 'TOTAL_PASSED', JSON.stringify(kept.reasons));
    assert.ok(new Date(kept.bestSignatureTime) < notAfter);
  });

  it('an untrusted root: INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND naming the missing issuer', async () => {
    const file = await corpus.sign('B-LT');
    const key = corpus.file('other-root.key');
    const cert = corpus.file('other-root.pem');
    const made = run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=Some Other Root',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
    ]);
    assert.equal(made.status, 0, made.stderr);
    const signature = only(
      await validatePdf(readFileSync(file), {
        trustAnchors: [parseCertificate(readFileSync(cert, 'utf8')).der],
      }),
    );
    assert.equal(signature.indication, 'INDETERMINATE');
    assert.equal(signature.subIndication, 'NO_CERTIFICATE_CHAIN_FOUND');
    assert.match(reasonText(signature).en, /shomei Development Root CA \(TEST\)/);
    assert.match(reasonText(signature).ja, /トラストアンカー/);
  });

  it('a signature timestamp over other data: the timestamp fails with HASH_FAILURE and the signature is INDETERMINATE', async () => {
    const file = await corpus.sign('B-T');
    const [info] = await listSignatures(file);
    const parts = parseSignedData(info!.cms);
    const wrongToken = await corpus.embedded.tsa.timestamp(randomBytes(32), 'SHA-256');
    const attribute = new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.9.16.2.14' }),
        new asn1js.Set({ value: [asn1js.fromBER(new Uint8Array(wrongToken)).result] }),
      ],
    });
    const signer = parts.signerInfos[0]!;
    const broken = encodeSignedData({
      ...parts,
      signerInfos: [{ ...signer, unsignedAttributes: [Buffer.from(attribute.toBER())] }],
    });
    await replaceContents(file, 0, broken);
    const signature = only(
      await validatePdf(readFileSync(file), { ...anchors(), online: true, fetcher: corpus.fetcher }),
    );
    assert.equal(signature.timestamps[0]?.indication, 'TOTAL_FAILED');
    assert.equal(signature.timestamps[0]?.subIndication, 'HASH_FAILURE');
    assert.equal(signature.indication, 'INDETERMINATE');
    assert.equal(signature.subIndication, 'SIG_CONSTRAINTS_FAILURE');
    assert.equal(signature.level, 'B-B');
    const genTime = signature.timestamps[0]!.genTime!;
    assert.match(reasonText(signature).en, new RegExp(`message imprint .* of ${genTime}`));
    assert.match(reasonText(signature).ja, /メッセージインプリント/);
  });

  it('a changed byte covered only by the document timestamp: the timestamp fails, the signature stays valid at B-LT', async () => {
    const file = await corpus.sign('B-LTA');
    const bytes = readFileSync(file);
    const at = bytes.lastIndexOf('/Type /DSS');
    assert.ok(at > 0);
    bytes.write('/Type /DSX', at, 'latin1');
    const report = await validatePdf(bytes, anchors());
    const ts = only(report, 'document-timestamp');
    assert.equal(ts.indication, 'TOTAL_FAILED');
    assert.equal(ts.subIndication, 'HASH_FAILURE');
    assert.match(ts.reasons[0]!.en, /document timestamp of \d{4}-\d{2}-\d{2}T/);
    assert.match(ts.reasons[0]!.ja, /文書タイムスタンプ/);
    const signature = only(report);
    assert.equal(signature.indication, 'TOTAL_PASSED', JSON.stringify(signature.reasons));
    assert.equal(signature.level, 'B-LT');
    assert.equal(report.indication, 'TOTAL_FAILED');
  });

  it('no revocation data and no online checking: INDETERMINATE / TRY_LATER naming the certificate', async () => {
    const file = await corpus.sign('B-T');
    const signature = only(await validatePdf(readFileSync(file), anchors()));
    assert.equal(signature.indication, 'INDETERMINATE');
    assert.equal(signature.subIndication, 'TRY_LATER');
    assert.equal(signature.reasons[0]?.code, 'REVOCATION_DATA_MISSING');
    assert.match(reasonText(signature).en, /e-seal \(TEST\)/);
    assert.match(reasonText(signature).ja, /失効情報/);
  });

  it('the report is stable JSON', async () => {
    const file = await corpus.sign('B-LTA');
    const report = await validatePdf(readFileSync(file), { ...anchors(), name: 'contract.pdf' });
    const copy = JSON.parse(JSON.stringify(report));
    assert.deepEqual(copy, report);
    writeFileSync(corpus.file('report.json'), JSON.stringify(report));
    assert.equal(report.schema, 'https://shomei.example/schemas/validation-report/v1');
  });
});
