import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listSignatures } from '../../src/pdf/index.ts';
import { makeTestHome, type TestHome } from '../helpers/home.ts';
import { credentialsEnv, makeTeam, type TeamRole, type TestOperator } from '../helpers/operators.ts';
import { run, runShomei } from '../helpers/run.ts';
import { writeSamplePdf } from './sample-pdf.ts';
import { qpdfCheck } from './validators.ts';

let home: TestHome;
let dir: string;
/** The provider's e-seal signs only for an authenticated operator (ADR 019): the operator's session. */
let env: Record<string, string>;
let team: Record<TeamRole, TestOperator>;

before(async () => {
  home = makeTestHome({ SHOMEI_LANG: 'en' });
  dir = home.home;
  const init = runShomei(['init'], home.env);
  assert.equal(init.status, 0, init.stderr);
  team = await makeTeam(home, ['security_officer', 'system_operator', 'system_auditor']);
  env = team.system_operator.env;
  writeSamplePdf(path.join(dir, 'in.pdf'), { pages: 2 });
});
after(() => home.remove());

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

  it('signs with password and one-time code given for the one command; a wrong password signs nothing', async () => {
    // `sign` opens only what the e-seal needs (ADR 043): the TOTP secret is opened by the HSM-sealed
    // identity key there too.
    const credentials = await credentialsEnv(home, team.system_operator);
    const output = path.join(dir, 'credentials.pdf');
    const wrong = runShomei(['sign', path.join(dir, 'in.pdf'), '-o', output, '--level', 'B-B'], {
      ...credentials,
      SHOMEI_OPERATOR_PASSWORD: 'not the password',
    });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/);
    assert.equal(existsSync(output), false);
    const signed = runShomei(['sign', path.join(dir, 'in.pdf'), '-o', output, '--level', 'B-B'], credentials);
    assert.equal(signed.status, 0, signed.stderr);
    assert.match(run('pdfsig', [output]).stdout, /Signature is Valid/);
  });

  it('signs only for an authenticated operator who may use the e-seal, and records who signed', () => {
    const output = path.join(dir, 'door.pdf');
    const anonymous = runShomei(['sign', path.join(dir, 'in.pdf'), '-o', output], {
      ...home.env,
      SHOMEI_OPERATOR_SESSION: path.join(dir, 'no-session'),
    });
    assert.equal(anonymous.status, 1);
    assert.match(anonymous.stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/);
    const auditor = runShomei(['sign', path.join(dir, 'in.pdf'), '-o', output], team.system_auditor.env);
    assert.equal(auditor.status, 1);
    assert.match(auditor.stderr, /SHOMEI_FORBIDDEN/);
    assert.equal(existsSync(output), false);
    const records = runShomei(['audit', 'search', '--type', 'signature.create'], team.system_auditor.env);
    assert.equal(records.status, 0, records.stderr);
    const signed = records.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { actor: { id: string }; details: { format: string } });
    assert.ok(signed.length >= 2);
    assert.ok(signed.every((r) => r.actor.id === team.system_operator.userId));
    const denied = runShomei(['audit', 'search', '--type', 'admin.access.denied'], team.system_auditor.env);
    assert.match(denied.stdout, /seal\.sign/);
  });
});
