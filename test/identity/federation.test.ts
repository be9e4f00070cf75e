/**
 * Federated login (OIDC relying party) against a real oidc-provider on 127.0.0.1: authorization
 * code + PKCE, state and nonce; the IdP's acr/amr recorded; a single-factor IdP login still needs
 * the local second factor; forged or replayed callbacks are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Browser, createActiveUser, type Harness, openHarness } from '../helpers/identity-harness.ts';
import { startTestIdp, type TestIdp } from '../helpers/oidc-idp.ts';

const REDIRECT_URI = 'http://localhost:8080/api/auth/oidc/callback';

describe('federated login with OpenID Connect', () => {
  let idp: TestIdp;
  let h: Harness;

  before(async () => {
    idp = await startTestIdp({
      redirectUri: REDIRECT_URI,
      emails: {
        'idp-sub-mfa': 'federated.mfa@example.jp',
        'idp-sub-pwd': 'federated.pwd@example.jp',
        'idp-sub-stranger': 'unknown.person@example.jp',
      },
    });
    h = await openHarness({
      mail: 'outbox',
      oidc: {
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        redirectUri: REDIRECT_URI,
        multiFactorAcrValues: ['urn:example:loa:mfa'],
        allowInsecureIssuer: true,
      },
    });
    await createActiveUser(h, { email: 'federated.mfa@example.jp' });
    await createActiveUser(h, { email: 'federated.pwd@example.jp' });
  });
  after(async () => {
    await h.close();
    await idp.close();
  });

  async function start(browser: Browser): Promise<URL> {
    const started = await browser.send('GET', '/api/auth/oidc/start');
    assert.equal(started.statusCode, 302);
    const authorization = new URL(String(started.headers.location));
    assert.equal(authorization.origin, idp.issuer);
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorization.searchParams.get('state'));
    assert.ok(authorization.searchParams.get('nonce'));
    return authorization;
  }

  async function callback(browser: Browser, url: URL) {
    return browser.send('GET', `${url.pathname}${url.search}`);
  }

  test('a multi-factor IdP login gives an AAL2 session with the IdP acr and amr recorded', async () => {
    const browser = new Browser(h.app);
    idp.next = { accountId: 'idp-sub-mfa', acr: 'urn:example:loa:mfa', amr: ['pwd', 'otp'] };
    const back = await idp.authorize((await start(browser)).href);
    assert.ok(back.searchParams.get('code'));
    const done = await callback(browser, back);
    assert.equal(done.statusCode, 302, JSON.stringify(h.audit.ofType('auth.login').at(-1)));
    assert.equal(
      done.headers.location,
      'http://localhost:8080/?login=done',
      JSON.stringify(h.audit.ofType('auth.login').at(-1)),
    );
    const session = browser.json<{
      authenticated: boolean;
      assurance: string;
      methods: string[];
      federation: { issuer: string; acr: string; amr: string[] };
    }>(await browser.send('GET', '/api/auth/session'));
    assert.equal(session.authenticated, true);
    assert.equal(session.assurance, 'aal2');
    assert.deepEqual(session.methods, ['federated']);
    assert.equal(session.federation.issuer, idp.issuer);
    assert.equal(session.federation.acr, 'urn:example:loa:mfa');
    assert.deepEqual(session.federation.amr, ['pwd', 'otp']);
    const code = back.searchParams.get('code')!;
    assert.ok(!h.logLines.some((line) => line.includes(code)), 'the authorization code is not logged');
    const event = h.audit
      .ofType('auth.login')
      .find((e) => e.details?.method === 'federated' && e.outcome === 'success');
    assert.equal(event?.details?.acr, 'urn:example:loa:mfa');
    assert.deepEqual(event?.details?.amr, ['pwd', 'otp']);

    // The same code cannot be redeemed twice (the flow record is used once).
    const replay = new Browser(h.app);
    replay.cookies = new Map(browser.cookies);
    const again = await callback(replay, back);
    assert.equal(again.statusCode, 401);
  });

  test('a password-only IdP login still needs the local second factor', async () => {
    const browser = new Browser(h.app);
    idp.next = { accountId: 'idp-sub-pwd', acr: 'urn:example:loa:pwd', amr: ['pwd'] };
    const back = await idp.authorize((await start(browser)).href);
    const done = await callback(browser, back);
    assert.equal(done.statusCode, 302, done.body);
    const session = browser.json<{ authenticated: boolean; stage: string; assurance: string }>(
      await browser.send('GET', '/api/auth/session'),
    );
    assert.equal(session.authenticated, false);
    assert.equal(session.stage, 'enrolment');
    assert.equal(session.assurance, 'aal1');
    assert.equal((await browser.send('GET', '/api/users/me')).statusCode, 401);
  });

  test('a tampered state, a callback from another browser, and an unknown account are refused', async () => {
    idp.next = { accountId: 'idp-sub-mfa', acr: 'urn:example:loa:mfa', amr: ['pwd', 'otp'] };
    const browser = new Browser(h.app);
    const back = await idp.authorize((await start(browser)).href);
    const tampered = new URL(back);
    tampered.searchParams.set('state', 'attacker-chosen-state');
    const refused = await callback(browser, tampered);
    assert.equal(refused.statusCode, 401);
    assert.equal(
      browser.json<{ error: { code: string } }>(refused).error.code,
      'SHOMEI_AUTH_FEDERATION_FAILED',
    );

    // Login CSRF: the victim's browser never started this flow, so it has no flow cookie.
    const attacker = new Browser(h.app);
    const attackerBack = await idp.authorize((await start(attacker)).href);
    const victim = new Browser(h.app);
    const forced = await callback(victim, attackerBack);
    assert.equal(forced.statusCode, 401);
    assert.equal(victim.sessionCookie, undefined);

    const stranger = new Browser(h.app);
    idp.next = { accountId: 'idp-sub-stranger', acr: 'urn:example:loa:mfa', amr: ['pwd', 'otp'] };
    const strangerBack = await idp.authorize((await start(stranger)).href);
    const unknown = await callback(stranger, strangerBack);
    assert.equal(unknown.statusCode, 401);
    const reasons = h.audit
      .ofType('auth.login')
      .filter((e) => e.details?.method === 'federated' && e.outcome === 'failure')
      .map((e) => e.details?.reason);
    assert.ok(reasons.includes('code-exchange-or-token-invalid'));
    assert.ok(reasons.includes('unknown-flow'));
    assert.ok(reasons.includes('no-linked-account'));
  });
});
