/**
 * Interop both ways on a page whose /Annots is an indirect array (each new widget rewrites that
 * array): shomei signs twice, poppler's `pdfsig -add-signature` and MuPDF's `mutool sign` countersign
 * shomei's signature, and shomei signs again after them. Every earlier shomei signature must stay
 * TOTAL_PASSED with the later revisions reported as signing (FORM_FILLING), and pdfsig — an outside
 * validator — must judge every signature in the same files valid.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listSignatures } from '../../src/pdf/index.ts';
import { parseCertificate } from '../../src/pki/index.ts';
import { type SignatureValidationResult, validatePdf } from '../../src/validation/index.ts';
import { run } from '../helpers/run.ts';
import { appendRaw } from './attacks.ts';
import { type Corpus, openCorpus } from './corpus.ts';
import { type OpensslPki, opensslPki, pdfsigSign } from './independent.ts';

let corpus: Corpus;
let pki: OpensslPki;
let independentRoot: Buffer;
/** The contract with an indirect /Annots array on page 1 and an empty signature field for MuPDF. */
let base: string;

before(async () => {
  corpus = await openCorpus();
  pki = opensslPki(corpus.file('independent'));
  independentRoot = parseCertificate(readFileSync(pki.rootPem, 'utf8')).der;
  const withField = await appendRaw(readFileSync(corpus.input), {
    objects: [
      { number: 1, body: '<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [9 0 R] /SigFlags 3 >> >>' },
      {
        number: 5,
        body: '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 6 0 R /Annots 10 0 R >>',
      },
      {
        number: 9,
        body: '<< /Type /Annot /Subtype /Widget /FT /Sig /T (mupdf) /F 4 /Rect [300 50 500 120] /P 5 0 R >>',
      },
      { number: 10, body: '[9 0 R]' },
    ],
  });
  base = corpus.file('indirect-annots.pdf');
  writeFileSync(base, withField);
});
after(async () => corpus.close());

const validate = async (file: string) =>
  validatePdf(readFileSync(file), { trustAnchors: [corpus.root, independentRoot] });

/** pdfsig's verdict on every signature (certificates not checked: its NSS store does not know our roots). */
function pdfsigVerdicts(file: string): string[] {
  const result = run('pdfsig', ['-nocert', file]);
  assert.equal(result.status, 0, result.stderr);
  return [...result.stdout.matchAll(/Signature Validation: (.*)/g)].map((m) => m[1]!.trim());
}

function mutoolSign(input: string, output: string, fieldObject: number): void {
  const result = run('mutool', [
    'sign',
    '-s',
    path.join(pki.dir, 'signer.p12'),
    '-P',
    '',
    '-o',
    output,
    input,
    String(fieldObject),
  ]);
  assert.equal(result.status, 0, result.stderr);
}

function assertShomeiPassed(signature: SignatureValidationResult, label: string): void {
  assert.equal(signature.indication, 'TOTAL_PASSED', `${label}: ${JSON.stringify(signature.reasons)}`);
  assert.ok(
    signature.modifications?.changes.every((c) => c.allowed),
    label,
  );
  assert.ok(
    signature.modifications?.changes.some((c) => c.level === 'FORM_FILLING'),
    `${label}: the later signature shows as signing`,
  );
}

describe('countersigning with tools nobody here wrote, on a page with an indirect /Annots array', () => {
  it('shomei signs twice: the first signature still passes; pdfsig agrees', async () => {
    const first = await corpus.sign('B-LT', { source: base });
    const second = await corpus.sign('B-LT', { source: first });
    const report = await validate(second);
    const signatures = report.signatures.filter((s) => s.kind === 'signature');
    assert.equal(signatures.length, 2);
    assertShomeiPassed(signatures[0]!, 'first shomei signature');
    assert.equal(signatures[1]!.indication, 'TOTAL_PASSED', JSON.stringify(signatures[1]!.reasons));
    assert.deepEqual(pdfsigVerdicts(second), ['Signature is Valid.', 'Signature is Valid.']);
  });

  it('pdfsig -add-signature after shomei, then shomei again: shomei’s signatures pass, the pdfsig one is not a modification finding', async () => {
    const ours = await corpus.sign('B-LT', { source: base });
    const countersigned = corpus.file('pdfsig-after-shomei.pdf');
    pdfsigSign(pki, ours, countersigned);
    const again = await corpus.sign('B-LT', { source: countersigned });
    const report = await validate(again);
    const signatures = report.signatures.filter((s) => s.kind === 'signature');
    assert.equal(signatures.length, 3);
    assertShomeiPassed(signatures[0]!, 'shomei before pdfsig');
    const poppler = signatures[1]!;
    assert.equal(poppler.format, 'PKCS7');
    // Its integrity holds; only its revocation data is missing (the independent CA publishes none).
    assert.equal(poppler.subIndication, 'TRY_LATER', JSON.stringify(poppler.reasons));
    assert.ok(!poppler.reasons.some((r) => r.code.startsWith('MODIF')), JSON.stringify(poppler.reasons));
    assert.ok(poppler.modifications?.changes.every((c) => c.allowed));
    assert.equal(signatures[2]!.indication, 'TOTAL_PASSED', JSON.stringify(signatures[2]!.reasons));
    assert.deepEqual(pdfsigVerdicts(again), Array(3).fill('Signature is Valid.'));
  });

  it('mutool sign fills the empty field after shomei: shomei’s signature passes; pdfsig judges both valid', async () => {
    const ours = await corpus.sign('B-LT', { source: base });
    const countersigned = corpus.file('mutool-after-shomei.pdf');
    mutoolSign(ours, countersigned, 9);
    const report = await validate(countersigned);
    const signatures = report.signatures.filter((s) => s.kind === 'signature');
    assert.equal(signatures.length, 2);
    const shomei = signatures.find((s) => s.fieldName !== 'mupdf')!;
    assertShomeiPassed(shomei, 'shomei before mutool');
    assert.ok(
      shomei.modifications?.changes.some((c) => c.rule === 'field-signed' || c.rule === 'widget-signed'),
    );
    const mupdf = signatures.find((s) => s.fieldName === 'mupdf')!;
    assert.ok(!mupdf.reasons.some((r) => r.code.startsWith('MODIF')), JSON.stringify(mupdf.reasons));
    // mutool 1.21 signs with SHA-1: a crypto constraint (INDETERMINATE), not a broken signature.
    assert.equal(mupdf.indication, 'INDETERMINATE');
    assert.equal(mupdf.subIndication, 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE');
    assert.match(mupdf.reasons[0]!.en, /SHA-1/);
    assert.deepEqual(pdfsigVerdicts(countersigned), ['Signature is Valid.', 'Signature is Valid.']);
  });

  it('the document timestamp carries the TSA chain: openssl ts -verify succeeds given only the root', async () => {
    const lta = await corpus.sign('B-LTA', { source: base });
    const signatures = await listSignatures(lta);
    const docTs = signatures.find((s) => s.subFilter === 'ETSI.RFC3161')!;
    const [a, b, c, d] = docTs.byteRange as [number, number, number, number];
    const bytes = readFileSync(lta);
    const digest = createHash('sha256')
      .update(bytes.subarray(a, a + b))
      .update(bytes.subarray(c, c + d))
      .digest('hex');
    const token = corpus.file('doc-ts-token.der');
    writeFileSync(token, docTs.cms);
    const rootPem = corpus.file('shomei-root.pem');
    writeFileSync(
      rootPem,
      `-----BEGIN CERTIFICATE-----\n${corpus.root
        .toString('base64')
        .match(/.{1,64}/g)!
        .join('\n')}\n-----END CERTIFICATE-----\n`,
    );
    const verified = run('openssl', [
      'ts',
      '-verify',
      '-token_in',
      '-in',
      token,
      '-digest',
      digest,
      '-CAfile',
      rootPem,
    ]);
    assert.equal(verified.status, 0, verified.stderr + verified.stdout);
    assert.match(verified.stdout, /Verification: OK/);
  });
});
