/** The CSC client against our server on a real loopback listener: info, login, list, info, authorize, batch signHash. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CscClient, CscClientError } from '../../src/rssp/client/index.ts';
import {
  digestOf,
  type EnrolledSigner,
  enrolSigner,
  nextOtp,
  OID,
  openRsspFixture,
  opensslVerify,
  PIN,
  type RsspFixture,
} from './fixture.ts';

let f: RsspFixture;
let signer: EnrolledSigner;
let baseUrl: string;

before(async () => {
  f = await openRsspFixture();
  signer = await enrolSigner(f, 'kazu', 'RSA-2048');
  baseUrl = await f.app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await f.close();
});

test('a batch of 20 hashes: login, list, info, authorize once, sign once, every signature verifies', async () => {
  const client = new CscClient({ baseUrl });
  const info = await client.info('en');
  assert.equal(info.specs, '2.0.0.2');
  assert.ok(info.methods.includes('signatures/signHash'));
  await client.login('kazu', 'pw-kazu-secret');
  const list = await client.listCredentials();
  assert.deepEqual(list.credentialIDs, [signer.credentialId]);
  const credential = await client.credentialInfo(signer.credentialId, {
    certificates: 'chain',
    certInfo: true,
  });
  assert.equal(credential.SCAL, '2');
  assert.equal(credential.auth?.mode, 'explicit');
  assert.ok(credential.key.algo.includes(OID.rsaSha256));
  const documents = Array.from({ length: 20 }, (_, i) => `請求書 ${i}`);
  const hashes = documents.map((d) => digestOf(d));
  const { sad, expiresIn } = await client.authorize({
    credentialId: signer.credentialId,
    hashes,
    hashAlgorithmOid: OID.sha256,
    pin: PIN,
    otp: await nextOtp(f, signer.totpSecret),
  });
  assert.equal(expiresIn, 300);
  const signatures = await client.signHash({
    credentialId: signer.credentialId,
    sad,
    hashes,
    signAlgo: OID.rsaSha256,
  });
  assert.equal(signatures.length, 20);
  for (const [i, s] of signatures.entries()) assert.ok(opensslVerify(signer.publicKey, documents[i]!, s));
  await assert.rejects(
    client.signHash({
      credentialId: signer.credentialId,
      sad,
      hashes: [hashes[0]!],
      signAlgo: OID.rsaSha256,
    }),
    (e: unknown) =>
      e instanceof CscClientError &&
      e.error === 'invalid_request' &&
      e.description === 'Invalid parameter SAD',
  );
  await client.logout();
  await assert.rejects(
    client.listCredentials(),
    (e: unknown) => e instanceof CscClientError && e.status === 401,
  );
});

test('a wrong password surfaces the service error', async () => {
  const client = new CscClient({ baseUrl });
  await assert.rejects(
    client.login('kazu', 'nope'),
    (e: unknown) => e instanceof CscClientError && e.error === 'authentication_error',
  );
});
