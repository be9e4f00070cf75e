/**
 * CSC API v2 conformance over HTTP (fastify inject): each method's valid answers checked field by
 * field against the specification notes, invalid requests answered with the specified error, and
 * every signature checked by openssl against the credential's public key.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pssParamsFor } from '../../src/rssp/index.ts';
import { run } from '../helpers/run.ts';
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
let rsa: EnrolledSigner;

before(async () => {
  f = await openRsspFixture();
  alice = await enrolSigner(f, 'alice', 'EC-P256', { multisign: 50 });
  rsa = await enrolSigner(f, 'rosa', 'RSA-2048');
});
after(async () => {
  await f.close();
});

const invalid = (description: string) => ({ error: 'invalid_request', error_description: description });

describe('info', () => {
  test('POST and GET describe the service with the required fields', async () => {
    const post = await csc(f, 'info', undefined, { lang: 'en-US' });
    assert.equal(post.status, 200);
    const info = post.body;
    assert.equal(info.specs, '2.0.0.2');
    for (const name of ['name', 'logo', 'region', 'lang', 'description'])
      assert.equal(typeof info[name], 'string', name);
    assert.equal(info.region, 'JP');
    assert.equal(info.lang, 'en-US');
    assert.deepEqual(info.authType, ['basic', 'oauth2code', 'oauth2client']);
    assert.equal(info.oauth2, 'https://rssp.test/');
    const methods = info.methods as string[];
    for (const m of [
      'auth/login',
      'credentials/list',
      'credentials/info',
      'credentials/authorize',
      'credentials/extendTransaction',
      'credentials/sendOTP',
      'signatures/signHash',
      'oauth2/token',
    ]) {
      assert.ok(methods.includes(m), m);
    }
    assert.ok(methods.includes('signatures/signDoc'), 'signDoc with the ades module');
    assert.ok(!methods.includes('signatures/timestamp'), 'no TSA is wired in this fixture');
    assert.ok((info.signAlgorithms as { algos: string[] }).algos.includes(OID.ecdsaSha256));
    assert.deepEqual(info.signature_formats, {
      formats: ['C', 'P'],
      envelope_properties: [['Detached'], ['Certification', 'Revision']],
    });
    assert.deepEqual(info.conformance_levels, ['Ades-B-B']);
    assert.equal(info.asynchronousOperationMode, true);
    assert.ok(methods.includes('signatures/signPolling'));
    assert.ok(methods.includes('credentials/authorizeCheck'));
    const unknown = await csc(f, 'credentials/nothing', alice.token, {});
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'invalid_request');
    const get = await f.app.inject({ method: 'GET', url: '/csc/v2/info' });
    assert.equal(get.statusCode, 200);
    assert.equal(get.json().lang, 'ja-JP');
  });
});

describe('auth/login and auth/revoke', () => {
  test('Basic login returns a bearer token, rememberMe a refresh token that logs in again', async () => {
    const basic = Buffer.from('alice:pw-alice-secret').toString('base64');
    const response = await f.app.inject({
      method: 'POST',
      url: '/csc/v2/auth/login',
      headers: { authorization: `Basic ${basic}` },
      payload: { rememberMe: true },
    });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.match(body.access_token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(body.expires_in, 3600);
    assert.equal(typeof body.refresh_token, 'string');
    const again = await csc(f, 'auth/login', undefined, { refresh_token: body.refresh_token });
    assert.equal(again.status, 200);
    assert.equal(typeof again.body.access_token, 'string');
    // Revoking the refresh token ends the grant's access tokens too.
    assert.equal(
      (
        await csc(f, 'auth/revoke', body.access_token, {
          token: body.refresh_token,
          token_type_hint: 'refresh_token',
        })
      ).status,
      204,
    );
    assert.deepEqual((await csc(f, 'credentials/list', body.access_token, {})).body.error, 'invalid_token');
    assert.deepEqual(
      (await csc(f, 'auth/login', undefined, { refresh_token: body.refresh_token })).body,
      invalid('Invalid refresh_token'),
    );
  });

  test('bad logins give the specified errors', async () => {
    const noHeader = await csc(f, 'auth/login', undefined, {});
    assert.equal(noHeader.status, 401);
    assert.deepEqual(noHeader.body, invalid('Malformed authentication parameter'));
    const malformed = await f.app.inject({
      method: 'POST',
      url: '/csc/v2/auth/login',
      headers: { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` },
      payload: {},
    });
    assert.deepEqual(malformed.json(), invalid('Malformed username-password'));
    const wrong = await f.app.inject({
      method: 'POST',
      url: '/csc/v2/auth/login',
      headers: { authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` },
      payload: {},
    });
    assert.equal(wrong.statusCode, 400);
    assert.deepEqual(wrong.json(), {
      error: 'authentication_error',
      error_description: 'An error occurred during authentication process',
    });
    assert.equal(f.audit.last('auth.login')?.outcome, 'failure');
    assert.ok(!JSON.stringify(f.audit.events).includes('wrong'), 'the tried password is not audited');
  });

  test('a method without a bearer, or with an unknown one, is refused', async () => {
    assert.deepEqual(
      (await csc(f, 'credentials/list', undefined, {})).body,
      invalid('Malformed authorization header'),
    );
    const unknown = await csc(f, 'credentials/list', 'A'.repeat(43), {});
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error, 'invalid_token');
    const refused = f.audit.last('auth.bearer');
    assert.equal(refused?.outcome, 'failure');
    assert.equal(refused?.details?.reason, 'invalid_token');
    assert.ok(!JSON.stringify(refused).includes('A'.repeat(43)), 'the presented token is not recorded');
  });
});

describe('credentials/list and credentials/info', () => {
  test('list returns the caller’s credentials with their info', async () => {
    const { status, body } = await csc(f, 'credentials/list', alice.token, {
      credentialInfo: true,
      certInfo: true,
      authInfo: true,
    });
    assert.equal(status, 200);
    assert.deepEqual(body.credentialIDs, [alice.credentialId]);
    const [entry] = body.credentialInfos as Record<string, unknown>[];
    assert.equal(entry!.credentialID, alice.credentialId);
    assert.equal((entry!.key as { status: string }).status, 'enabled');
    assert.equal((await csc(f, 'credentials/list', alice.token, { onlyValid: true })).body.onlyValid, true);
    assert.deepEqual(
      (await csc(f, 'credentials/list', alice.token, { userID: 'someone' })).body,
      invalid('userID parameter MUST be null'),
    );
  });

  test('info reports key, cert, auth, SCAL, multisign and lang as the specification writes them', async () => {
    const { status, body } = await csc(f, 'credentials/info', alice.token, {
      credentialID: alice.credentialId,
      certificates: 'chain',
      certInfo: true,
      authInfo: true,
      lang: 'en-US',
    });
    assert.equal(status, 200);
    assert.deepEqual(body.key, {
      status: 'enabled',
      algo: [OID.ecdsaSha256, OID.ecdsaSha384, '1.2.840.10045.4.3.4', '1.2.840.10045.2.1'],
      len: 256,
      curve: '1.2.840.10045.3.1.7',
    });
    const cert = body.cert as Record<string, unknown>;
    assert.equal(cert.status, 'valid');
    const certificates = cert.certificates as string[];
    assert.equal(certificates.length, 2, 'end entity then the CA');
    assert.equal(certificates[1], Buffer.from(f.ca.certificate.rawData).toString('base64'));
    assert.match(cert.serialNumber as string, /^[0-9a-f]+$/);
    assert.match(cert.validFrom as string, /^\d{14}Z$/);
    assert.match(cert.validTo as string, /^\d{14}Z$/);
    assert.match(cert.subjectDN as string, /CN=alice/);
    assert.match(cert.issuerDN as string, /CN=shomei test CA/);
    assert.deepEqual(body.auth, {
      mode: 'explicit',
      expression: 'PIN AND OTP',
      objects: [
        {
          type: 'Password',
          id: 'PIN',
          format: 'N',
          label: 'PIN',
          description: 'The PIN of the signing credential',
        },
        {
          type: 'Password',
          id: 'OTP',
          format: 'N',
          generator: 'totp',
          label: 'OTP',
          description: 'The one-time code of the authenticator app',
        },
      ],
    });
    assert.equal(body.SCAL, '2');
    assert.equal(body.multisign, 50);
    assert.equal(body.lang, 'en-US');
    const single = await csc(f, 'credentials/info', alice.token, { credentialID: alice.credentialId });
    assert.equal(((single.body.cert as Record<string, unknown>).certificates as string[]).length, 1);
    assert.equal(
      (single.body.cert as Record<string, unknown>).serialNumber,
      undefined,
      'certInfo defaults to false',
    );
    const none = await csc(f, 'credentials/info', alice.token, {
      credentialID: alice.credentialId,
      certificates: 'none',
    });
    assert.equal((none.body.cert as Record<string, unknown>).certificates, undefined);
    const rsaInfo = await csc(f, 'credentials/info', rsa.token, { credentialID: rsa.credentialId });
    assert.deepEqual((rsaInfo.body.key as { len: number }).len, 2048);
    assert.equal((rsaInfo.body.key as { curve?: string }).curve, undefined);
  });

  test('info refuses missing, wrongly typed and unknown parameters', async () => {
    assert.deepEqual(
      (await csc(f, 'credentials/info', alice.token, {})).body,
      invalid('Missing (or invalid type) string parameter credentialID'),
    );
    assert.deepEqual(
      (await csc(f, 'credentials/info', alice.token, { credentialID: 7 })).body,
      invalid('Missing (or invalid type) string parameter credentialID'),
    );
    assert.deepEqual(
      (await csc(f, 'credentials/info', alice.token, { credentialID: 'cred-nope' })).body,
      invalid('Invalid parameter credentialID'),
    );
    assert.deepEqual(
      (
        await csc(f, 'credentials/info', alice.token, {
          credentialID: alice.credentialId,
          certificates: 'all',
        })
      ).body,
      invalid('Invalid parameter certificates'),
    );
    const notJson = await f.app.inject({
      method: 'POST',
      url: '/csc/v2/credentials/info',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      payload: '{"credentialID":',
    });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json().error, 'invalid_request');
  });
});

describe('credentials/authorize and signatures/signHash', () => {
  test('ECDSA: one SAD signs a batch of hashes; openssl verifies each signature', async () => {
    const documents = Array.from({ length: 5 }, (_, i) => `契約書 ${i} / contract ${i}`);
    const hashes = documents.map((d) => digestOf(d));
    const auth = await authorize(f, alice, hashes);
    assert.equal(auth.status, 200);
    assert.match(auth.body.SAD as string, /^[A-Za-z0-9_-]{43}$/, '256 random bits');
    assert.equal(auth.body.expiresIn, 300);
    const signed = await csc(f, 'signatures/signHash', alice.token, {
      credentialID: alice.credentialId,
      SAD: auth.body.SAD,
      hashes: hashes.map((h) => h.toString('base64')),
      hashAlgorithmOID: OID.sha256,
      signAlgo: OID.ecdsaSha256,
    });
    assert.equal(signed.status, 200);
    const signatures = (signed.body.signatures as string[]).map((s) => Buffer.from(s, 'base64'));
    assert.equal(signatures.length, 5);
    signatures.forEach((signature, i) => {
      assert.ok(opensslVerify(alice.publicKey, documents[i]!, signature), `signature ${i} in request order`);
    });
    const audited = f.audit.last('signature.create')!;
    assert.equal(audited.outcome, 'success');
    assert.deepEqual(
      audited.details?.hashes,
      hashes.map((h) => h.toString('hex')),
    );
    assert.equal(audited.details?.authenticationMethod, 'pin+totp');
    assert.equal(typeof audited.details?.certificateSerial, 'string');
    assert.equal(audited.actor.id, alice.userId);
    const issued = f.audit.last('sad.issue')!;
    assert.equal(issued.outcome, 'success');
    assert.ok(
      !JSON.stringify(f.audit.events).includes(auth.body.SAD as string),
      'the SAD never reaches the audit trail',
    );
    assert.ok(!JSON.stringify(f.audit.events).includes(PIN), 'nor the PIN');
  });

  test('RSA: PKCS#1 v1.5 (sha256WithRSA and rsaEncryption + hashAlgorithmOID) and PSS verify with openssl', async () => {
    const data = ['pkcs1', 'raw-rsa', 'pss'];
    const hashes = data.map((d) => digestOf(d));
    const auth = await authorize(f, rsa, hashes);
    assert.equal(auth.status, 200);
    const sign = async (i: number, fields: Record<string, unknown>) => {
      const r = await csc(f, 'signatures/signHash', rsa.token, {
        credentialID: rsa.credentialId,
        SAD: auth.body.SAD,
        hashes: [hashes[i]!.toString('base64')],
        ...fields,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return Buffer.from((r.body.signatures as string[])[0]!, 'base64');
    };
    assert.ok(opensslVerify(rsa.publicKey, data[0]!, await sign(0, { signAlgo: OID.rsaSha256 })));
    assert.ok(
      opensslVerify(
        rsa.publicKey,
        data[1]!,
        await sign(1, { signAlgo: OID.rsaEncryption, hashAlgorithmOID: OID.sha256 }),
      ),
    );
    const pss = await sign(2, {
      signAlgo: OID.rsaPss,
      signAlgoParams: pssParamsFor('SHA-256'),
      hashAlgorithmOID: OID.sha256,
    });
    assert.ok(
      opensslVerify(rsa.publicKey, data[2]!, pss, [
        '-sigopt',
        'rsa_padding_mode:pss',
        '-sigopt',
        'rsa_pss_saltlen:32',
      ]),
    );
  });

  test('SHA-384 digests with ecdsa-with-SHA384', async () => {
    const hash = digestOf('sha384 document', 'sha384');
    const auth = await authorize(f, alice, [hash], 1, OID.sha384);
    assert.equal(auth.status, 200);
    const r = await csc(f, 'signatures/signHash', alice.token, {
      credentialID: alice.credentialId,
      SAD: auth.body.SAD,
      hashes: [hash.toString('base64')],
      signAlgo: OID.ecdsaSha384,
    });
    assert.equal(r.status, 200);
    assert.ok(
      opensslVerify(
        alice.publicKey,
        'sha384 document',
        Buffer.from((r.body.signatures as string[])[0]!, 'base64'),
        [],
        'sha384',
      ),
    );
  });

  test('extendTransaction continues a transaction with the remaining budget (JT2A appendix 1 method 2)', async () => {
    const first = digestOf('revision 1');
    const auth = await authorize(f, alice, [first], 3);
    assert.equal(auth.status, 200);
    const sign = (sad: unknown, hash: Buffer) =>
      csc(f, 'signatures/signHash', alice.token, {
        credentialID: alice.credentialId,
        SAD: sad,
        hashes: [hash.toString('base64')],
        signAlgo: OID.ecdsaSha256,
      });
    assert.equal((await sign(auth.body.SAD, first)).status, 200);
    const second = digestOf('revision 2');
    const extended = await csc(f, 'credentials/extendTransaction', alice.token, {
      credentialID: alice.credentialId,
      SAD: auth.body.SAD,
      hashes: [second.toString('base64')],
      hashAlgorithmOID: OID.sha256,
    });
    assert.equal(extended.status, 200, JSON.stringify(extended.body));
    assert.notEqual(extended.body.SAD, auth.body.SAD);
    assert.ok((extended.body.expiresIn as number) > 0);
    assert.deepEqual(
      (await sign(auth.body.SAD, second)).body,
      invalid('Invalid parameter SAD'),
      'the old SAD is invalidated',
    );
    const r = await sign(extended.body.SAD, second);
    assert.equal(r.status, 200);
    assert.ok(
      opensslVerify(
        alice.publicKey,
        'revision 2',
        Buffer.from((r.body.signatures as string[])[0]!, 'base64'),
      ),
    );
    assert.equal(f.audit.last('sad.extend')?.outcome, 'success');
  });

  test('authorize refuses malformed requests with the specified descriptions', async () => {
    const base = {
      credentialID: alice.credentialId,
      numSignatures: 1,
      hashes: [digestOf('x').toString('base64')],
      hashAlgorithmOID: OID.sha256,
      authData: [
        { id: 'PIN', value: PIN },
        { id: 'OTP', value: '000000' },
      ],
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ credentialID: undefined }, 'Missing (or invalid type) string parameter credentialID'],
      [{ credentialID: 'cred-unknown' }, 'Invalid parameter credentialID'],
      [{ numSignatures: undefined }, 'Missing (or invalid type) integer parameter numSignatures'],
      [{ numSignatures: '1' }, 'Missing (or invalid type) integer parameter numSignatures'],
      [{ numSignatures: 0 }, 'Invalid value for parameter numSignatures'],
      [{ numSignatures: 51 }, 'Numbers of signatures is too high'],
      [{ hashes: undefined }, 'Missing (or invalid type) array parameter hashes'],
      [{ hashAlgorithmOID: undefined }, 'Missing (or invalid type) string parameter hashAlgorithmOID'],
      [{ hashAlgorithmOID: '1.2.3' }, 'Invalid parameter hashAlgorithmOID'],
      [{ hashes: ['not base64!'] }, 'Invalid Base64 hash string parameter'],
      [{ hashes: [Buffer.alloc(20).toString('base64')] }, 'Invalid digest value length'],
      [{ hashes: [] }, 'Empty hash array'],
      [{ authData: 'PIN' }, 'Invalid parameter authData'],
    ];
    for (const [change, description] of cases) {
      const r = await csc(f, 'credentials/authorize', alice.token, { ...base, ...change });
      assert.equal(r.status, 400, description);
      assert.deepEqual(r.body, invalid(description), JSON.stringify(change));
    }
    // Refusals that reach the service are recorded (ADR 009), but none reaches the factor check.
    const refusals = f.audit.ofType('sad.issue', 'failure');
    assert.ok(refusals.length > 0, 'refused requests are audited');
    assert.ok(
      refusals.every((e) => e.details?.authenticationMethod === undefined),
      'malformed requests never reach the factor check',
    );
    const credential = await f.rssp.credentials.require(alice.credentialId);
    assert.equal(credential.failed_attempts, 0, 'and never count against the PIN budget');
  });

  test('signHash refuses malformed requests with the specified descriptions', async () => {
    const base = {
      credentialID: alice.credentialId,
      SAD: 'x'.repeat(43),
      hashes: [digestOf('y').toString('base64')],
      signAlgo: OID.ecdsaSha256,
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ credentialID: undefined }, 'Missing (or invalid type) string parameter credentialID'],
      [{ hashes: undefined }, 'Missing (or invalid type) array parameter hash'],
      [{ hashes: 'abc' }, 'Missing (or invalid type) array parameter hash'],
      [{ hashes: [] }, 'Empty hash array'],
      [{ hashes: ['***'] }, 'Invalid Base64 hash string parameter'],
      [{ hashes: [Buffer.alloc(31).toString('base64')] }, 'Invalid digest value length'],
      [{ signAlgo: undefined }, 'Missing (or invalid type) string parameter signAlgo'],
      [{ signAlgo: OID.rsaSha256 }, 'Invalid parameter signAlgo'],
      [{ hashAlgorithmOID: OID.sha384 }, 'Invalid parameter hashAlgorithmOID'],
      [{ signAlgo: '1.2.840.10045.2.1' }, 'Missing (or invalid type) string parameter hashAlgorithmOID'],
      [{ operationMode: 'B' }, 'Invalid parameter operationMode'],
      [{ operationMode: 'A', validity_period: 'soon' }, 'Invalid parameter validity_period'],
      [{ validity_period: 60_000 }, 'Invalid parameter validity_period'],
      [{ operationMode: 'A', validity_period: 10 }, 'Out of bounds parameter validity_period'],
      [{ operationMode: 'A', validity_period: 86_400_000 }, 'Out of bounds parameter validity_period'],
      [{ operationMode: 'A', response_uri: 'https://sca.example/cb' }, 'Invalid parameter response_uri'],
      [{ SAD: 12 }, 'Missing (or invalid type) string parameter SAD'],
      [{ credentialID: 'cred-unknown' }, 'Invalid parameter credentialID'],
    ];
    for (const [change, description] of cases) {
      const r = await csc(f, 'signatures/signHash', alice.token, { ...base, ...change });
      assert.equal(r.status, 400, description);
      assert.deepEqual(r.body, invalid(description), JSON.stringify(change));
    }
    const pssOnEc = await csc(f, 'signatures/signHash', rsa.token, {
      credentialID: rsa.credentialId,
      SAD: 'x'.repeat(43),
      hashes: [digestOf('y').toString('base64')],
      signAlgo: OID.rsaPss,
    });
    assert.deepEqual(pssOnEc.body, invalid('Missing (or invalid type) string parameter signAlgoParams'));
    const badPss = await csc(f, 'signatures/signHash', rsa.token, {
      credentialID: rsa.credentialId,
      SAD: 'x'.repeat(43),
      hashes: [digestOf('y').toString('base64')],
      signAlgo: OID.rsaPss,
      signAlgoParams: 'MAA=',
    });
    assert.deepEqual(badPss.body, invalid('Invalid parameter signAlgoParams'));
  });

  test('getChallenge sends an e-mailed code out of band (204) that authorizes once', async () => {
    const userId = f.users.add('mio', 'pw-mio-secret');
    const created = await f.rssp.credentials.create({
      userId,
      algorithm: 'EC-P256',
      subject: 'CN=mio, C=JP',
    });
    const id = created.credential.credential_id;
    await f.rssp.credentials.setPin(id, userId, PIN);
    await f.rssp.credentials.enrolEmailCodes(id, userId, 'mio@example.jp');
    const { login } = await import('./fixture.ts');
    const token = await login(f, 'mio');
    const info = await csc(f, 'credentials/info', token, { credentialID: id });
    assert.equal((info.body.auth as { objects: { type: string }[] }).objects[1]!.type, 'ChallengeResponse');
    assert.deepEqual(
      (await csc(f, 'credentials/getChallenge', token, { credentialID: id, authObjectID: 'PIN' })).body,
      invalid('Invalid parameter authObjectID'),
    );
    const challenge = await csc(f, 'credentials/getChallenge', token, {
      credentialID: id,
      authObjectID: 'OTP',
    });
    assert.equal(challenge.status, 204);
    const mailed = f.mailedCodes.at(-1)!;
    assert.equal(mailed.to, 'mio@example.jp');
    assert.ok(!JSON.stringify(f.audit.events).includes(mailed.code), 'the code is not audited');
    const hash = digestOf('mailed');
    const body = {
      credentialID: id,
      numSignatures: 1,
      hashes: [hash.toString('base64')],
      hashAlgorithmOID: OID.sha256,
      authData: [
        { id: 'PIN', value: PIN },
        { id: 'OTP', value: mailed.code },
      ],
    };
    assert.equal((await csc(f, 'credentials/authorize', token, body)).status, 200);
    const replay = await csc(f, 'credentials/authorize', token, body);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_authentication_data');
    // The legacy credentials/sendOTP mails a fresh code the same way (204) for older clients.
    const legacy = await csc(f, 'credentials/sendOTP', token, { credentialID: id });
    assert.equal(legacy.status, 204);
    const second = f.mailedCodes.at(-1)!;
    assert.notEqual(second.code, mailed.code);
    const again = { ...body, hashes: [digestOf('mailed again').toString('base64')] };
    again.authData = [
      { id: 'PIN', value: PIN },
      { id: 'OTP', value: second.code },
    ];
    assert.equal((await csc(f, 'credentials/authorize', token, again)).status, 200);
    assert.deepEqual(
      (await csc(f, 'credentials/sendOTP', token, {})).body,
      invalid('Missing (or invalid type) string parameter credentialID'),
    );
    // A credential whose one-time codes come from an app has nothing to send online.
    const appOnly = await csc(f, 'credentials/sendOTP', alice.token, { credentialID: alice.credentialId });
    assert.equal(appOnly.status, 400);
    assert.equal(appOnly.body.error, 'invalid_request');
    void nextOtp;
  });
});

describe('signatures/signDoc with documentDigests', () => {
  test('CAdES and PAdES detached CMS at AdES-B-B verify with openssl cms against the CA', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rssp-signdoc-'));
    try {
      const contents = ['CAdES の本文', 'PAdES byte ranges'];
      const digests = contents.map((c) => digestOf(c));
      const auth = await authorize(f, alice, digests);
      assert.equal(auth.status, 200);
      const r = await csc(f, 'signatures/signDoc', alice.token, {
        credentialID: alice.credentialId,
        SAD: auth.body.SAD,
        documentDigests: [
          {
            hashes: [digests[0]!.toString('base64')],
            hashAlgorithmOID: OID.sha256,
            signature_format: 'C',
            conformance_level: 'AdES-B-B',
            signAlgo: OID.ecdsaSha256,
            signed_envelope_property: 'Detached',
          },
          {
            hashes: [digests[1]!.toString('base64')],
            hashAlgorithmOID: OID.sha256,
            signature_format: 'P',
            signAlgo: OID.ecdsaSha256,
          },
        ],
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const objects = r.body.SignatureObject as string[];
      assert.equal(objects.length, 2);
      const caFile = path.join(dir, 'ca.pem');
      writeFileSync(caFile, f.ca.certificate.toString('pem'));
      for (const [i, object] of objects.entries()) {
        const cms = path.join(dir, `sig${i}.p7s`);
        const content = path.join(dir, `content${i}`);
        writeFileSync(cms, Buffer.from(object, 'base64'));
        writeFileSync(content, contents[i]!);
        const verified = run('openssl', [
          'cms',
          '-verify',
          '-binary',
          '-inform',
          'DER',
          '-in',
          cms,
          '-content',
          content,
          '-CAfile',
          caFile,
          '-purpose',
          'any',
          '-out',
          '/dev/null',
        ]);
        assert.equal(verified.status, 0, verified.stderr);
      }
      const again = await csc(f, 'signatures/signDoc', alice.token, {
        credentialID: alice.credentialId,
        SAD: auth.body.SAD,
        documentDigests: [
          { hashes: [digests[0]!.toString('base64')], signature_format: 'C', signAlgo: OID.ecdsaSha256 },
        ],
      });
      assert.deepEqual(again.body, invalid('Invalid parameter SAD'), 'the SAD was spent');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a digest outside the authorisation is 403 invalid_hash; malformed requests get the specified errors', async () => {
    const digest = digestOf('authorised');
    const auth = await authorize(f, alice, [digest]);
    const other = await csc(f, 'signatures/signDoc', alice.token, {
      credentialID: alice.credentialId,
      SAD: auth.body.SAD,
      documentDigests: [
        { hashes: [digestOf('other').toString('base64')], signature_format: 'P', signAlgo: OID.ecdsaSha256 },
      ],
    });
    assert.equal(other.status, 403);
    assert.deepEqual(other.body, {
      error: 'invalid_hash',
      error_description: 'Document or documentDigest does not match authorized hash',
    });
    const entry = { hashes: [digest.toString('base64')], signature_format: 'P', signAlgo: OID.ecdsaSha256 };
    const cases: [Record<string, unknown>, string][] = [
      [{ documentDigests: [] }, 'Empty documentDigests and documents objects'],
      [{ documentDigests: 'x' }, 'Invalid object parameter documentDigests'],
      [{ documents: [{ document: 'AA==' }] }, 'Both documentDigests and documents parameters passed'],
      [{ documentDigests: [{ ...entry, signature_format: 'X' }] }, 'Invalid parameter signature_format'],
      [
        { documentDigests: [{ ...entry, signature_format: undefined }] },
        'Missing (or invalid type) string parameter signature_format',
      ],
      [
        { documentDigests: [{ ...entry, conformance_level: 'Ades-B-T' }] },
        'Invalid parameter conformance_level',
      ],
      [
        { documentDigests: [{ ...entry, signed_envelope_property: 'Enveloped' }] },
        'Invalid parameter signed_envelope_property',
      ],
      [{ documentDigests: [{ ...entry, signAlgo: OID.rsaSha256 }] }, 'Invalid parameter signAlgo'],
    ];
    for (const [change, description] of cases) {
      const r = await csc(f, 'signatures/signDoc', alice.token, {
        credentialID: alice.credentialId,
        SAD: auth.body.SAD,
        documentDigests: [entry],
        ...change,
      });
      assert.deepEqual(r.body, invalid(description), JSON.stringify(change));
    }
    const ok = await csc(f, 'signatures/signDoc', alice.token, {
      credentialID: alice.credentialId,
      SAD: auth.body.SAD,
      documentDigests: [entry],
    });
    assert.equal(ok.status, 200, 'refusals spent nothing');
  });
});
