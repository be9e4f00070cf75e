/**
 * Malformed and hostile input to the identity routes: oversized JSON, wrong types, unknown fields,
 * bad tokens, forged cookies and assertions. Each gets a typed error and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { passwordRejection } from '../../src/identity/index.ts';
import {
  Browser,
  createActiveUser,
  type Harness,
  loginWithTotp,
  openHarness,
} from '../helpers/identity-harness.ts';

type ErrorBody = { error: { code: string; message: { ja: string; en: string } } };

describe('hostile input to the identity routes', () => {
  let h: Harness;

  before(async () => {
    h = await openHarness({ mail: 'outbox' });
  });
  after(async () => {
    await h.close();
  });

  test('an oversized body is refused before it is parsed', async () => {
    const browser = new Browser(h.app);
    const big = { email: 'a@example.jp', password: 'x'.repeat(64 * 1024) };
    const response = await browser.send('POST', '/api/auth/login', big);
    assert.equal(response.statusCode, 413);
    assert.equal(browser.json<ErrorBody>(response).error.code, 'SHOMEI_INPUT_TOO_LARGE');
    const application = await browser.send('POST', '/api/applications', {
      organisationName: 'x'.repeat(20_000),
      user: {},
    });
    assert.equal(application.statusCode, 413);
  });

  test('wrong types, missing and unknown fields give SHOMEI_INPUT_INVALID naming the field', async () => {
    const browser = new Browser(h.app);
    const cases: [unknown, string][] = [
      [{ email: 42, password: 'x' }, 'email'],
      [{ email: 'not-an-email', password: 'x' }, 'email'],
      [{ email: 'a@example.jp' }, 'password'],
      [{ email: 'a@example.jp', password: ['array'] }, 'password'],
      [{ email: 'a@example.jp', password: 'x', isAdmin: true }, 'body'],
      [[1, 2, 3], 'body'],
      ['just a string', 'body'],
    ];
    for (const [body, field] of cases) {
      const response = await browser.send('POST', '/api/auth/login', body);
      assert.equal(response.statusCode, 400, JSON.stringify(body));
      const parsed = browser.json<ErrorBody & { error: { details?: unknown } }>(response);
      assert.equal(parsed.error.code, 'SHOMEI_INPUT_INVALID');
      assert.ok(parsed.error.message.ja.includes(field) && parsed.error.message.en.includes(field), field);
    }
    const malformed = await browser.send('POST', '/api/auth/login', undefined, {
      rawBody: '{"email": "a@example.jp", "password": ',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(malformed.statusCode, 400);
    assert.equal(browser.json<ErrorBody>(malformed).error.code, 'SHOMEI_BAD_REQUEST');
    const proto = await browser.send('POST', '/api/applications', undefined, {
      rawBody: '{"__proto__": {"status": "approved"}, "organisationName": "x", "user": {}}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(proto.statusCode, 400);
  });

  test('applications validate every field; an application with a bad e-mail or huge name is refused', async () => {
    const browser = new Browser(h.app);
    const base = {
      organisationName: '株式会社テスト',
      user: { email: 'ok@example.jp', displayName: 'テスト 太郎', familyName: 'テスト', givenName: '太郎' },
    };
    const bad = [
      { ...base, user: { ...base.user, email: 'x@y' } },
      { ...base, user: { ...base.user, familyName: '' } },
      { ...base, user: { ...base.user, displayName: 'x'.repeat(101) } },
      { ...base, tenantSlug: '../etc' },
      { ...base, delegation: { delegateName: '代理人' } },
      { ...base, status: 'approved' },
    ];
    for (const body of bad) {
      const response = await browser.send('POST', '/api/applications', body);
      assert.equal(response.statusCode, 400, JSON.stringify(body));
    }
    assert.equal((await h.identity.applications.list()).length, 0, 'nothing was stored');
  });

  test('bad activation tokens, ids and cookies are refused without a hint', async () => {
    const browser = new Browser(h.app);
    for (const token of ['x', 'A'.repeat(43), 'A'.repeat(199), "' or 1=1 --"]) {
      const response = await browser.send('POST', '/api/auth/activate', {
        token,
        password: 'a long enough password 123',
      });
      assert.equal(response.statusCode, 400);
      assert.equal(browser.json<ErrorBody>(response).error.code, 'SHOMEI_TOKEN_INVALID');
    }
    const forged = new Browser(h.app);
    for (const value of ['', 'x', 'A'.repeat(43), 'A'.repeat(5000)]) {
      forged.cookies = new Map([['__Host-shomei_session', value]]);
      assert.equal((await forged.send('GET', '/api/users/me')).statusCode, 401);
      assert.equal(forged.json(await forged.send('GET', '/api/auth/session')).authenticated, false);
    }
    const user = await createActiveUser(h, { email: 'ids@example.jp' });
    h.operators.add(user.id);
    const op = new Browser(h.app);
    await loginWithTotp(h, op, user.email);
    for (const id of ['not-a-uuid', '1; drop table identity_users', '%00']) {
      const response = await op.send('POST', `/api/users/${encodeURIComponent(id)}/unlock`);
      assert.equal(response.statusCode, 400, id);
    }
    const missing = await op.send('POST', '/api/users/00000000-0000-4000-8000-00000000abcd/unlock');
    assert.equal(missing.statusCode, 404);
  });

  test('login steps out of order and garbage second factors are refused', async () => {
    const browser = new Browser(h.app);
    const noSession = await browser.send('POST', '/api/auth/login/totp', { code: '123456' });
    assert.equal(noSession.statusCode, 401);
    const email = 'order@example.jp';
    await createActiveUser(h, { email });
    const seed = await loginWithTotp(h, browser, email);
    const afterDone = await browser.send('POST', '/api/auth/login/totp', { code: await h.clock.totp(seed) });
    assert.equal(afterDone.statusCode, 409, 'a finished login takes no second factor');
    assert.equal(browser.json<ErrorBody>(afterDone).error.code, 'SHOMEI_AUTH_STEP_INVALID');
    const fresh = new Browser(h.app);
    await fresh.send('POST', '/api/auth/login', { email, password: 'correct horse battery staple 署名' });
    for (const response of [
      { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: {} },
      {
        id: '!!',
        rawId: '!!',
        type: 'public-key',
        response: { clientDataJSON: '', authenticatorData: '', signature: '' },
      },
      'string',
      null,
    ]) {
      const r = await fresh.send('POST', '/api/auth/login/passkey', { response });
      assert.equal(r.statusCode, 401);
    }
    const totp = await fresh.send('POST', '/api/auth/login/totp', { code: 'x'.repeat(65) });
    assert.equal(totp.statusCode, 400);
  });

  test('the password policy: 12+ characters, no composition rules, no common or derived passwords', () => {
    assert.equal(passwordRejection('short pw'), 'too-short');
    assert.equal(passwordRejection('abcdefghijk'), 'too-short');
    assert.equal(passwordRejection('password1234'), 'common');
    assert.equal(passwordRejection('qwertyuiop123!'), 'common');
    assert.equal(passwordRejection('iloveyouiloveyou'), 'common');
    assert.equal(passwordRejection('aaaaaaaaaaaaaaaa'), 'repetitive');
    assert.equal(passwordRejection('hanako.sato-2026!', ['hanako.sato']), 'contains-identifier');
    assert.equal(passwordRejection('x'.repeat(100) + 'y'.repeat(200)), 'too-long');
    assert.equal(passwordRejection('all lower case words here'), null, 'no composition rules');
    assert.equal(passwordRejection('ひらがなだけのながいぱすわーど'), null, 'any Unicode');
    assert.equal(passwordRejection('ｐａｓｓｗｏｒｄ１２３４'), 'common', 'NFKC before the list check');
  });
});
