/**
 * Managing one's authenticators: list passkeys, add a second factor, remove one, regenerate recovery
 * codes; the last second factor cannot be removed (a password alone must never allow enrolling anew).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Browser,
  createActiveUser,
  type Harness,
  loginWithTotp,
  openHarness,
} from '../helpers/identity-harness.ts';
import { SoftwareAuthenticator } from '../helpers/webauthn-authenticator.ts';

describe('authenticator management', () => {
  let h: Harness;

  before(async () => {
    h = await openHarness({ mail: 'outbox' });
  });
  after(async () => {
    await h.close();
  });

  test('add a passkey next to TOTP, remove TOTP, keep the passkey; the last factor stays', async () => {
    const email = 'manage@example.jp';
    await createActiveUser(h, { email });
    const browser = new Browser(h.app);
    await loginWithTotp(h, browser, email);

    const authenticator = new SoftwareAuthenticator('http://localhost:8080');
    const options = browser.json<Parameters<SoftwareAuthenticator['create']>[0]>(
      await browser.send('POST', '/api/auth/passkeys/options'),
    );
    const cookieBefore = browser.sessionCookie;
    const added = await browser.send('POST', '/api/auth/passkeys', {
      response: authenticator.create(options),
    });
    assert.equal(added.statusCode, 201, added.body);
    assert.notEqual(browser.sessionCookie, cookieBefore, 'adding a factor rotates the session id');
    // Registering the same options twice does not work: the challenge was used.
    const twice = await browser.send('POST', '/api/auth/passkeys', {
      response: authenticator.create(options),
    });
    assert.equal(twice.statusCode, 401);

    const listed = browser.json<{ passkeys: { id: string; name: string }[] }>(
      await browser.send('GET', '/api/auth/passkeys'),
    ).passkeys;
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.name, 'passkey');

    const codes = browser.json<{ recoveryCodes: string[] }>(
      await browser.send('POST', '/api/auth/recovery-codes'),
    );
    assert.equal(codes.recoveryCodes.length, 10);

    assert.equal((await browser.send('DELETE', '/api/auth/totp')).statusCode, 204);
    const last = await browser.send('DELETE', `/api/auth/passkeys/${listed[0]!.id}`);
    assert.equal(last.statusCode, 409);
    assert.equal(browser.json<{ error: { code: string } }>(last).error.code, 'SHOMEI_STATE_INVALID');
    assert.equal((await browser.send('DELETE', '/api/auth/passkeys/unknown-id')).statusCode, 404);

    const relogin = new Browser(h.app);
    const step = await relogin.send('POST', '/api/auth/login', {
      email,
      password: 'correct horse battery staple 署名',
    });
    assert.deepEqual(relogin.json(step).secondFactors, ['passkey'], 'TOTP is gone, the passkey remains');
    const removals = h.audit.ofType('auth.enrol').filter((e) => e.details?.action === 'remove');
    assert.ok(removals.some((e) => e.details?.authenticator === 'totp' && e.outcome === 'success'));
  });
});
