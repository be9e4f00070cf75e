import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signPdf } from '../../src/ades/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { openTestShomei } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import { writeSamplePdf } from './sample-pdf.ts';
import { makeTestPki, type TestIdentity, type TestPki } from './test-pki.ts';
import { opensslCmsVerify, pdfsig, qpdfCheck, signedRangeFiles, trustingNssDb } from './validators.ts';

let shomei: Awaited<ReturnType<typeof openTestShomei>>;
let pki: TestPki;
let signer: TestIdentity;
let nssDb: string;
let input: string;

before(async () => {
  shomei = await openTestShomei();
  pki = await makeTestPki(shomei, shomei.home);
  signer = await pki.newSigner('RSA-2048', '署名 太郎 signer');
  nssDb = trustingNssDb(path.join(shomei.home, 'nss'), pki.rootPemPath);
  input = path.join(shomei.home, 'in.pdf');
  writeSamplePdf(input, { pages: 2 });
});
after(async () => shomei.close());

describe('PAdES B-B', () => {
  it('pdfsig, qpdf and openssl cms accept a B-B signature', async () => {
    const output = path.join(shomei.home, 'bb.pdf');
    const result = await signPdf({
      input,
      output,
      signer: signer.signer,
      certificateChain: [signer.certificate, pki.root.certificate],
      level: 'B-B',
      reason: '契約に同意します',
      location: '東京',
    });
    assert.equal(result.level, 'B-B');
    const report = pdfsig(output, nssDb);
    assert.equal(report.signatures.length, 1, report.raw);
    assert.ok(report.signatures[0]!.valid, report.raw);
    assert.ok(report.signatures[0]!.trusted, report.raw);
    assert.match(report.raw, /ETSI\.CAdES\.detached/);
    assert.equal(qpdfCheck(output).status, 0, qpdfCheck(output).output);
    const files = await signedRangeFiles(output, 0, shomei.home);
    const verified = opensslCmsVerify(files.cms, files.content, pki.rootPemPath);
    assert.equal(verified.status, 0, verified.output);
    // The original bytes are untouched: the signed file starts with the input.
    const original = readFileSync(input);
    assert.ok(readFileSync(output).subarray(0, original.length).equals(original));
  });

  it('a changed byte inside the signed range makes the signature invalid', async () => {
    const output = path.join(shomei.home, 'tampered.pdf');
    await signPdf({
      input,
      output,
      signer: signer.signer,
      certificateChain: [signer.certificate, pki.root.certificate],
      level: 'B-B',
    });
    const bytes = readFileSync(output);
    const at = bytes.indexOf('shomei sample page 1');
    bytes[at] = 'S'.charCodeAt(0);
    writeFileSync(output, bytes);
    const report = pdfsig(output, nssDb);
    assert.ok(!report.signatures[0]!.valid, report.raw);
    const files = await signedRangeFiles(output, 0, shomei.home);
    assert.notEqual(opensslCmsVerify(files.cms, files.content, pki.rootPemPath).status, 0);
  });

  it('certification signature (DocMDP P=2) on an EC key signs and verifies', async () => {
    const ec = await pki.newSigner('EC-P256', 'ec signer');
    const output = path.join(shomei.home, 'certified.pdf');
    await signPdf({
      input,
      output,
      signer: ec.signer,
      certificateChain: [ec.certificate, pki.root.certificate],
      level: 'B-B',
      docMdp: 2,
    });
    const report = pdfsig(output, nssDb);
    assert.ok(report.signatures[0]!.valid, report.raw);
    assert.equal(qpdfCheck(output).status, 0);
    const text = readFileSync(output, 'latin1');
    assert.match(text, /\/DocMDP/);
    assert.match(text, /\/P 2/);
  });

  it('refuses DocMDP P=1 with B-LTA before writing anything', async () => {
    const output = path.join(shomei.home, 'p1.pdf');
    await assert.rejects(
      signPdf({
        input,
        output,
        signer: signer.signer,
        certificateChain: [signer.certificate, pki.root.certificate],
        level: 'B-LTA',
        docMdp: 1,
      }),
      (e) => isShomeiError(e) && e.code === 'SHOMEI_ADES_LEVEL_CONFLICT',
    );
    await assert.rejects(
      signPdf({
        input,
        output,
        signer: signer.signer,
        certificateChain: [signer.certificate, pki.root.certificate],
        level: 'B-T',
      }),
      (e) => isShomeiError(e) && e.code === 'SHOMEI_ADES_SERVICE_MISSING',
    );
    assert.equal(existsSync(output), false);
  });

  for (const [name, make] of [
    ['garbage', (file: string) => writeFileSync(file, Buffer.from('this is not a PDF at all'))],
    [
      'truncated',
      (file: string) => {
        const bytes = readFileSync(input);
        writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
      },
    ],
    [
      'encrypted',
      (file: string) => {
        const result = run('qpdf', ['--encrypt', 'user', 'owner', '256', '--', input, file]);
        if (result.status !== 0) throw new Error(result.stderr);
      },
    ],
  ] as const) {
    it(`${name} input gives a typed error and no output file`, async () => {
      const bad = path.join(shomei.home, `${name}.pdf`);
      make(bad);
      const output = path.join(shomei.home, `${name}-out.pdf`);
      await assert.rejects(
        signPdf({
          input: bad,
          output,
          signer: signer.signer,
          certificateChain: [signer.certificate, pki.root.certificate],
          level: 'B-B',
        }),
        (e) => isShomeiError(e) && e.code.startsWith('SHOMEI_PDF_'),
      );
      assert.equal(existsSync(output), false);
      assert.deepEqual(
        readdirSync(shomei.home).filter((f) => f.endsWith('.tmp')),
        [],
      );
    });
  }
});
