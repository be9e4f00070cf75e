/**
 * Attacks on the signature activation protocol (JT2A II-3: replay, bypass, forgery), each refused over
 * HTTP with the CSC API's specified error and recorded in the audit trail.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_RSSP_SETTINGS } from '../../src/rssp/index.ts';
import {
  authorize,
  csc,
  digestOf,
  type EnrolledSigner,
  enrolSigner,
  login,
  nextOtp,
  OID,
  openRsspFixture,
  PIN,
  type RsspFixture,
} from './fixture.ts';

let f: RsspFixture;
let alice: EnrolledSigner;
let bob: EnrolledSigner;

before(async () => {
  f = await openRsspFixture();
  alice = await enrolSigner(f, 'alice');
  bob = await enrolSigner(f, 'bob');
});
after(async () => {
  await f.close();
});

const invalid = (description: string) => ({ error: 'invalid_request', error_description: description });

function signHash(
  signer: EnrolledSigner,
  sad: unknown,
  hashes: readonly Buffer[],
  credentialId = signer.credentialId,
) {
  return csc(f, 'signatures/signHash', signer.token, {
    credentialID: credentialId,
    ...(sad === undefined ? {} : { SAD: sad }),
    hashes: hashes.map((h) => h.toString('base64')),
    signAlgo: OID.ecdsaSha256,
  });
}

async function sadFor(
  signer: EnrolledSigner,
  hashes: readonly Buffer[],
  numSignatures = hashes.length,
): Promise<string> {
  const r = await authorize(f, signer, hashes, numSignatures);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.SAD as string;
}

function assertAuditedRefusal(description: string): void {
  const event = f.audit.last('signature.create');
  assert.equal(event?.outcome, 'failure');
  assert.equal(event?.details?.reason, description);
}

describe('SAD replay, binding and budget', () => {
  test('a used-up SAD cannot be used again', async () => {
    const hash = digestOf('once');
    const sad = await sadFor(alice, [hash]);
    assert.equal((await signHash(alice, sad, [hash])).status, 200);
    const again = await signHash(alice, sad, [hash]);
    assert.equal(again.status, 400);
    assert.deepEqual(again.body, invalid('Invalid parameter SAD'));
    assertAuditedRefusal('Invalid parameter SAD');
  });

  test('a SAD for hash A does not sign hash B, and the refused attempt spends nothing', async () => {
    const a = digestOf('document A');
    const b = digestOf('document B');
    const sad = await sadFor(alice, [a]);
    const forged = await signHash(alice, sad, [b]);
    assert.deepEqual(forged.body, invalid('Hash is not authorized by the SAD'));
    assertAuditedRefusal('Hash is not authorized by the SAD');
    const mixed = await signHash(alice, sad, [a, b], alice.credentialId);
    assert.equal(mixed.status, 400, 'a batch with one unauthorised hash is refused as a whole');
    assert.equal((await signHash(alice, sad, [a])).status, 200, 'A still signs');
  });

  test('hashes are compared as bytes, so a different Base64 spelling of A is still A', async () => {
    const a = digestOf('spelling');
    const sad = await sadFor(alice, [a]);
    // Same bytes, Base64 without padding is not valid standard Base64 for the API; the same string is.
    const r = await csc(f, 'signatures/signHash', alice.token, {
      credentialID: alice.credentialId,
      SAD: sad,
      hashes: [Buffer.from(a).toString('base64')],
      signAlgo: OID.ecdsaSha256,
    });
    assert.equal(r.status, 200);
  });

  test('a SAD for credential X does not sign with credential Y', async () => {
    const second = await f.rssp.credentials.create({
      userId: alice.userId,
      algorithm: 'EC-P256',
      subject: 'CN=alice second, C=JP',
    });
    const hash = digestOf('credential binding');
    const sad = await sadFor(alice, [hash]);
    const r = await signHash(alice, sad, [hash], second.credential.credential_id);
    assert.deepEqual(r.body, invalid('Invalid parameter SAD'));
    assertAuditedRefusal('Invalid parameter SAD');
  });

  test('no more signatures than numSignatures', async () => {
    const hashes = [digestOf('n1'), digestOf('n2')];
    const tooMany = await authorize(f, alice, [...hashes, digestOf('n3')], 2);
    assert.deepEqual(tooMany.body, invalid('Invalid parameter hashes'));
    const sad = await sadFor(alice, hashes, 2);
    const three = await signHash(alice, sad, [...hashes, digestOf('n3')]);
    assert.deepEqual(three.body, invalid('Numbers of signatures is too high'));
    assert.equal((await signHash(alice, sad, [hashes[0]!])).status, 200);
    assert.equal((await signHash(alice, sad, [hashes[1]!])).status, 200);
    assert.deepEqual((await signHash(alice, sad, [hashes[1]!])).body, invalid('Invalid parameter SAD'));
  });

  test('an expired SAD is refused', async () => {
    const hash = digestOf('late');
    const sad = await sadFor(alice, [hash]);
    f.clock.advance(301);
    const r = await signHash(alice, sad, [hash]);
    assert.deepEqual(r.body, invalid('SAD expired'));
    assertAuditedRefusal('SAD expired');
  });

  test('signHash without a SAD (bypass) is refused', async () => {
    const r = await signHash(alice, undefined, [digestOf('bypass')]);
    assert.deepEqual(r.body, invalid('Missing (or invalid type) string parameter SAD'));
    assertAuditedRefusal('Missing (or invalid type) string parameter SAD');
  });

  test('a random or truncated SAD is refused', async () => {
    const hash = digestOf('guess');
    const sad = await sadFor(alice, [hash]);
    for (const guess of [randomBytes(32).toString('base64url'), sad.slice(0, -1), `${sad}A`, '']) {
      const r = await signHash(alice, guess, [hash]);
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'invalid_request');
      assert.match(r.body.error_description as string, /SAD/);
    }
    assert.equal((await signHash(alice, sad, [hash])).status, 200, 'the real SAD is untouched');
  });
});

describe('authentication factors', () => {
  test('a one-time code is never accepted twice', async () => {
    const code = await nextOtp(f, alice.totpSecret);
    const body = (hash: Buffer) => ({
      credentialID: alice.credentialId,
      numSignatures: 1,
      hashes: [hash.toString('base64')],
      hashAlgorithmOID: OID.sha256,
      authData: [
        { id: 'PIN', value: PIN },
        { id: 'OTP', value: code },
      ],
    });
    assert.equal((await csc(f, 'credentials/authorize', alice.token, body(digestOf('otp 1')))).status, 200);
    const replay = await csc(f, 'credentials/authorize', alice.token, body(digestOf('otp 2')));
    assert.deepEqual(replay.body, {
      error: 'invalid_authentication_data',
      error_description: 'The authentication data is invalid',
    });
    const event = f.audit.last('sad.issue');
    assert.equal(event?.outcome, 'failure');
    assert.equal(event?.details?.reason, 'otp');
  });

  test('PIN alone, OTP alone or an extra factor do not authorize', async () => {
    for (const authData of [[{ id: 'PIN', value: PIN }], [{ id: 'OTP', value: '123456' }], []]) {
      const r = await csc(f, 'credentials/authorize', bob.token, {
        credentialID: bob.credentialId,
        numSignatures: 1,
        hashes: [digestOf('one factor').toString('base64')],
        hashAlgorithmOID: OID.sha256,
        authData,
      });
      assert.equal(r.body.error, 'invalid_authentication_data');
    }
    // Reset bob's counter for the next tests with a good authorisation.
    assert.equal((await authorize(f, bob, [digestOf('reset')])).status, 200);
  });

  test('a wrong PIN five times locks the credential, even against the right PIN afterwards', async () => {
    const carol = await enrolSigner(f, 'carol');
    const attempt = async (pin: string) =>
      csc(f, 'credentials/authorize', carol.token, {
        credentialID: carol.credentialId,
        numSignatures: 1,
        hashes: [digestOf('lock').toString('base64')],
        hashAlgorithmOID: OID.sha256,
        authData: [
          { id: 'PIN', value: pin },
          { id: 'OTP', value: await nextOtp(f, carol.totpSecret) },
        ],
      });
    for (let i = 0; i < 5; i += 1) {
      const r = await attempt('999999');
      assert.equal(r.body.error, 'invalid_authentication_data', `attempt ${i + 1}`);
    }
    assert.deepEqual((await attempt(PIN)).body, invalid('Credential locked'));
    const lock = f.audit.last('credential.lock');
    assert.equal(lock?.subject?.id, carol.credentialId);
    const info = await csc(f, 'credentials/info', carol.token, { credentialID: carol.credentialId });
    assert.equal((info.body.key as { status: string }).status, 'disabled');
    assert.ok(!JSON.stringify(f.audit.events).includes('999999'), 'tried PINs are not audited');
    await f.rssp.credentials.unlock(carol.credentialId, 'operator-1');
    assert.equal((await attempt(PIN)).status, 200, 'an operator unlock restores it');
  });
});

describe('one user, another user’s credential', () => {
  test('bob does not see alice’s credential', async () => {
    const list = await csc(f, 'credentials/list', bob.token, { credentialInfo: true });
    assert.deepEqual(list.body.credentialIDs, [bob.credentialId]);
    const info = await csc(f, 'credentials/info', bob.token, { credentialID: alice.credentialId });
    assert.deepEqual(info.body, invalid('Invalid parameter credentialID'));
  });

  test('bob cannot authorize alice’s credential even with her PIN and code', async () => {
    const r = await csc(f, 'credentials/authorize', bob.token, {
      credentialID: alice.credentialId,
      numSignatures: 1,
      hashes: [digestOf('theft').toString('base64')],
      hashAlgorithmOID: OID.sha256,
      authData: [
        { id: 'PIN', value: PIN },
        { id: 'OTP', value: await nextOtp(f, alice.totpSecret) },
      ],
    });
    assert.deepEqual(r.body, invalid('Invalid parameter credentialID'));
  });

  test('bob cannot sign with alice’s SAD, neither on her credential nor on his', async () => {
    const hash = digestOf('stolen SAD');
    const sad = await sadFor(alice, [hash]);
    assert.deepEqual(
      (await signHash(bob, sad, [hash], alice.credentialId)).body,
      invalid('Invalid parameter credentialID'),
    );
    assertAuditedRefusal('Invalid parameter credentialID');
    assert.equal(f.audit.last('signature.create')?.actor.id, bob.userId);
    assert.deepEqual(
      (await signHash(bob, sad, [hash], bob.credentialId)).body,
      invalid('Invalid parameter SAD'),
    );
    assert.equal((await signHash(alice, sad, [hash])).status, 200, 'alice still can');
  });
});

describe('credential and certificate state at signing time', () => {
  test('a revocation this process does not hear of is honoured once the status cache ages out', async () => {
    const erin = await enrolSigner(f, 'erin');
    const hashes = [digestOf('erin 1'), digestOf('erin 2')];
    const sad = await sadFor(erin, hashes);
    assert.equal((await signHash(erin, sad, [hashes[0]!])).status, 200);
    const credential = await f.rssp.credentials.require(erin.credentialId);
    // Revoked behind the service's back (another process): no notification reaches the cache.
    f.ca.revokeUnannounced(Buffer.from(credential.certificate!));
    f.clock.advance((DEFAULT_RSSP_SETTINGS.certificateStatusCacheSeconds ?? 0) + 1);
    assert.deepEqual(
      (await signHash(erin, sad, [hashes[1]!])).body,
      invalid('Signing certificate is revoked'),
    );
  });

  test('a certificate revoked at the CA stops signing even with a valid SAD', async () => {
    const dave = await enrolSigner(f, 'dave');
    const hash = digestOf('revoked cert');
    const sad = await sadFor(dave, [hash, digestOf('before revocation')]);
    // A signature just before: the CA's "good" is cached now, and the revocation must still win.
    assert.equal((await signHash(dave, sad, [digestOf('before revocation')])).status, 200);
    const credential = await f.rssp.credentials.require(dave.credentialId);
    await f.ca.revokeCertificate(Buffer.from(credential.certificate!));
    const r = await signHash(dave, sad, [hash]);
    assert.deepEqual(r.body, invalid('Signing certificate is revoked'));
    assertAuditedRefusal('Signing certificate is revoked');
    const info = await csc(f, 'credentials/info', dave.token, { credentialID: dave.credentialId });
    assert.equal((info.body.cert as { status: string }).status, 'revoked', 'info reports the CA status');
  });

  test('a suspended credential does not sign, and its outstanding SADs die', async () => {
    const erin = await enrolSigner(f, 'erin');
    const hash = digestOf('suspended');
    const sad = await sadFor(erin, [hash]);
    await f.rssp.credentials.suspend(erin.credentialId, erin.userId);
    assert.deepEqual(
      (await signHash(erin, sad, [hash])).body,
      invalid('The credential identified by credentialID is disabled'),
    );
    assert.deepEqual(
      (await authorize(f, erin, [hash])).body,
      invalid('The credential identified by credentialID is disabled'),
    );
    await f.rssp.credentials.resume(erin.credentialId, erin.userId);
    assert.deepEqual((await signHash(erin, sad, [hash])).body, invalid('Invalid parameter SAD'));
    assert.equal((await signHash(erin, await sadFor(erin, [hash]), [hash])).status, 200);
  });

  test('an expired certificate does not sign', async () => {
    const frank = await enrolSigner(f, 'frank');
    const hash = digestOf('expired');
    f.clock.advance(366 * 86400);
    try {
      const token = await login(f, 'frank');
      const r = await signHash({ ...frank, token }, 'x'.repeat(43), [hash]);
      assert.deepEqual(r.body, invalid('Signing certificate is expired'));
      const info = await csc(f, 'credentials/info', token, { credentialID: frank.credentialId });
      assert.equal((info.body.cert as { status: string }).status, 'expired');
    } finally {
      f.clock.advance(-366 * 86400);
    }
  });
});
