/**
 * The remote signature service as `shomei start` assembles it (buildServer): signer certificates from
 * the embedded CA (checked with `openssl verify`), revocation through the CA's status, and
 * signatures/timestamp from the embedded TSA (checked with `openssl ts`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { generate as generateTotp } from 'otplib';
import type { Shomei } from '../../src/app/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import { digestOf, OID, opensslVerify, PIN } from './fixture.ts';

let shomei: Shomei & TestHome;
let app: FastifyInstance;
let dir: string;

before(async () => {
  // A small per-source login budget, so that the test can spend it (D2 below).
  shomei = await openTestShomei({ SHOMEI_LOGIN_SOURCE_FAILURES: '4' });
  app = await buildServer(shomei);
  await app.ready();
  dir = mkdtempSync(path.join(tmpdir(), 'rssp-integration-'));
});
after(async () => {
  await app.close();
  await shomei.close();
  rmSync(dir, { recursive: true, force: true });
});

const pem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;

async function post(url: string, token: string, payload: Record<string, unknown>) {
  const r = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload });
  return { status: r.statusCode, body: r.body === '' ? {} : r.json() };
}

test('a credential certified by the embedded CA signs, and revocation at the CA stops it', async () => {
  const userId = 'user-integration';
  const created = await shomei.rssp.credentials.create({
    userId,
    algorithm: 'EC-P256',
    subject: 'CN=統合 太郎, C=JP',
  });
  const credential = created.credential;
  assert.equal(credential.status, 'active', 'development issues at once');
  await shomei.rssp.credentials.setPin(credential.credential_id, userId, PIN);
  const { secret } = await shomei.rssp.credentials.enrolTotp(credential.credential_id, userId);
  const token = (
    await shomei.rssp.tokens.issue(
      'access',
      { scope: 'service', userId, tenantId: null, clientId: null, credentialId: null, authMethod: 'basic' },
      3600,
    )
  ).token;

  const info = await post('/csc/v2/credentials/info', token, {
    credentialID: credential.credential_id,
    certificates: 'chain',
    certInfo: true,
  });
  assert.equal(info.status, 200);
  const chain = (info.body.cert.certificates as string[]).map((c) => Buffer.from(c, 'base64'));
  assert.equal(chain.length, 3, 'end entity, issuing CA, root');
  writeFileSync(path.join(dir, 'ee.pem'), pem(chain[0]!));
  writeFileSync(path.join(dir, 'issuing.pem'), pem(chain[1]!));
  writeFileSync(path.join(dir, 'root.pem'), pem(chain[2]!));
  const verified = run('openssl', [
    'verify',
    '-CAfile',
    path.join(dir, 'root.pem'),
    '-untrusted',
    path.join(dir, 'issuing.pem'),
    path.join(dir, 'ee.pem'),
  ]);
  assert.equal(verified.status, 0, verified.stderr + verified.stdout);

  const hash = digestOf('embedded CA document');
  const otp = await generateTotp({ secret, epoch: Math.floor(Date.now() / 1000) });
  const auth = await post('/csc/v2/credentials/authorize', token, {
    credentialID: credential.credential_id,
    numSignatures: 1,
    hashes: [hash.toString('base64')],
    hashAlgorithmOID: OID.sha256,
    authData: [
      { id: 'PIN', value: PIN },
      { id: 'OTP', value: otp },
    ],
  });
  assert.equal(auth.status, 200, JSON.stringify(auth.body));
  const signed = await post('/csc/v2/signatures/signHash', token, {
    credentialID: credential.credential_id,
    SAD: auth.body.SAD,
    hashes: [hash.toString('base64')],
    signAlgo: OID.ecdsaSha256,
  });
  assert.equal(signed.status, 200);
  const certKey = run('openssl', ['x509', '-in', path.join(dir, 'ee.pem'), '-pubkey', '-noout']).stdout;
  const spki = Buffer.from(certKey.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  assert.ok(
    opensslVerify(spki, 'embedded CA document', Buffer.from(signed.body.signatures[0], 'base64')),
    'verifies with the certificate’s key',
  );

  await shomei.ca.revoke(credential.cert_serial!, 'keyCompromise');
  const next = await post('/csc/v2/signatures/signHash', token, {
    credentialID: credential.credential_id,
    SAD: 'x'.repeat(43),
    hashes: [hash.toString('base64')],
    signAlgo: OID.ecdsaSha256,
  });
  assert.deepEqual(next.body, {
    error: 'invalid_request',
    error_description: 'Signing certificate is revoked',
  });
});

test('signatures/timestamp returns an RFC 3161 token from the embedded TSA', async () => {
  const info = await app.inject({ method: 'POST', url: '/csc/v2/info', payload: {} });
  assert.ok(info.json().methods.includes('signatures/timestamp'));
  const token = (
    await shomei.rssp.tokens.issue(
      'access',
      {
        scope: 'service',
        userId: 'user-ts',
        tenantId: null,
        clientId: null,
        credentialId: null,
        authMethod: 'basic',
      },
      3600,
    )
  ).token;
  const hash = digestOf('timestamp me');
  const r = await post('/csc/v2/signatures/timestamp', token, {
    hash: hash.toString('base64'),
    hashAlgo: OID.sha256,
    nonce: '0a1b2c3d',
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const file = path.join(dir, 'token.tst');
  writeFileSync(file, Buffer.from(r.body.timestamp, 'base64'));
  const text = run('openssl', ['ts', '-reply', '-in', file, '-token_in', '-text']);
  assert.equal(text.status, 0, text.stderr);
  // The hex dump under "Message data:" carries the imprint: offset, " - ", 16 bytes, then ASCII.
  const imprint = text.stdout
    .split('\n')
    .filter((line) => /^\s+[0-9a-f]{4} - /.test(line))
    .map((line) =>
      line.slice(line.indexOf(' - ') + 3, line.indexOf(' - ') + 3 + 48).replace(/[^0-9a-f]/gi, ''),
    )
    .join('');
  assert.equal(imprint.toLowerCase(), hash.toString('hex'));
  assert.match(text.stdout, /Nonce: 0x0A1B2C3D/i);
  const bad = await post('/csc/v2/signatures/timestamp', token, { hash: 'abc', hashAlgo: OID.sha256 });
  assert.deepEqual(bad.body, {
    error: 'invalid_request',
    error_description: 'Invalid Base64 hash string parameter',
  });
});

test('CSC auth/login and the OAuth authorization page spend the same per-source login budget as the web login (issue #16 D2)', async () => {
  const tenant = await shomei.identity.accounts.createTenant({ slug: 'budget-co', name: '予算 株式会社' });
  const user = await shomei.identity.accounts.createUser({
    tenantId: tenant.id,
    email: 'budget@example.jp',
    displayName: 'budget',
    familyName: '予算',
    givenName: '花子',
  });
  const password = 'correct horse battery staple 予算';
  const { token } = await shomei.identity.applications.issueActivationToken(user.id);
  await shomei.identity.activate(token, password, {});
  const login = (pw: string, remoteAddress: string) =>
    app.inject({
      method: 'POST',
      url: '/csc/v2/auth/login',
      remoteAddress,
      headers: { authorization: `Basic ${Buffer.from(`budget@example.jp:${pw}`).toString('base64')}` },
      payload: {},
    });
  assert.equal((await login(password, '127.0.0.20')).statusCode, 200, 'the right password logs in');
  // Wrong passwords for accounts that do not exist, from one source, through the OAuth page and CSC.
  const client = await shomei.rssp.clients.register(
    { name: 'budget SCA', redirectUris: ['http://127.0.0.1:8999/cb'] },
    'operator-1',
  );
  const page = await app.inject({
    method: 'POST',
    url: '/oauth2/authorize',
    remoteAddress: '127.0.0.21',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: 'http://127.0.0.1:8999/cb',
      scope: 'service',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
      username: 'nobody@example.jp',
      password: 'guess',
    }).toString(),
  });
  assert.equal(page.statusCode, 302);
  assert.match(page.headers.location as string, /error=access_denied/);
  for (let i = 0; i < 3; i++) assert.equal((await login(`guess-${i}`, '127.0.0.21')).statusCode, 400);
  const afterBudget = await login(password, '127.0.0.21');
  assert.equal(afterBudget.statusCode, 400, 'the right password from a source out of budget is refused');
  assert.equal(afterBudget.json().error, 'authentication_error');
  assert.equal((await login(password, '127.0.0.22')).statusCode, 200, 'another source still logs in');
});
