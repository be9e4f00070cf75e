import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTestHome, type TestHome } from '../helpers/home.ts';
import { run, runShomei } from '../helpers/run.ts';

let home: TestHome;

before(() => {
  home = makeTestHome();
  const init = runShomei(['init'], home.env);
  assert.equal(init.status, 0, init.stderr);
});

after(() => {
  home.remove();
});

function shomei(args: string[]) {
  return runShomei(args, { ...home.env, SHOMEI_LANG: 'en' });
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

    const key = shomei([
      'keys',
      'generate',
      '--algorithm',
      'EC-P256',
      '--label',
      'cli-signer',
      '--purpose',
      'user-signing',
    ]);
    assert.equal(key.status, 0, key.stderr);
    const keyId = (JSON.parse(key.stdout) as { id: string }).id;
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
    const issued = shomei([
      'ca',
      'issue',
      '--csr',
      csrFile,
      '--profile',
      'signer',
      '--out',
      certFile,
      '--operator',
      'ca-officer',
    ]);
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
    const revoked = shomei(['ca', 'revoke', facts.serialNumber, '--reason', 'cessationOfOperation']);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal((JSON.parse(revoked.stdout) as { status: string }).status, 'revoked');
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
    const profile = shomei(['ca', 'issue', '--csr', '/dev/null', '--profile', 'wizard']);
    assert.notEqual(profile.status, 0);
    assert.match(profile.stderr, /SHOMEI_CLI_USAGE/);
    const garbage = path.join(home.home, 'garbage.csr');
    writeFileSync(garbage, 'garbage');
    const bad = shomei(['ca', 'issue', '--csr', garbage, '--profile', 'signer']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /SHOMEI_PKI_MALFORMED/);
    const reason = shomei(['ca', 'revoke', '0102', '--reason', 'boredom']);
    assert.match(reason.stderr, /SHOMEI_CLI_USAGE/);
    const unknown = shomei(['ca', 'revoke', '0102', '--reason', 'superseded']);
    assert.match(unknown.stderr, /SHOMEI_CA_CERTIFICATE_NOT_FOUND/);
  });
});
