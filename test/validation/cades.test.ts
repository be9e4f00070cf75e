/**
 * Detached CAdES signatures: ours at each level (HSM key, embedded CA and TSA, archive-time-stamp-v3
 * for B-LTA) and one made by `openssl cms -sign`; changed data and an expired certificate.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type SignatureLevel, signCades } from '../../src/ades/index.ts';
import { certificateFacts, parseCertificate } from '../../src/pki/index.ts';
import { validateCades, validateDocument } from '../../src/validation/index.ts';
import { type Corpus, openCorpus, reasonText } from './corpus.ts';
import { opensslCms, opensslPki } from './independent.ts';

let corpus: Corpus;
let data: string;
before(async () => {
  corpus = await openCorpus();
  data = corpus.file('contract.txt');
  writeFileSync(data, '契約書 本文 — shomei validation test\n'.repeat(100));
});
after(async () => corpus.close());

async function cades(level: SignatureLevel): Promise<Buffer> {
  const output = corpus.file(`signature-${level}.p7s`);
  const { embedded } = corpus;
  await signCades({
    input: data,
    output,
    signer: embedded.signer,
    signerCertificate: embedded.certificateChain[0]!,
    certificateChain: embedded.certificateChain.slice(1),
    level,
    tsa: embedded.tsa,
    revocationSource: embedded.revocationSource,
  });
  return readFileSync(output);
}

describe('CAdES detached signatures', () => {
  it('ours: TOTAL_PASSED at each level with the level reached', async () => {
    for (const level of ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const) {
      const online = level === 'B-B' || level === 'B-T';
      const report = await validateCades(await cades(level), readFileSync(data), {
        trustAnchors: [corpus.root],
        online,
        fetcher: corpus.fetcher,
      });
      const signature = report.signatures[0]!;
      assert.equal(signature.indication, 'TOTAL_PASSED', `${level}: ${JSON.stringify(signature.reasons)}`);
      assert.equal(signature.format, 'CAdES');
      assert.equal(signature.level, level);
      if (level === 'B-LTA') {
        assert.ok(
          signature.timestamps.some((t) => t.kind === 'archive-timestamp' && t.indication === 'TOTAL_PASSED'),
        );
      }
      assert.equal(report.document.type, 'cades');
    }
  });

  it('changed data: TOTAL_FAILED / HASH_FAILURE naming the signer', async () => {
    const signature = await cades('B-LT');
    const changed = Buffer.from(readFileSync(data));
    changed[5] = changed[5]! ^ 1;
    const result = (await validateDocument(signature, changed, { trustAnchors: [corpus.root] }))
      .signatures[0]!;
    assert.equal(result.indication, 'TOTAL_FAILED');
    assert.equal(result.subIndication, 'HASH_FAILURE');
    assert.match(reasonText(result).en, /e-seal \(TEST\)/);
  });

  it('B-LTA after the signer certificate expired: still TOTAL_PASSED; B-B: OUT_OF_BOUNDS_NO_POE', async () => {
    const notAfter = certificateFacts(parseCertificate(corpus.embedded.certificateChain[0]!)).notAfter;
    const later = new Date(notAfter.getTime() + 3600_000);
    const lta = (
      await validateCades(await cades('B-LTA'), readFileSync(data), {
        trustAnchors: [corpus.root],
        validationTime: later,
      })
    ).signatures[0]!;
    assert.equal(lta.indication, 'TOTAL_PASSED', JSON.stringify(lta.reasons));
    const plain = (
      await validateCades(await cades('B-B'), readFileSync(data), {
        trustAnchors: [corpus.root],
        validationTime: later,
        online: true,
        fetcher: corpus.fetcher,
      })
    ).signatures[0]!;
    assert.equal(plain.indication, 'INDETERMINATE');
    assert.equal(plain.subIndication, 'OUT_OF_BOUNDS_NO_POE');
    assert.equal(plain.reasons[0]?.subject?.date, notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  });

  it('openssl cms -sign (independent): passes its integrity checks; without revocation data it is TRY_LATER', async () => {
    const pki = opensslPki(corpus.file('openssl-cades'));
    const bytes = readFileSync(data);
    const signature = opensslCms(pki, bytes, true);
    const root = parseCertificate(readFileSync(pki.rootPem, 'utf8')).der;
    const result = (await validateCades(signature, bytes, { trustAnchors: [root] })).signatures[0]!;
    assert.equal(result.indication, 'INDETERMINATE');
    assert.equal(result.subIndication, 'TRY_LATER');
    assert.match(reasonText(result).en, /Independent Signer/);
    // openssl cms without -cades adds no ESS signing-certificate attribute: not B-B (ETSI EN 319 122-1).
    assert.equal(result.level, 'none');
    assert.ok(result.warnings.some((w) => w.code === 'NO_SIGNING_CERTIFICATE_V2'));
    const untrusted = (await validateCades(signature, bytes, { trustAnchors: [corpus.root] })).signatures[0]!;
    assert.equal(untrusted.subIndication, 'NO_CERTIFICATE_CHAIN_FOUND');
    assert.match(reasonText(untrusted).en, /Independent Test Root/);
  });
});
