/**
 * The remote-signature findings of the outside review (issue #16, D1–D4 and the OAuth notes), each
 * written as the attack: guessing one-time codes around a PIN change, guessing in parallel, asking
 * for many mailed codes, control characters in identifiers, refused authorisations that left no
 * trace, a mutual-TLS client without its certificate, and a replayed authorization code.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
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
  PIN,
  type RsspFixture,
} from './fixture.ts';

let f: RsspFixture;

before(async () => {
  f = await openRsspFixture();
});
after(async () => {
  await f.close();
});

const WRONG_PIN = '999999';

function authorizeWith(signer: EnrolledSigner, pin: string, otp: string, credentialId = signer.credentialId) {
  return csc(f, 'credentials/authorize', signer.token, {
    credentialID: credentialId,
    numSignatures: 1,
    hashes: [digestOf(`guess ${randomBytes(4).toString('hex')}`).toString('base64')],
    hashAlgorithmOID: OID.sha256,
    authData: [
      { id: 'PIN', value: pin },
      { id: 'OTP', value: otp },
    ],
  });
}

/** Failures recorded after the factors were actually compared (they name the method). */
function factorChecks(credentialId: string): number {
  return f.audit
    .ofType('sad.issue', 'failure')
    .filter((e) => e.subject?.id === credentialId && e.details?.authenticationMethod !== undefined).length;
}

describe('D1: the PIN + one-time-code budget', () => {
  test('changing the PIN to itself does not give one-time-code guesses back', async () => {
    const alice = await enrolSigner(f, 'd1-alice');
    for (let i = 0; i < 4; i++) {
      const r = await authorizeWith(alice, PIN, '000000');
      assert.equal(r.body.error, 'invalid_authentication_data');
    }
    await f.rssp.credentials.changePin(alice.credentialId, alice.userId, PIN, PIN);
    const fifth = await authorizeWith(alice, PIN, '000000');
    assert.equal(fifth.body.error, 'invalid_authentication_data');
    const credential = await f.rssp.credentials.require(alice.credentialId);
    assert.notEqual(credential.locked_at, null, 'the fifth wrong code locks, PIN change or not');
    const right = await authorize(f, alice, [digestOf('after lock')]);
    assert.deepEqual(right.body, { error: 'invalid_request', error_description: 'Credential locked' });
  });

  test('a wrong old PIN counts, and a locked credential refuses a PIN change', async () => {
    const carol = await enrolSigner(f, 'd1-carol');
    for (let i = 0; i < 5; i++) {
      await assert.rejects(
        f.rssp.credentials.changePin(carol.credentialId, carol.userId, WRONG_PIN, '135790'),
        /SHOMEI_RSSP_PIN_WRONG|PIN/,
      );
    }
    await assert.rejects(
      f.rssp.credentials.changePin(carol.credentialId, carol.userId, PIN, '135790'),
      (e: Error & { code?: string }) =>
        e.code === 'SHOMEI_RSSP_CREDENTIAL_LOCKED' || /locked/i.test(e.message),
    );
  });

  test('thirty guesses sent at once are compared at most five times', async () => {
    const bob = await enrolSigner(f, 'd1-bob');
    const otp = await nextOtp(f, bob.totpSecret);
    const results = await Promise.all(Array.from({ length: 30 }, () => authorizeWith(bob, WRONG_PIN, otp)));
    assert.ok(results.every((r) => r.status === 400));
    assert.ok(
      results.some((r) => r.body.error_description === 'Credential locked'),
      'guesses beyond the budget are refused without being compared',
    );
    const compared = factorChecks(bob.credentialId);
    assert.ok(compared <= 5, `factors compared ${compared} times for a budget of 5`);
    const credential = await f.rssp.credentials.require(bob.credentialId);
    assert.notEqual(credential.locked_at, null);
    assert.ok(credential.failed_attempts <= 5);
  });

  test('only the newest mailed code is open, and codes per window are bounded', async () => {
    const userId = f.users.add('d1-mail', 'pw-d1-mail-secret');
    const token = (
      await f.rssp.tokens.issue(
        'access',
        { scope: 'service', userId, tenantId: null, clientId: null, credentialId: null, authMethod: 'basic' },
        3600,
      )
    ).token;
    const created = await f.rssp.credentials.create({
      userId,
      algorithm: 'EC-P256',
      subject: 'CN=mail, C=JP',
    });
    const credentialId = created.credential.credential_id;
    await f.rssp.credentials.setPin(credentialId, userId, PIN);
    await f.rssp.credentials.enrolEmailCodes(credentialId, userId, 'mail@example.jp');
    const challenge = () =>
      csc(f, 'credentials/getChallenge', token, { credentialID: credentialId, authObjectID: 'OTP' });
    const codesBefore = f.mailedCodes.length;
    assert.equal((await challenge()).status, 204);
    assert.equal((await challenge()).status, 204);
    const [first, second] = f.mailedCodes.slice(codesBefore).map((m) => m.code);
    const signer = { userId, token, credentialId, totpSecret: '', publicKey: Buffer.alloc(0) };
    const withFirst = await authorizeWith(signer, PIN, first!);
    assert.equal(withFirst.body.error, 'invalid_authentication_data', 'a newer code cancels the older one');
    assert.equal((await authorizeWith(signer, PIN, second!)).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await challenge()).status, 204);
    const sixth = await challenge();
    assert.equal(sixth.status, 429);
    assert.equal(sixth.body.error, 'access_denied');
    assert.equal(f.audit.last('sad.challenge')?.outcome, 'failure');
    f.clock.advance(901);
    assert.equal((await challenge()).status, 204, 'the window moves on');
  });
});

describe('D3: identifiers with control characters', () => {
  test('are refused with the specified error, never a server error, and the refusal is recorded', async () => {
    const dave = await enrolSigner(f, 'd3-dave');
    const hostile = 'cred-\u0000\u001b[31m\r\nforged';
    for (const method of ['credentials/authorize', 'credentials/info', 'signatures/signHash']) {
      const r = await csc(f, method, dave.token, {
        credentialID: hostile,
        numSignatures: 1,
        hashes: [digestOf('x').toString('base64')],
        hashAlgorithmOID: OID.sha256,
        signAlgo: OID.ecdsaSha256,
        SAD: 'x'.repeat(43),
      });
      assert.equal(r.status, 400, method);
      assert.deepEqual(r.body, {
        error: 'invalid_request',
        error_description: 'Invalid parameter credentialID',
      });
    }
    const refused = f.audit.ofType('csc.request.refuse');
    assert.ok(refused.length >= 3);
    assert.equal(refused.at(-1)?.details?.value, 'cred-\\u0000\\u001b[31m\\u000d\\u000aforged');

    const token = await f.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'client-\u0007\u0000',
        client_secret: 'x',
      }).toString(),
    });
    assert.equal(token.statusCode, 400, 'unauthenticated, still a 400');
    assert.equal(token.json().error, 'invalid_request');
    assert.equal(f.audit.ofType('csc.request.refuse').at(-1)?.details?.field, 'client_id');
  });
});

describe('D4: refused authorisations are audited', () => {
  test('another user’s credential, a locked credential and an out-of-budget request each leave a record', async () => {
    const erin = await enrolSigner(f, 'd4-erin');
    const frank = await enrolSigner(f, 'd4-frank');
    const before = f.audit.ofType('sad.issue', 'failure').length;
    const stolen = await authorize(f, { ...frank, credentialId: erin.credentialId }, [digestOf('steal')]);
    assert.deepEqual(stolen.body, {
      error: 'invalid_request',
      error_description: 'Invalid parameter credentialID',
    });
    const tooMany = await authorize(f, erin, [digestOf('budget')], 100_000);
    assert.equal(tooMany.status, 400);
    // Five failed attempts spend the budget (as wrong PINs would) and lock the credential.
    for (let i = 0; i < 5; i++) await f.rssp.credentials.reserveAttempt(erin.credentialId);
    assert.equal(await f.rssp.credentials.registerFailedAttempt(erin.credentialId), true);
    const locked = await authorize(f, erin, [digestOf('locked')]);
    assert.deepEqual(locked.body, { error: 'invalid_request', error_description: 'Credential locked' });
    const records = f.audit.ofType('sad.issue', 'failure').slice(before);
    assert.equal(records.length, 3);
    assert.equal(records[0]?.actor.id, frank.userId, 'the record names who tried');
    assert.equal(records[0]?.subject?.id, erin.credentialId, 'and which credential');
    assert.deepEqual(
      records.map((r) => r.details?.reason),
      ['Invalid parameter credentialID', 'Numbers of signatures is too high', 'Credential locked'],
    );
  });
});

describe('OAuth: mutual TLS binding and code replay', () => {
  test('a client bound to a TLS certificate gets no token, and its tokens do nothing, without it', async () => {
    const bound = await f.rssp.clients.register(
      { name: 'bound SCA', redirectUris: ['https://sca.example/cb'], tlsCertificateSha256: 'ab'.repeat(32) },
      'operator-1',
    );
    const r = await f.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${bound.clientId}:${bound.clientSecret}`).toString('base64')}`,
      },
      payload: 'grant_type=client_credentials',
    });
    assert.equal(r.statusCode, 401);
    assert.equal(r.json().error, 'invalid_client');
    assert.equal(f.audit.last('client-system.authenticate')?.details?.reason, 'tls-certificate-missing');
    const leaked = await f.rssp.tokens.issue(
      'access',
      {
        scope: 'service',
        userId: null,
        tenantId: null,
        clientId: bound.clientId,
        credentialId: null,
        authMethod: 'oauth2client',
      },
      600,
    );
    const list = await csc(f, 'credentials/list', leaked.token, { userID: 'user-x' });
    assert.equal(list.status, 401);
    assert.equal(list.body.error, 'access_denied');
  });

  test('a replayed authorization code revokes the token issued from it (RFC 6749 §4.1.2)', async () => {
    const redirect = 'http://127.0.0.1:8999/callback';
    const client = await f.rssp.clients.register(
      { name: 'replay SCA', redirectUris: [redirect] },
      'operator-1',
    );
    await enrolSigner(f, 'replay-gina');
    const verifier = randomBytes(32).toString('base64url');
    const params = {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: redirect,
      scope: 'service',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    };
    const approved = await f.app.inject({
      method: 'POST',
      url: '/oauth2/authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        ...params,
        username: 'replay-gina',
        password: 'pw-replay-gina-secret',
      }).toString(),
    });
    assert.equal(approved.statusCode, 302, approved.body);
    const code = new URL(approved.headers.location as string).searchParams.get('code')!;
    const exchange = () =>
      f.app.inject({
        method: 'POST',
        url: '/oauth2/token',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        },
        payload: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirect,
          code_verifier: verifier,
        }).toString(),
      });
    const first = await exchange();
    assert.equal(first.statusCode, 200, first.body);
    const { access_token: access, refresh_token: refresh } = first.json() as Record<string, string>;
    assert.equal((await csc(f, 'credentials/list', access, {})).status, 200);
    const replay = await exchange();
    assert.equal(replay.json().error, 'invalid_grant');
    const after = await csc(f, 'credentials/list', access, {});
    assert.equal(after.status, 401, 'the access token issued from the code is dead');
    assert.equal(after.body.error, 'invalid_token');
    assert.equal(await f.rssp.tokens.refreshGrant(refresh!), undefined, 'and so is its refresh token');
    const record = f.audit.ofType('oauth2.token', 'failure').at(-1);
    assert.equal(record?.details?.reason, 'authorization-code-replayed');
    assert.equal(record?.details?.tokensRevoked, 2);
  });
});
