/**
 * RSASSA-PSS signatures from outside tools reach the level they carry (issue #14: a pyHanko PSS B-LT
 * file was labelled B-T). The CMS is `openssl cms -sign -cades -keyopt rsa_padding_mode:pss` with a
 * signature timestamp from `openssl ts` (CAdES-T), spliced into a PDF signature placeholder; the
 * certificates, the TSA's and the CRL are RSASSA-PSS signed too; our LTV path (addValidationData)
 * adds the DSS with VRI. Both signer key types are covered: a plain RSA key signing with PSS
 * padding, and an id-RSASSA-PSS key. pdfsig judges the same files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addValidationData } from '../../src/ades/index.ts';
import { embedSignatureContents, listSignatures, prepareSignatureRevision } from '../../src/pdf/index.ts';
import { validatePdf } from '../../src/validation/index.ts';
import { writeSamplePdf } from '../ades/sample-pdf.ts';
import { run } from '../helpers/run.ts';
import { type PssKeyType, pssCadesT, pssPki } from './pss-signer.ts';

let dir: string;
let input: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'shomei-pss-'));
  input = path.join(dir, 'contract.pdf');
  writeSamplePdf(input);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A PAdES signature by the outside PSS signer, then the DSS added by shomei: the B-LT file. */
async function pssBLt(keyType: PssKeyType): Promise<{ file: string; root: Buffer }> {
  const pki = pssPki(path.join(dir, keyType), keyType);
  const prepared = await prepareSignatureRevision(input, {
    fieldName: `pss-${keyType}`,
    subFilter: 'ETSI.CAdES.detached',
    contentsSize: 16_384,
  });
  const bytes = prepared.bytes!;
  const [a, b, c, d] = prepared.byteRange;
  const cms = pssCadesT(pki, Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]));
  await embedSignatureContents(bytes, prepared.placeholder, cms);
  const signed = path.join(dir, `pss-${keyType}-t.pdf`);
  writeFileSync(signed, bytes);
  const file = path.join(dir, `pss-${keyType}-lt.pdf`);
  await addValidationData({
    input: signed,
    output: file,
    revocationSource: {
      certificates: [pki.rootDer],
      revocationFor: async () => ({ crls: [pki.crl], ocspResponses: [] }),
    },
  });
  return { file, root: pki.rootDer };
}

/** pdfsig's view, recorded: its verdict, the signature type and the hash it names. */
function pdfsigView(file: string): { verdict: string; type: string; hash: string } {
  const result = run('pdfsig', ['-nocert', file]);
  assert.equal(result.status, 0, result.stderr);
  const field = (label: string) => new RegExp(`${label}: (.*)`).exec(result.stdout)?.[1]?.trim() ?? '';
  return {
    verdict: field('Signature Validation'),
    type: field('Signature Type'),
    hash: field('Signing Hash Algorithm'),
  };
}

/**
 * What poppler 22.12 (`pdfsig -nocert`, NSS underneath) says: it verifies PSS padding under an
 * rsaEncryption key but calls the signature of an id-RSASSA-PSS key invalid, which `openssl cms
 * -verify` over the same byte ranges accepts — recorded, so a poppler that changes its mind shows here.
 */
const PDFSIG_VERDICT: Record<PssKeyType, string> = {
  rsaEncryption: 'Signature is Valid.',
  'id-RSASSA-PSS': 'Signature is Invalid.',
};

/** `openssl cms -verify -cades` of the CMS in the final file over its byte ranges, chain to the root. */
async function opensslVerifies(file: string, keyType: PssKeyType): Promise<boolean> {
  const bytes = readFileSync(file);
  const [sig] = await listSignatures(file);
  const [a, b, c, d] = sig!.byteRange as [number, number, number, number];
  const f = (name: string) => path.join(dir, keyType, name);
  writeFileSync(f('final-covered.bin'), Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]));
  writeFileSync(f('final.der'), sig!.cms);
  const result = run('openssl', [
    'cms',
    '-verify',
    '-binary',
    '-cades',
    '-inform',
    'DER',
    '-in',
    f('final.der'),
    '-content',
    f('final-covered.bin'),
    '-CAfile',
    f('root.pem'),
    '-purpose',
    'any',
    '-out',
    f('final-verified.bin'),
  ]);
  return result.status === 0 && /Verification successful/.test(result.stderr);
}

describe('RSASSA-PSS signatures made by OpenSSL, extended to B-LT by shomei', () => {
  for (const keyType of ['rsaEncryption', 'id-RSASSA-PSS'] as const) {
    it(`${keyType} signer key: TOTAL_PASSED at B-LT, the signature timestamp valid; openssl verifies, pdfsig's view recorded`, async () => {
      const { file, root } = await pssBLt(keyType);
      const report = await validatePdf(readFileSync(file), { trustAnchors: [root] });
      const signature = report.signatures[0]!;
      assert.equal(signature.indication, 'TOTAL_PASSED', JSON.stringify(signature.reasons));
      assert.equal(signature.level, 'B-LT', JSON.stringify(signature.warnings));
      assert.equal(signature.format, 'PAdES');
      assert.match(signature.signer!.subject, /PSS 署名者/);
      assert.equal(signature.timestamps[0]?.indication, 'TOTAL_PASSED');
      assert.ok(
        signature.chain.every(
          (c) => c.revocation === 'trust-anchor' || (c.revocation === 'good' && c.revocationSource === 'crl'),
        ),
        JSON.stringify(signature.chain),
      );
      assert.equal(report.indication, 'TOTAL_PASSED');
      assert.equal(await opensslVerifies(file, keyType), true);
      assert.deepEqual(pdfsigView(file), {
        verdict: PDFSIG_VERDICT[keyType],
        type: 'ETSI.CAdES.detached',
        hash: 'SHA-256',
      });
    });
  }
});
