import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTestHome } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import { curl, makeClientPki, type RunningShomei, startExpectingFailure, startShomei } from './helpers.ts';

const home = makeTestHome();
const pkiDir = mkdtempSync(path.join(tmpdir(), 'shomei-tls-pki-'));
const trusted = makeClientPki(pkiDir, 'trusted');
const stranger = makeClientPki(pkiDir, 'stranger');
let server: RunningShomei;
let caRoot: string;

before(async () => {
  server = await startShomei({
    ...home.env,
    SHOMEI_TLS_EMBEDDED: 'true',
    SHOMEI_TLS_DNS_NAMES: 'localhost',
    SHOMEI_TLS_CLIENT_CA: trusted.caCert,
  });
  caRoot = path.join(home.home, 'tls', 'ca-root.pem');
});

after(async () => {
  await server?.stop();
  home.remove();
  rmSync(pkiDir, { recursive: true, force: true });
});

function url(p: string): string[] {
  return ['--resolve', `localhost:${server.port}:127.0.0.1`, `https://localhost:${server.port}${p}`];
}

describe('TLS termination and mutual TLS', () => {
  test('the server speaks HTTPS with a certificate from the embedded CA that curl --cacert accepts', () => {
    assert.match(server.address, /^https:\/\//);
    const ok = curl(['--cacert', caRoot, '--write-out', '\n%{http_code}', ...url('/healthz')]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /"status":"ok"[\s\S]*\n200$/);
    // Without the CA the certificate is not trusted (curl exit 60: peer certificate cannot be authenticated).
    const untrusted = curl(url('/healthz'));
    assert.equal(untrusted.status, 60);
    // The TLS key is a file readable only by the owner, never in the HSM's token directory.
    const mode = run('stat', ['-c', '%a', path.join(home.home, 'secrets', 'tls-server-key.pem')]);
    assert.equal(mode.stdout.trim(), '600');
  });

  test('openssl s_client verifies the chain and sees the client CA the server asks for', () => {
    const result = run(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${server.port}`,
        '-servername',
        'localhost',
        '-CAfile',
        caRoot,
        '-verify_return_error',
        '-brief',
      ],
      { input: 'Q\n' },
    );
    const text = `${result.stdout}${result.stderr}`;
    assert.match(text, /Verification: OK/);
    const full = run('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, '-CAfile', caRoot], {
      input: 'Q\n',
    });
    assert.match(full.stdout, /Acceptable client certificate CA names[\s\S]*trusted client CA/);
  });

  test('web responses carry HSTS, CSP with frame-ancestors, nosniff and Referrer-Policy', () => {
    const headers = curl([
      '--cacert',
      caRoot,
      '--dump-header',
      '-',
      '--output',
      '/dev/null',
      ...url('/api/environment'),
    ]);
    assert.equal(headers.status, 0, headers.stderr);
    const h = headers.stdout.toLowerCase();
    assert.match(h, /strict-transport-security: max-age=31536000; includesubdomains/);
    assert.match(h, /content-security-policy: [^\n]*frame-ancestors 'none'/);
    assert.match(h, /content-security-policy: [^\n]*default-src 'self'/);
    assert.match(h, /content-security-policy: [^\n]*upgrade-insecure-requests/);
    assert.match(h, /x-content-type-options: nosniff/);
    assert.match(h, /referrer-policy: no-referrer/);
  });

  test('the signing API refuses a client without a certificate, or with one from another CA', () => {
    const none = curl(['--cacert', caRoot, '--write-out', '\n%{http_code}', ...url('/csc/v2/info')]);
    assert.equal(none.status, 0, none.stderr);
    assert.match(none.stdout, /access_denied[\s\S]*SHOMEI_CLIENT_CERTIFICATE_REQUIRED[\s\S]*\n403$/);
    const foreign = curl([
      '--cacert',
      caRoot,
      '--cert',
      stranger.cert,
      '--key',
      stranger.key,
      '--write-out',
      '\n%{http_code}',
      ...url('/csc/v2/info'),
    ]);
    assert.match(foreign.stdout, /SHOMEI_CLIENT_CERTIFICATE_REQUIRED[\s\S]*\n403$/);
    const admin = curl(['--cacert', caRoot, '--write-out', '\n%{http_code}', ...url('/api/admin/roles')]);
    assert.match(admin.stdout, /"code":"SHOMEI_CLIENT_CERTIFICATE_REQUIRED"[\s\S]*\n403$/);
  });

  test('a client with a certificate from the configured client CA reaches the signing API', () => {
    const result = curl([
      '--cacert',
      caRoot,
      '--cert',
      trusted.cert,
      '--key',
      trusted.key,
      '--write-out',
      '\n%{http_code}',
      ...url('/csc/v2/info'),
    ]);
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /SHOMEI_CLIENT_CERTIFICATE_REQUIRED/);
    assert.match(result.stdout, /\n200$/);
    // Routes that do not need a client certificate stay open without one.
    assert.match(
      curl(['--cacert', caRoot, '--write-out', '\n%{http_code}', ...url('/healthz')]).stdout,
      /\n200$/,
    );
  });

  test('production refuses to start without TLS, before creating anything', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'shomei-prod-notls-'));
    try {
      const result = await startExpectingFailure({
        SHOMEI_HOME: empty,
        SHOMEI_LOG_LEVEL: 'silent',
        SHOMEI_ENV: 'production',
        SHOMEI_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        SHOMEI_SMTP_URL: 'smtp://127.0.0.1:2525',
      });
      assert.equal(result.code, 1);
      assert.match(result.output, /SHOMEI_TLS_REQUIRED/);
      assert.deepEqual(readdirSync(empty), []);
      assert.ok(!existsSync(path.join(empty, 'tokens')));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('a certificate setting without its key is a configuration error naming the setting', async () => {
    const result = await startExpectingFailure({ ...home.env, SHOMEI_TLS_CERT: '/nonexistent.pem' });
    assert.equal(result.code, 1);
    assert.match(result.output, /SHOMEI_CONFIG_INVALID[^\n]*SHOMEI_TLS_KEY/);
  });
});
