/**
 * Secrets never reach logs or the audit trail: a full run (login, wrong and right PIN/OTP, SAD,
 * signHash, OAuth code and tokens, client secret) with debug logging captured, then searched for
 * every secret value that went over the wire.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { createLogger } from '../../src/log/index.ts';
import {
  authorize,
  csc,
  digestOf,
  enrolSigner,
  nextOtp,
  OID,
  openRsspFixture,
  PIN,
  type RsspFixture,
} from './fixture.ts';

let f: RsspFixture;
const lines: string[] = [];

before(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: 'trace', name: 'rssp-secrets-test' }, sink);
  f = await openRsspFixture({ logger: logger as FastifyBaseLogger });
});
after(async () => {
  await f.close();
});

test('PIN, OTP, SAD, tokens, codes and client secrets appear in no log line and no audit event', async () => {
  const secrets: string[] = [PIN, 'pw-nagi-secret'];
  const signer = await enrolSigner(f, 'nagi');
  secrets.push(signer.token, signer.totpSecret);
  const wrongOtp = await nextOtp(f, signer.totpSecret);
  secrets.push(wrongOtp);
  await csc(f, 'credentials/authorize', signer.token, {
    credentialID: signer.credentialId,
    numSignatures: 1,
    hashes: [digestOf('z').toString('base64')],
    hashAlgorithmOID: OID.sha256,
    authData: [
      { id: 'PIN', value: '987654' },
      { id: 'OTP', value: wrongOtp },
    ],
  });
  secrets.push('987654');
  const hash = digestOf('secret test');
  const auth = await authorize(f, signer, [hash]);
  secrets.push(auth.body.SAD as string);
  const signed = await csc(f, 'signatures/signHash', signer.token, {
    credentialID: signer.credentialId,
    SAD: auth.body.SAD,
    hashes: [hash.toString('base64')],
    signAlgo: OID.ecdsaSha256,
  });
  assert.equal(signed.status, 200);
  await csc(f, 'signatures/signHash', signer.token, {
    credentialID: signer.credentialId,
    SAD: auth.body.SAD,
    hashes: [hash.toString('base64')],
    signAlgo: OID.ecdsaSha256,
  });

  const client = await f.rssp.clients.register(
    { name: 'log test', redirectUris: ['http://127.0.0.1:9/cb'] },
    'op',
  );
  secrets.push(client.clientSecret);
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: 'http://127.0.0.1:9/cb',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const approved = await f.app.inject({
    method: 'POST',
    url: '/oauth2/authorize',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `${params}&username=nagi&password=pw-nagi-secret`,
  });
  const code = new URL(approved.headers.location as string).searchParams.get('code')!;
  secrets.push(code, verifier);
  const tokens = await f.app.inject({
    method: 'POST',
    url: '/oauth2/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    },
    payload: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://127.0.0.1:9/cb',
      code_verifier: verifier,
    }).toString(),
  });
  assert.equal(tokens.statusCode, 200);
  secrets.push(tokens.json().access_token, tokens.json().refresh_token);

  const logs = lines.join('');
  assert.ok(logs.length > 0, 'requests were logged');
  const audit = JSON.stringify(f.audit.events);
  for (const secret of secrets) {
    assert.ok(!logs.includes(secret), `a secret reached the logs (${secret.length} chars)`);
    assert.ok(!audit.includes(secret), `a secret reached the audit trail (${secret.length} chars)`);
  }
  // What is stored is a hash, never the SAD or token itself.
  const rows = JSON.stringify(await f.rssp.db.selectFrom('rssp_sads').selectAll().execute());
  const tokenRows = JSON.stringify(await f.rssp.db.selectFrom('rssp_tokens').selectAll().execute());
  for (const secret of secrets) {
    assert.ok(!rows.includes(secret) && !tokenRows.includes(secret), 'stored only as hashes');
  }
});
