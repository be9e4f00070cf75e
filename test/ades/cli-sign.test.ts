import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listSignatures } from '../../src/pdf/index.ts';
import { run, runShomei } from '../helpers/run.ts';
import { writeSamplePdf } from './sample-pdf.ts';
import { qpdfCheck } from './validators.ts';

let dir: string;
let env: Record<string, string>;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'shomei-sign-cli-'));
  env = { SHOMEI_HOME: path.join(dir, 'home'), SHOMEI_LOG_LEVEL: 'silent', SHOMEI_LANG: 'en' };
  const init = runShomei(['init'], env);
  assert.equal(init.status, 0, init.stderr);
  writeSamplePdf(path.join(dir, 'in.pdf'), { pages: 2 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('shomei sign', () => {
  it('signs a PDF at B-LTA with a visible seal on page 2 (exit 0)', async () => {
    const output = path.join(dir, 'out.pdf');
    const result = runShomei(
      [
        'sign',
        path.join(dir, 'in.pdf'),
        '-o',
        output,
        '--stamp',
        '--page',
        '2',
        '--rect',
        '50,50,200,80',
        '--name',
        '山田 太郎',
        '--reason',
        '合意',
      ],
      env,
    );
    assert.equal(result.status, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as {
      level: string;
      jisLevel: { ja: string };
      inputSha256: string;
      timestampTime: string;
      signer: string;
    };
    assert.equal(printed.level, 'B-LTA');
    assert.equal(
      printed.inputSha256,
      createHash('sha256')
        .update(readFileSync(path.join(dir, 'in.pdf')))
        .digest('hex'),
    );
    assert.ok(Math.abs(Date.parse(printed.timestampTime) - Date.now()) < 10 * 60_000, 'timestamp time shown');
    assert.match(printed.signer, /e-seal/);
    assert.match(printed.jisLevel.ja, /ES-A/);
    const signatures = await listSignatures(output);
    assert.deepEqual(
      signatures.map((s) => s.subFilter),
      ['ETSI.CAdES.detached', 'ETSI.RFC3161'],
    );
    assert.equal(signatures[0]!.reason, '合意');
    assert.equal(qpdfCheck(output).status, 0);
    const pdfsig = run('pdfsig', [output]);
    assert.match(pdfsig.stdout, /Signature is Valid/);
  });

  it('makes a detached CAdES signature for any file (exit 0)', () => {
    const file = path.join(dir, 'data.csv');
    writeFileSync(file, '品目,数量\nりんご,3\n');
    const output = path.join(dir, 'data.csv.p7s');
    const result = runShomei(['sign', file, '--cades', '-o', output, '--level', 'B-LT'], env);
    assert.equal(result.status, 0, result.stderr);
    const verified = run('openssl', [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      output,
      '-content',
      file,
      '-noverify',
      '-out',
      '/dev/null',
    ]);
    assert.equal(verified.status, 0, verified.stderr);
  });

  it('unusable input exits 2 with the typed error and writes nothing', () => {
    const bad = path.join(dir, 'bad.pdf');
    writeFileSync(bad, 'not a pdf');
    const output = path.join(dir, 'bad-out.pdf');
    const result = runShomei(['sign', bad, '-o', output], env);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /SHOMEI_PDF_MALFORMED/);
    assert.equal(existsSync(output), false);
    const level = runShomei(['sign', path.join(dir, 'in.pdf'), '-o', output, '--level', 'B-Z'], env);
    assert.equal(level.status, 2);
    assert.match(level.stderr, /SHOMEI_ADES_LEVEL_INVALID/);
    assert.equal(existsSync(output), false);
  });
});
