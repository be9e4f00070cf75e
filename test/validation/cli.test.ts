/** `shomei verify`: exit codes 0/1/2, the JSON report, Japanese and English text, CAdES with --data. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { signCades } from '../../src/ades/index.ts';
import { toPem } from '../../src/pki/index.ts';
import type { ValidationReport } from '../../src/validation/index.ts';
import { objectStreamBomb } from '../helpers/object-stream-bomb.ts';
import { runShomei } from '../helpers/run.ts';
import { type Corpus, openCorpus } from './corpus.ts';

let corpus: Corpus;
let lta: string;
let env: Record<string, string>;
before(async () => {
  corpus = await openCorpus();
  lta = await corpus.sign('B-LTA');
  env = { ...corpus.embedded.shomei.env, SHOMEI_LANG: 'en' };
});
after(async () => corpus.close());

describe('shomei verify', () => {
  it('exit 0 and a JSON report for a valid B-LTA PDF, trusting the installation root by default', () => {
    const result = runShomei(['verify', lta, '--json'], env);
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout) as ValidationReport;
    assert.equal(report.indication, 'TOTAL_PASSED');
    assert.equal(report.signatures[0]?.level, 'B-LTA');
    assert.match(report.policy.trustAnchors[0]!.subject, /Development Root CA/);
  });

  it('exit 1 with the reason in Japanese or English when a signature fails', () => {
    const bytes = readFileSync(lta);
    bytes[bytes.indexOf('sample page 1')] = 0x53;
    const tampered = corpus.file('cli-tampered.pdf');
    writeFileSync(tampered, bytes);
    const ja = runShomei(['verify', tampered, '--lang', 'ja'], env);
    assert.equal(ja.status, 1);
    assert.match(ja.stdout, /TOTAL_FAILED \/ HASH_FAILURE/);
    assert.match(ja.stdout, /改変されています/);
    assert.match(ja.stderr, /SHOMEI_VALIDATION_NOT_PASSED/);
    const en = runShomei(['verify', tampered, '--lang', 'en'], env);
    assert.equal(en.status, 1);
    assert.match(en.stdout, /the data was changed after signing/);
  });

  it('exit 1 with --trust naming another root; exit 2 for unusable input', () => {
    const other = corpus.file('cli-other-root.pem');
    const made = runShomei(['verify', lta, '--trust', other], env);
    assert.equal(made.status, 2, 'a missing trust file is unusable input');
    assert.match(made.stderr, /SHOMEI_VALIDATION_TRUST_STORE_INVALID/);
    writeFileSync(other, toPem(corpus.embedded.tsaCertificates[0]!, 'CERTIFICATE'));
    const untrusted = runShomei(['verify', lta, '--trust', other, '--json'], env);
    assert.equal(untrusted.status, 1);
    assert.equal(
      (JSON.parse(untrusted.stdout) as ValidationReport).signatures[0]?.subIndication,
      'NO_CERTIFICATE_CHAIN_FOUND',
    );
    const garbage = corpus.file('cli-garbage.pdf');
    writeFileSync(garbage, '%PDF-1.7\nnot really\n');
    const bad = runShomei(['verify', garbage], env);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /SHOMEI_PDF_/);
    assert.equal(runShomei(['verify', corpus.file('missing.pdf')], env).status, 2);
  });

  it('exit 2 and the budget error for the object-stream bomb of issue #16 F3, under SHOMEI_PDF_MAX_DECODED_BYTES', () => {
    const bomb = corpus.file('cli-bomb.pdf');
    writeFileSync(bomb, objectStreamBomb({ streams: 6, inflatedBytes: 8 * 1024 * 1024 }));
    const refused = runShomei(['verify', bomb], {
      ...env,
      SHOMEI_PDF_MAX_DECODED_BYTES: String(16 * 1024 * 1024),
    });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /SHOMEI_PDF_BUDGET_EXCEEDED/);
  });

  it('a detached CAdES signature with --data', async () => {
    const data = corpus.file('cli-data.txt');
    writeFileSync(data, 'データ');
    const signature = corpus.file('cli-data.p7s');
    const { embedded } = corpus;
    await signCades({
      input: data,
      output: signature,
      signer: embedded.signer,
      signerCertificate: embedded.certificateChain[0]!,
      certificateChain: embedded.certificateChain.slice(1),
      level: 'B-LT',
      tsa: embedded.tsa,
      revocationSource: embedded.revocationSource,
    });
    const ok = runShomei(['verify', signature, '--data', data, '--json'], env);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as ValidationReport).signatures[0]?.level, 'B-LT');
    const missing = runShomei(['verify', signature], env);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /SHOMEI_VALIDATION_DATA_MISSING/);
  });
});
