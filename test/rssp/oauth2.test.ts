/**
 * OAuth 2.0 for registered client systems: authorization code with PKCE S256 (service and credential
 * scope, also through authorization_details), client credentials, refresh tokens, revocation.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { generate as generateTotp } from 'otplib';
import {
  csc,
  digestOf,
  type EnrolledSigner,
  enrolSigner,
  OID,
  openRsspFixture,
  opensslVerify,
  PIN,
  type RsspFixture,
} from './fixture.ts';

const REDIRECT = 'http://127.0.0.1:8999/callback';
let f: RsspFixture;
let client: { clientId: string; clientSecret: string };
let yuki: EnrolledSigner;

before(async () => {
  f = await openRsspFixture();
  client = await f.rssp.clients.register({ name: 'テスト SCA', redirectUris: [REDIRECT] }, 'operator-1');
  yuki = await enrolSigner(f, 'yuki', 'EC-P256', { authMode: 'oauth2code' });
});
after(async () => {
  await f.close();
});

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function query(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

async function authorizeCode(params: Record<string, string>, login: Record<string, string>) {
  const page = await f.app.inject({ method: 'GET', url: `/oauth2/authorize?${query(params)}` });
  assert.equal(page.statusCode, 200, page.body);
  assert.match(page.headers['content-type'] as string, /text\/html/);
  const approved = await f.app.inject({
    method: 'POST',
    url: '/oauth2/authorize',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: query({ ...params, ...login }),
  });
  assert.equal(approved.statusCode, 302, approved.body);
  return new URL(approved.headers.location as string);
}

function token(form: Record<string, string>, basic = true) {
  return f.app.inject({
    method: 'POST',
    url: '/oauth2/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(basic
        ? {
            authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
          }
        : {}),
    },
    payload: query(form),
  });
}

describe('authorization code with PKCE, scope service', () => {
  test('code → tokens; the code is single-use; PKCE and redirect_uri are checked', async () => {
    const { verifier, challenge } = pkce();
    const base = {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT,
      scope: 'service',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st-1',
    };
    const redirect = await authorizeCode(base, { username: 'yuki', password: 'pw-yuki-secret' });
    assert.equal(redirect.origin + redirect.pathname, REDIRECT);
    assert.equal(redirect.searchParams.get('state'), 'st-1');
    const code = redirect.searchParams.get('code')!;
    const wrongVerifier = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: pkce().verifier,
    });
    assert.equal(wrongVerifier.statusCode, 400);
    assert.equal(wrongVerifier.json().error, 'invalid_grant');
    // The code was spent by the failed attempt: PKCE failure does not leave it usable (RFC 6749 §10.5).
    const reuse = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    assert.deepEqual(reuse.json(), {
      error: 'invalid_grant',
      error_description: 'Authorization code is invalid or expired',
    });

    const second = await authorizeCode(
      { ...base, state: 'st-2' },
      { username: 'yuki', password: 'pw-yuki-secret' },
    );
    const otherRedirect = await token({
      grant_type: 'authorization_code',
      code: second.searchParams.get('code')!,
      redirect_uri: 'http://127.0.0.1:8999/other',
      code_verifier: verifier,
    });
    assert.deepEqual(otherRedirect.json(), {
      error: 'invalid_grant',
      error_description: 'redirect_uri parameter does not match',
    });

    const third = await authorizeCode(
      { ...base, state: 'st-3' },
      { username: 'yuki', password: 'pw-yuki-secret' },
    );
    const ok = await token({
      grant_type: 'authorization_code',
      code: third.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.headers['cache-control'], 'no-store');
    const tokens = ok.json();
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.expires_in, 3600);
    assert.equal(typeof tokens.refresh_token, 'string');
    const list = await csc(f, 'credentials/list', tokens.access_token, {});
    assert.deepEqual(list.body.credentialIDs, [yuki.credentialId]);
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    assert.equal(refreshed.statusCode, 200);
    const revoke = await f.app.inject({
      method: 'POST',
      url: '/oauth2/revoke',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      payload: query({ token: tokens.refresh_token, token_type_hint: 'refresh_token' }),
    });
    assert.equal(revoke.statusCode, 204);
    assert.equal(
      (await csc(f, 'credentials/list', refreshed.json().access_token, {})).body.error,
      'invalid_token',
    );
    assert.equal(
      (await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).json().error,
      'invalid_grant',
    );
  });

  test('bad authorize requests: unregistered client or redirect answered directly, the rest redirected', async () => {
    const { challenge } = pkce();
    const good = {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const unknownClient = await f.app.inject({
      method: 'GET',
      url: `/oauth2/authorize?${query({ ...good, client_id: 'client-x' })}`,
    });
    assert.equal(unknownClient.statusCode, 400);
    assert.deepEqual(unknownClient.json(), {
      error: 'invalid_request',
      error_description: 'Invalid parameter client_id',
    });
    const evilRedirect = await f.app.inject({
      method: 'GET',
      url: `/oauth2/authorize?${query({ ...good, redirect_uri: 'https://evil.example/cb' })}`,
    });
    assert.equal(evilRedirect.statusCode, 400, 'never redirect to an unregistered URI');
    const cases: [Record<string, string | undefined>, string][] = [
      [{ code_challenge: undefined }, 'invalid_request'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: 'admin' }, 'invalid_scope'],
    ];
    for (const [change, error] of cases) {
      const params = Object.fromEntries(
        Object.entries({ ...good, ...change }).filter(([, v]) => v !== undefined),
      ) as Record<string, string>;
      const r = await f.app.inject({ method: 'GET', url: `/oauth2/authorize?${query(params)}` });
      assert.equal(r.statusCode, 302, JSON.stringify(change));
      assert.equal(new URL(r.headers.location as string).searchParams.get('error'), error);
    }
    const badLogin = await f.app.inject({
      method: 'POST',
      url: '/oauth2/authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: query({ ...good, username: 'yuki', password: 'wrong' }),
    });
    assert.equal(new URL(badLogin.headers.location as string).searchParams.get('error'), 'access_denied');
  });

  test('client authentication is required at the token endpoint', async () => {
    const noAuth = await token({ grant_type: 'client_credentials' }, false);
    assert.equal(noAuth.statusCode, 400);
    const wrong = await f.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: query({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: 'guess',
      }),
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().error, 'invalid_client');
    assert.equal((await token({ grant_type: 'password' })).json().error, 'unsupported_grant_type');
  });
});

describe('scope credential: the token is the SAD', () => {
  const credentialFlow = async (params: Record<string, string>) => {
    const { verifier, challenge } = pkce();
    const otp = await generateTotp({
      secret: yuki.totpSecret,
      epoch: Math.floor((f.clock.now().getTime() + 30_000) / 1000),
    });
    f.clock.advance(30);
    const redirect = await authorizeCode(
      {
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: REDIRECT,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        ...params,
      },
      { username: 'yuki', password: 'pw-yuki-secret', pin: PIN, otp },
    );
    const code = redirect.searchParams.get('code');
    assert.ok(code, redirect.toString());
    const r = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };

  test('scope=credential with hashes: signHash with the bearer and no SAD, once, for that hash only', async () => {
    const a = digestOf('oauth document A');
    const tokens = await credentialFlow({
      scope: 'credential',
      credentialID: yuki.credentialId,
      numSignatures: '1',
      hashes: a.toString('base64url'),
      hashAlgorithmOID: OID.sha256,
    });
    assert.equal(tokens.credentialID, yuki.credentialId);
    assert.equal(tokens.refresh_token, undefined);
    assert.equal(tokens.expires_in, 300);
    const sign = (hash: Buffer) =>
      csc(f, 'signatures/signHash', tokens.access_token, {
        credentialID: yuki.credentialId,
        hashes: [hash.toString('base64')],
        signAlgo: OID.ecdsaSha256,
      });
    assert.deepEqual((await sign(digestOf('B'))).body, {
      error: 'invalid_request',
      error_description: 'Hash is not authorized by the SAD',
    });
    const ok = await sign(a);
    assert.equal(ok.status, 200);
    assert.ok(
      opensslVerify(
        yuki.publicKey,
        'oauth document A',
        Buffer.from((ok.body.signatures as string[])[0]!, 'base64'),
      ),
    );
    assert.deepEqual((await sign(a)).body, {
      error: 'invalid_request',
      error_description: 'Invalid parameter SAD',
    });
    const info = await csc(f, 'credentials/info', tokens.access_token, { credentialID: yuki.credentialId });
    assert.deepEqual(info.body.auth, { mode: 'oauth2code' });
    assert.equal(
      f.audit.ofType('signature.create', 'success').at(-1)?.details?.authenticationMethod,
      'password+pin+totp',
    );
  });

  test('authorization_details of type credential works the same way and is echoed', async () => {
    const a = digestOf('RAR document');
    const details = [
      {
        type: 'credential',
        credentialID: yuki.credentialId,
        hashAlgorithmOID: OID.sha256,
        documentDigests: [{ hash: a.toString('base64'), label: '契約書' }],
      },
    ];
    const tokens = await credentialFlow({ authorization_details: JSON.stringify(details) });
    assert.deepEqual(tokens.authorization_details, details);
    const ok = await csc(f, 'signatures/signHash', tokens.access_token, {
      credentialID: yuki.credentialId,
      hashes: [a.toString('base64')],
      signAlgo: OID.ecdsaSha256,
    });
    assert.equal(ok.status, 200);
  });

  test('an oauth2code credential cannot be authorized in explicit mode, and a wrong PIN denies the code', async () => {
    const r = await csc(f, 'credentials/authorize', yuki.token, {
      credentialID: yuki.credentialId,
      numSignatures: 1,
      hashes: [digestOf('x').toString('base64')],
      hashAlgorithmOID: OID.sha256,
      authData: [],
    });
    assert.deepEqual(r.body, {
      error: 'invalid_request',
      error_description: 'Invalid parameter credentialID',
    });
    const { challenge } = pkce();
    const params = {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'credential',
      credentialID: yuki.credentialId,
      numSignatures: '1',
      hashes: digestOf('y').toString('base64url'),
      hashAlgorithmOID: OID.sha256,
    };
    const denied = await f.app.inject({
      method: 'POST',
      url: '/oauth2/authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: query({
        ...params,
        username: 'yuki',
        password: 'pw-yuki-secret',
        pin: '000000',
        otp: '123456',
      }),
    });
    const location = new URL(denied.headers.location as string);
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('code'), null);
    const missingHashes = await f.app.inject({
      method: 'GET',
      url: `/oauth2/authorize?${query({ ...params, hashes: '' }).replace('hashes=&', '')}`,
    });
    assert.equal(missingHashes.statusCode, 302);
  });
});

describe('client credentials', () => {
  test('a client system’s own token reaches only credentials that name it, with userID', async () => {
    const r = await token({ grant_type: 'client_credentials' });
    assert.equal(r.statusCode, 200);
    const clientToken = r.json().access_token as string;
    assert.deepEqual((await csc(f, 'credentials/list', clientToken, {})).body, {
      error: 'invalid_request',
      error_description: 'Missing (or invalid type) string parameter userID',
    });
    assert.deepEqual(
      (await csc(f, 'credentials/list', clientToken, { userID: yuki.userId })).body.credentialIDs,
      [],
    );
    const seal = await f.rssp.credentials.create({
      userId: yuki.userId,
      algorithm: 'EC-P256',
      subject: 'CN=seal, C=JP',
      allowedClients: [client.clientId],
    });
    assert.deepEqual(
      (await csc(f, 'credentials/list', clientToken, { userID: yuki.userId })).body.credentialIDs,
      [seal.credential.credential_id],
    );
    // yuki's own login token does not reach a credential limited to the client system.
    assert.ok(
      !((await csc(f, 'credentials/list', yuki.token, {})).body.credentialIDs as string[]).includes(
        seal.credential.credential_id,
      ),
    );
  });
});

describe('pushed authorization requests (PAR)', () => {
  test('the client pushes the parameters, the browser brings request_uri once', async () => {
    const { verifier, challenge } = pkce();
    const a = digestOf('PAR document');
    const params = {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'par-state',
      authorization_details: JSON.stringify([
        {
          type: 'credential',
          credentialID: yuki.credentialId,
          hashAlgorithmOID: OID.sha256,
          documentDigests: [{ hash: a.toString('base64'), label: 'PAR' }],
        },
      ]),
    };
    const basicAuth = {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    };
    const pushed = await f.app.inject({
      method: 'POST',
      url: '/oauth2/pushed_authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...basicAuth },
      payload: query(params),
    });
    assert.equal(pushed.statusCode, 201, pushed.body);
    const { request_uri: requestUri, expires_in: expiresIn } = pushed.json();
    assert.match(requestUri, /^urn:ietf:params:oauth:request_uri:/);
    assert.equal(expiresIn, 90);
    const wrongClient = await f.app.inject({
      method: 'GET',
      url: `/oauth2/authorize?${query({ client_id: 'client-other', request_uri: requestUri })}`,
    });
    assert.equal(wrongClient.statusCode, 400);
    const page = await f.app.inject({
      method: 'GET',
      url: `/oauth2/authorize?${query({ client_id: client.clientId, request_uri: requestUri })}`,
    });
    assert.equal(page.statusCode, 400, 'the failed attempt above spent the request_uri');

    const pushedAgain = await f.app.inject({
      method: 'POST',
      url: '/oauth2/pushed_authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...basicAuth },
      payload: query(params),
    });
    const uri = pushedAgain.json().request_uri as string;
    const shown = await f.app.inject({
      method: 'GET',
      url: `/oauth2/authorize?${query({ client_id: client.clientId, request_uri: uri })}`,
    });
    assert.equal(shown.statusCode, 200);
    assert.match(shown.body, /name="authorization_details"/);
    assert.equal(
      (
        await f.app.inject({
          method: 'GET',
          url: `/oauth2/authorize?${query({ client_id: client.clientId, request_uri: uri })}`,
        })
      ).statusCode,
      400,
      'single use',
    );
    f.clock.advance(30);
    const otp = await generateTotp({
      secret: yuki.totpSecret,
      epoch: Math.floor(f.clock.now().getTime() / 1000),
    });
    const approved = await f.app.inject({
      method: 'POST',
      url: '/oauth2/authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: query({ ...params, username: 'yuki', password: 'pw-yuki-secret', pin: PIN, otp }),
    });
    const code = new URL(approved.headers.location as string).searchParams.get('code')!;
    const tokens = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    assert.equal(tokens.statusCode, 200, tokens.body);
    const signed = await csc(f, 'signatures/signHash', tokens.json().access_token, {
      credentialID: yuki.credentialId,
      hashes: [a.toString('base64')],
      signAlgo: OID.ecdsaSha256,
    });
    assert.equal(signed.status, 200);
  });

  test('PAR needs client authentication and valid parameters', async () => {
    const noAuth = await f.app.inject({
      method: 'POST',
      url: '/oauth2/pushed_authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: query({ response_type: 'code', client_id: client.clientId }),
    });
    assert.equal(noAuth.statusCode, 401);
    const bad = await f.app.inject({
      method: 'POST',
      url: '/oauth2/pushed_authorize',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      payload: query({
        response_type: 'code',
        redirect_uri: REDIRECT,
        code_challenge_method: 'plain',
        code_challenge: pkce().challenge,
      }),
    });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json(), {
      error: 'invalid_request',
      error_description: 'Invalid parameter code_challenge_method',
    });
  });
});
