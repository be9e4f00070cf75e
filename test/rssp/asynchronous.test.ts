/**
 * Asynchronous CSC operations over HTTP: signHash/signDoc with operationMode "A" and
 * signatures/signPolling, and the decoupled credentials/authorize with credentials/authorizeCheck
 * (the user approves in shomei with PIN and one-time code). Answers checked field by field against
 * csc-api-v2 §4.10–4.17; attacks: unknown, expired, other users' and other clients' identifiers,
 * second retrieval, and the SAD's single use under asynchronous signing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  authorize,
  csc,
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
let alice: EnrolledSigner;
let bob: EnrolledSigner;

before(async () => {
  f = await openRsspFixture();
  alice = await enrolSigner(f, 'alice', 'EC-P256', { multisign: 50 });
  bob = await enrolSigner(f, 'bob', 'EC-P256');
});
after(async () => {
  await f.close();
});

const invalid = (description: string) => ({ error: 'invalid_request', error_description: description });
const b64 = (b: Buffer) => b.toString('base64');

async function signAsync(
  signer: EnrolledSigner,
  sad: unknown,
  hashes: readonly Buffer[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const r = await csc(f, 'signatures/signHash', signer.token, {
    credentialID: signer.credentialId,
    SAD: sad,
    hashes: hashes.map(b64),
    signAlgo: OID.ecdsaSha256,
    operationMode: 'A',
    ...extra,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(Object.keys(r.body), ['responseID']);
  assert.match(r.body.responseID as string, /^[A-Za-z0-9_-]{43}$/);
  return r.body.responseID as string;
}

const poll = (token: string, requestID: unknown, extra: Record<string, unknown> = {}) =>
  csc(f, 'signatures/signPolling', token, { requestID, ...extra });

describe('signHash with operationMode "A" and signatures/signPolling', () => {
  test('the responseID yields the signatures once, in request order, verifiable by openssl', async () => {
    const data = ['async one', 'async two'];
    const hashes = data.map((d) => digestOf(d));
    const sad = (await authorize(f, alice, hashes)).body.SAD;
    const responseID = await signAsync(alice, sad, hashes, { validity_period: 60_000, clientData: 'c-1' });
    await f.rssp.asyncResults.settled();
    const first = await poll(alice.token, responseID);
    assert.equal(first.status, 200);
    assert.deepEqual(Object.keys(first.body), ['signatures']);
    const signatures = (first.body.signatures as string[]).map((s) => Buffer.from(s, 'base64'));
    assert.equal(signatures.length, 2);
    for (const [i, d] of data.entries()) assert.ok(opensslVerify(alice.publicKey, d, signatures[i]!), d);
    // Single retrieval.
    assert.deepEqual((await poll(alice.token, responseID)).body, invalid('Invalid parameter requestID'));
    // The SAD is spent exactly as in synchronous mode.
    const again = await csc(f, 'signatures/signHash', alice.token, {
      credentialID: alice.credentialId,
      SAD: sad,
      hashes: hashes.map(b64),
      signAlgo: OID.ecdsaSha256,
    });
    assert.deepEqual(again.body, invalid('Invalid parameter SAD'));
    // Audited like a synchronous signature; never the SAD or the responseID.
    const audit = JSON.stringify(f.audit.events);
    assert.ok(!audit.includes(sad as string));
    assert.ok(!audit.includes(responseID));
    const created = f.audit.ofType('signature.create', 'success').at(-1)!;
    assert.deepEqual(
      (created.details as { hashes: string[] }).hashes,
      hashes.map((h) => h.toString('hex')),
    );
  });

  test('a job still running answers 202 accepted_request, then its result', async () => {
    let finish: (value: Record<string, unknown>) => void = () => undefined;
    const work = new Promise<Record<string, unknown>>((resolve) => {
      finish = resolve;
    });
    const principal = await f.rssp.tokens.authenticate(alice.token);
    const responseID = await f.rssp.asyncResults.start(principal, {
      method: 'signatures/signHash',
      credentialId: alice.credentialId,
      userId: alice.userId,
      validityMs: 60_000,
      work: () => work,
    });
    const pending = await poll(alice.token, responseID);
    assert.equal(pending.status, 202);
    assert.deepEqual(pending.body, {
      error: 'accepted_request',
      error_description: 'The previous async request has been accepted but not yet completed',
    });
    finish({ signatures: ['AAAA'] });
    await f.rssp.asyncResults.settled();
    assert.deepEqual((await poll(alice.token, responseID)).body, { signatures: ['AAAA'] });
  });

  test('two jobs for one authorised hash: one signs, the other reports the specified error', async () => {
    const hashes = [digestOf('race a'), digestOf('race b')];
    const sad = (await authorize(f, alice, hashes)).body.SAD;
    const one = await signAsync(alice, sad, [hashes[0]!]);
    const two = await signAsync(alice, sad, [hashes[0]!]);
    await f.rssp.asyncResults.settled();
    const results = [await poll(alice.token, one), await poll(alice.token, two)];
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400]);
    const refused = results.find((r) => r.status === 400)!;
    assert.deepEqual(refused.body, invalid('Hash is not authorized by the SAD'));
    // The failure is also fetched once.
    const refusedId = results[0]!.status === 400 ? one : two;
    assert.deepEqual((await poll(alice.token, refusedId)).body, invalid('Invalid parameter requestID'));
  });

  test('errors of the signing itself (expired SAD, bad hash) come back through signPolling', async () => {
    const hashes = [digestOf('late')];
    const sad = (await authorize(f, alice, hashes)).body.SAD;
    f.clock.advance(301);
    const expired = await signAsync(alice, sad, hashes);
    const malformed = await csc(f, 'signatures/signHash', alice.token, {
      credentialID: alice.credentialId,
      SAD: sad,
      hashes: ['***'],
      signAlgo: OID.ecdsaSha256,
      operationMode: 'A',
    });
    await f.rssp.asyncResults.settled();
    assert.deepEqual((await poll(alice.token, expired)).body, invalid('SAD expired'));
    assert.deepEqual(
      (await poll(alice.token, malformed.body.responseID)).body,
      invalid('Invalid Base64 hash string parameter'),
    );
  });

  test('unknown, expired, other users and other clients responseIDs are refused alike', async () => {
    const hashes = [digestOf('mine')];
    const sad = (await authorize(f, alice, hashes)).body.SAD;
    const responseID = await signAsync(alice, sad, hashes, { validity_period: 5_000 });
    await f.rssp.asyncResults.settled();
    const refused = invalid('Invalid parameter requestID');
    assert.deepEqual((await poll(alice.token, 'x'.repeat(43))).body, refused);
    assert.deepEqual((await poll(bob.token, responseID)).body, refused);
    // A registered client system of alice's (a token of an unknown or disabled client is refused
    // before anything else, test/rssp/review-findings.test.ts).
    const other = await f.rssp.clients.register(
      { name: 'other SCA', redirectUris: ['https://other.example/cb'] },
      'operator-1',
    );
    const otherClient = await f.rssp.tokens.issue(
      'access',
      {
        scope: 'service',
        userId: alice.userId,
        tenantId: null,
        clientId: other.clientId,
        credentialId: null,
        authMethod: 'oauth2code',
      },
      3600,
    );
    assert.deepEqual((await poll(otherClient.token, responseID)).body, refused);
    // Refused attempts do not use it up; after validity_period it is gone.
    f.clock.advance(6);
    assert.deepEqual((await poll(alice.token, responseID)).body, refused);
  });

  test('an async request for a credential the caller cannot use is refused at once', async () => {
    const r = await csc(f, 'signatures/signHash', bob.token, {
      credentialID: alice.credentialId,
      SAD: 'x'.repeat(43),
      hashes: [b64(digestOf('z'))],
      signAlgo: OID.ecdsaSha256,
      operationMode: 'A',
    });
    assert.deepEqual(r.body, invalid('Invalid parameter credentialID'));
  });

  test('signPolling refuses malformed requests with the specified descriptions', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'Missing (or invalid type) string parameter requestID'],
      [{ requestID: 5 }, 'Missing (or invalid type) string parameter requestID'],
      [{ requestID: '' }, 'Missing (or invalid type) string parameter requestID'],
      [{ requestID: 'r'.repeat(600) }, 'Missing (or invalid type) string parameter requestID'],
      [{ requestID: 'abc', userID: alice.userId }, 'userID parameter SHALL be null'],
      [{ requestID: 'abc', clientData: 7 }, 'Invalid parameter clientData'],
    ];
    for (const [body, description] of cases) {
      const r = await csc(f, 'signatures/signPolling', alice.token, body);
      assert.equal(r.status, 400, description);
      assert.deepEqual(r.body, invalid(description), JSON.stringify(body));
    }
    const anonymous = await csc(f, 'signatures/signPolling', undefined, { requestID: 'abc' });
    assert.equal(anonymous.status, 400);
    assert.deepEqual(anonymous.body, invalid('Malformed authorization header'));
  });

  test('signDoc with operationMode "A": the detached CMS through signPolling', async () => {
    const digest = digestOf('%PDF byte ranges');
    const sad = (await authorize(f, alice, [digest])).body.SAD;
    const r = await csc(f, 'signatures/signDoc', alice.token, {
      credentialID: alice.credentialId,
      SAD: sad,
      operationMode: 'A',
      documentDigests: [{ hashes: [b64(digest)], signature_format: 'P', signAlgo: OID.ecdsaSha256 }],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body), ['responseID']);
    await f.rssp.asyncResults.settled();
    const result = await poll(alice.token, r.body.responseID);
    assert.equal(result.status, 200);
    assert.deepEqual(Object.keys(result.body), ['SignatureObject']);
    const cms = Buffer.from((result.body.SignatureObject as string[])[0]!, 'base64');
    assert.equal(cms[0], 0x30, 'DER SEQUENCE (ContentInfo)');
  });
});

describe('decoupled credentials/authorize and credentials/authorizeCheck', () => {
  const approvals = (signer: EnrolledSigner) =>
    f.app.inject({
      method: 'GET',
      url: `/api/credentials/${signer.credentialId}/authorizations`,
      headers: { authorization: `Bearer ${signer.token}` },
    });
  const decide = async (
    signer: EnrolledSigner,
    approvalID: string,
    action: 'approve' | 'reject',
    body: Record<string, unknown> = {},
  ) =>
    f.app.inject({
      method: 'POST',
      url: `/api/credentials/${signer.credentialId}/authorizations/${approvalID}/${action}`,
      headers: { authorization: `Bearer ${signer.token}` },
      payload: body,
    });
  const requestDecoupled = (signer: EnrolledSigner, hashes: readonly Buffer[], extra = {}) =>
    csc(f, 'credentials/authorize', signer.token, {
      credentialID: signer.credentialId,
      numSignatures: hashes.length,
      hashes: hashes.map(b64),
      hashAlgorithmOID: OID.sha256,
      authData: [{ id: 'PIN' }, { id: 'OTP' }],
      description: 'Contract 42',
      ...extra,
    });
  const check = (token: string, handle: unknown) => csc(f, 'credentials/authorizeCheck', token, { handle });

  test('202 handle, the user approves with PIN and code, authorizeCheck returns the SAD once', async () => {
    const hashes = [digestOf('decoupled 1'), digestOf('decoupled 2')];
    const started = await requestDecoupled(alice, hashes);
    assert.equal(started.status, 202);
    assert.deepEqual(Object.keys(started.body), ['handle']);
    const handle = started.body.handle as string;
    assert.match(handle, /^[A-Za-z0-9_-]{43}$/);

    const waiting = await check(alice.token, handle);
    assert.equal(waiting.status, 202);
    assert.deepEqual(waiting.body, { handle });

    const listed = await approvals(alice);
    assert.equal(listed.statusCode, 200);
    const [pending] = listed.json().authorizations;
    assert.equal(pending.numSignatures, 2);
    assert.deepEqual(pending.hashes, hashes.map(b64));
    assert.equal(pending.hashAlgorithmOID, OID.sha256);
    assert.equal(pending.description, 'Contract 42');
    assert.ok(!JSON.stringify(listed.json()).includes(handle), 'the handle stays with the SCA');
    assert.equal((await approvals(bob)).json().authorizations.length, 0);

    const wrong = await decide(alice, pending.approvalID, 'approve', {
      pin: '000000',
      otp: await nextOtp(f, alice.totpSecret),
    });
    assert.equal(wrong.statusCode, 400);
    assert.equal((await check(alice.token, handle)).status, 202, 'a wrong PIN leaves it pending');
    // Another user cannot decide on it.
    assert.equal((await decide(bob, pending.approvalID, 'reject')).statusCode, 400);

    const ok = await decide(alice, pending.approvalID, 'approve', {
      pin: PIN,
      otp: await nextOtp(f, alice.totpSecret),
    });
    assert.equal(ok.statusCode, 204);
    assert.equal(
      (await decide(alice, pending.approvalID, 'approve', { pin: PIN, otp: '1' })).statusCode,
      400,
    );

    assert.deepEqual((await check(bob.token, handle)).body, invalid('Invalid parameter handle'));
    const done = await check(alice.token, handle);
    assert.equal(done.status, 200);
    assert.deepEqual(Object.keys(done.body).sort(), ['SAD', 'expiresIn']);
    assert.equal(done.body.expiresIn, 300);
    assert.deepEqual((await check(alice.token, handle)).body, invalid('Invalid parameter handle'));

    const signed = await csc(f, 'signatures/signHash', alice.token, {
      credentialID: alice.credentialId,
      SAD: done.body.SAD,
      hashes: hashes.map(b64),
      signAlgo: OID.ecdsaSha256,
    });
    assert.equal(signed.status, 200);
    const signatures = (signed.body.signatures as string[]).map((s) => Buffer.from(s, 'base64'));
    assert.ok(opensslVerify(alice.publicKey, 'decoupled 2', signatures[1]!));
    // The SAD covers exactly the approved hashes.
    const other = await csc(f, 'signatures/signHash', alice.token, {
      credentialID: alice.credentialId,
      SAD: done.body.SAD,
      hashes: [b64(digestOf('something else'))],
      signAlgo: OID.ecdsaSha256,
    });
    assert.equal(other.body.error, 'invalid_request');
    const audit = JSON.stringify(f.audit.events);
    assert.ok(!audit.includes(handle) && !audit.includes(done.body.SAD as string) && !audit.includes(PIN));
    assert.equal(f.audit.ofType('sad.approve', 'success').length, 1);
  });

  test('a rejected request gives invalid_authentication_data; unknown and expired handles are refused', async () => {
    const rejected = await requestDecoupled(alice, [digestOf('no')]);
    const [pending] = (await approvals(alice)).json().authorizations;
    assert.equal((await decide(alice, pending.approvalID, 'reject')).statusCode, 204);
    const r = await check(alice.token, rejected.body.handle);
    assert.deepEqual(r.body, {
      error: 'invalid_authentication_data',
      error_description: 'The authentication data is invalid',
    });
    assert.deepEqual((await check(alice.token, 'h'.repeat(43))).body, invalid('Invalid parameter handle'));
    const late = await requestDecoupled(alice, [digestOf('late')]);
    f.clock.advance(301);
    assert.deepEqual((await check(alice.token, late.body.handle)).body, invalid('Invalid parameter handle'));
    assert.equal((await approvals(alice)).json().authorizations.length, 0);
  });

  test('wrong approvals lock the credential and authorizeCheck says so', async () => {
    const carol = await enrolSigner(f, 'carol', 'EC-P256');
    const started = await requestDecoupled(carol, [digestOf('carol')]);
    const [pending] = (await approvals(carol)).json().authorizations;
    for (let i = 0; i < 5; i += 1) {
      const r = await decide(carol, pending.approvalID, 'approve', {
        pin: '999999',
        otp: await nextOtp(f, carol.totpSecret),
      });
      assert.equal(r.statusCode, 400);
    }
    assert.deepEqual((await check(carol.token, started.body.handle)).body, invalid('Credential locked'));
  });

  test('malformed decoupled requests and authorizeCheck requests get the specified errors', async () => {
    const partial = await requestDecoupled(alice, [digestOf('p')], { authData: [{ id: 'PIN' }] });
    assert.deepEqual(partial.body, {
      error: 'invalid_authentication_data',
      error_description: 'The authentication data is invalid',
    });
    const tooMany = await requestDecoupled(alice, [digestOf('p')], { numSignatures: 51 });
    assert.deepEqual(tooMany.body, invalid('Numbers of signatures is too high'));
    const noHashes = await requestDecoupled(alice, [], { hashes: undefined, numSignatures: 1 });
    assert.deepEqual(noHashes.body, invalid('Missing (or invalid type) array parameter hashes'));
    const foreign = await requestDecoupled(bob, [digestOf('p')], { credentialID: alice.credentialId });
    assert.deepEqual(foreign.body, invalid('Invalid parameter credentialID'));
    for (const handle of [undefined, 7, '', 'h'.repeat(600)]) {
      const r = await check(alice.token, handle);
      assert.deepEqual(r.body, invalid('Missing (or invalid type) string parameter handle'));
    }
    const badApproval = await decide(alice, 'appr-none', 'approve', { pin: PIN });
    assert.equal(badApproval.statusCode, 400);
  });
});
