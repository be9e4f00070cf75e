import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTestHome, softHsmEnv, type TestHome } from '../helpers/home.ts';
import { makeTeam, type TeamRole, type TestOperator } from '../helpers/operators.ts';
import { run, runShomei } from '../helpers/run.ts';

let home: TestHome;
let team: Record<TeamRole, TestOperator>;

before(async () => {
  home = makeTestHome();
  const init = runShomei(['init'], home.env);
  assert.equal(init.status, 0, init.stderr);
  team = await makeTeam(home, ['security_officer', 'system_administrator', 'system_operator']);
});

after(() => {
  home.remove();
});

/** As a team member, or (`nobody`) with no operator at all; reads need none. */
function shomei(args: string[], as?: TeamRole | 'nobody') {
  const env =
    as === undefined
      ? home.env
      : as === 'nobody'
        ? { ...home.env, SHOMEI_OPERATOR_SESSION: `${home.home}/none` }
        : team[as].env;
  return runShomei(args, { ...env, SHOMEI_LANG: 'en' });
}

/** A request by one operator, approved by a second; returns the approved request. */
function approved(args: string[], by: TeamRole, approver: TeamRole) {
  const asked = shomei(args, by);
  assert.equal(asked.status, 0, asked.stderr);
  const request = (JSON.parse(asked.stdout) as { request: { id: string; status: string } }).request;
  assert.equal(request.status, 'pending');
  const done = shomei(['admin', 'approve', request.id], approver);
  assert.equal(done.status, 0, done.stderr);
  return JSON.parse(done.stdout) as { status: string; outcome: Record<string, unknown> };
}

function tokenKeyIds(): string {
  return run(
    'pkcs11-tool',
    [
      '--module',
      home.config.pkcs11.modulePath,
      '--token-label',
      home.config.pkcs11.tokenLabel,
      '--list-objects',
      '--type',
      'privkey',
      '--login',
      '--pin',
      (JSON.parse(readFileSync(home.config.pkcs11.pinFile, 'utf8')) as { userPin: string }).userPin,
    ],
    { env: softHsmEnv(home.home) },
  ).stdout;
}

describe('shomei ca (operator CLI)', () => {
  test('ca root prints the development root certificate; issue, list, revoke and crl work from the command line', () => {
    const root = shomei(['ca', 'root']);
    assert.equal(root.status, 0, root.stderr);
    assert.match(root.stdout, /^-----BEGIN CERTIFICATE-----/);
    const rootFile = path.join(home.home, 'root.pem');
    writeFileSync(rootFile, root.stdout);
    const subject = run('openssl', ['x509', '-in', rootFile, '-noout', '-subject']);
    assert.match(subject.stdout, /shomei Development Root CA \(TEST\)/);
    const chainFile = path.join(home.home, 'chain.pem');
    assert.equal(shomei(['ca', 'chain', '--out', chainFile]).status, 0);

    const key = approved(
      ['keys', 'generate', '--algorithm', 'EC-P256', '--label', 'cli-signer', '--purpose', 'user-signing'],
      'system_administrator',
      'security_officer',
    );
    const keyId = key.outcome.keyId as string;
    assert.match(tokenKeyIds(), /label:\s+cli-signer/);
    const csrFile = path.join(home.home, 'signer.csr');
    const csr = shomei([
      'ca',
      'external',
      'csr',
      '--key',
      keyId,
      '--subject',
      '/C=JP/O=株式会社サンプル/CN=山田 太郎',
      '--out',
      csrFile,
    ]);
    assert.equal(csr.status, 0, csr.stderr);
    assert.equal(run('openssl', ['req', '-in', csrFile, '-verify', '-noout']).status, 0);

    const certFile = path.join(home.home, 'signer.pem');
    const issued = shomei(
      ['ca', 'issue', '--csr', csrFile, '--profile', 'signer', '--out', certFile],
      'system_administrator',
    );
    assert.equal(issued.status, 0, issued.stderr);
    const facts = JSON.parse(issued.stdout) as { serialNumber: string; subject: string };
    assert.equal(facts.subject, 'CN=山田 太郎,O=株式会社サンプル,C=JP');
    const verified = run('openssl', ['verify', '-CAfile', rootFile, '-untrusted', chainFile, certFile]);
    assert.equal(verified.status, 0, verified.stderr);

    const listed = JSON.parse(shomei(['ca', 'list', '--profile', 'signer']).stdout) as {
      certificates: { serialNumber: string }[];
    };
    assert.deepEqual(
      listed.certificates.map((c) => c.serialNumber),
      [facts.serialNumber],
    );
    // Revocation is dual-controlled, and the subscriber's key does not outlive its certificate.
    const revoked = approved(
      ['ca', 'revoke', facts.serialNumber, '--reason', 'cessationOfOperation'],
      'system_operator',
      'security_officer',
    );
    assert.deepEqual([revoked.outcome.status, revoked.outcome.keyDestroyed], ['revoked', true]);
    assert.doesNotMatch(tokenKeyIds(), /label:\s+cli-signer/);
    const crl = shomei(['ca', 'crl']);
    assert.match(crl.stdout, /BEGIN X509 CRL/);
    const crlFile = path.join(home.home, 'issuing.crl.pem');
    writeFileSync(crlFile, crl.stdout);
    const crlText = run('openssl', ['crl', '-in', crlFile, '-CAfile', chainFile, '-noout', '-text']);
    assert.match(crlText.stderr + crlText.stdout, /verify OK/);
    assert.match(crlText.stdout, /Cessation Of Operation/);
    assert.ok(readFileSync(certFile, 'utf8').startsWith('-----BEGIN CERTIFICATE-----'));
  });

  test('bad options and bad input end with a stable error code and a failing exit status', () => {
    const profile = shomei(
      ['ca', 'issue', '--csr', '/dev/null', '--profile', 'wizard'],
      'system_administrator',
    );
    assert.notEqual(profile.status, 0);
    assert.match(profile.stderr, /SHOMEI_CLI_USAGE/);
    const garbage = path.join(home.home, 'garbage.csr');
    writeFileSync(garbage, 'garbage');
    const bad = shomei(['ca', 'issue', '--csr', garbage, '--profile', 'signer'], 'system_administrator');
    // Issuing is the administrator's: an operator is refused, an unauthenticated caller too.
    assert.match(
      shomei(['ca', 'issue', '--csr', garbage, '--profile', 'signer'], 'system_operator').stderr,
      /SHOMEI_FORBIDDEN/,
    );
    assert.match(
      shomei(['ca', 'issue', '--csr', garbage, '--profile', 'signer'], 'nobody').stderr,
      /SHOMEI_OPERATOR_UNAUTHENTICATED/,
    );
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /SHOMEI_PKI_MALFORMED/);
    const reason = shomei(['ca', 'revoke', '0102', '--reason', 'boredom'], 'system_operator');
    assert.match(reason.stderr, /SHOMEI_CLI_USAGE/);
    const unknown = shomei(['ca', 'revoke', '0102', '--reason', 'superseded'], 'system_operator');
    assert.match(unknown.stderr, /SHOMEI_CA_CERTIFICATE_NOT_FOUND/);
  });
});
