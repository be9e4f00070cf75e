/**
 * Acceptance: session hijack protection and lockout (GL 7.1.3). A stolen cookie stops working after
 * logout, idle timeout and absolute lifetime; the id changes at login; requests without the CSRF
 * token are refused; five wrong passwords lock the account, and a locked account answers exactly like
 * an unknown one. Every event reaches the audit trail, and no secret reaches a log line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Browser,
  createActiveUser,
  type Harness,
  loginWithTotp,
  openHarness,
  STRONG_PASSWORD,
} from '../helpers/identity-harness.ts';

const MINUTE = 60_000;

describe('sessions, CSRF and lockout (HTTP, SQLite)', () => {
  let h: Harness;
  let operator: Browser;
  let operatorEmail: string;
  let operatorSeed: string;
  const secrets: string[] = [STRONG_PASSWORD];

  before(async () => {
    h = await openHarness({ settings: { lockoutDurationMs: 30 * MINUTE } });
    const op = await createActiveUser(h, {
      email: 'security.officer@shomei.example',
      tenantSlug: 'provider',
    });
    h.operators.add(op.id);
    operator = new Browser(h.app);
    operatorEmail = op.email;
    operatorSeed = await loginWithTotp(h, operator, op.email);
    secrets.push(operatorSeed, operator.sessionCookie!);
  });
  after(async () => {
    await h.close();
  });

  async function loggedIn(email: string): Promise<{ browser: Browser; seed: string }> {
    await createActiveUser(h, { email });
    const browser = new Browser(h.app);
    const seed = await loginWithTotp(h, browser, email);
    secrets.push(seed, browser.sessionCookie!, browser.csrf!);
    return { browser, seed };
  }

  function thief(from: Browser): Browser {
    const stolen = new Browser(h.app);
    stolen.cookies = new Map(from.cookies);
    stolen.csrf = from.csrf;
    return stolen;
  }

  test('the session cookie is HttpOnly, Secure, SameSite=Lax and host-only; its id changes at login', async () => {
    await createActiveUser(h, { email: 'cookie.check@example.jp' });
    const browser = new Browser(h.app);
    const first = await browser.send('POST', '/api/auth/login', {
      email: 'cookie.check@example.jp',
      password: STRONG_PASSWORD,
    });
    const header = String(first.headers['set-cookie']);
    assert.match(header, /^__Host-shomei_session=/);
    assert.match(header, /HttpOnly/i);
    assert.match(header, /Secure/i);
    assert.match(header, /SameSite=Lax/i);
    assert.match(header, /Path=\//);
    assert.doesNotMatch(header, /Domain=/i);
    const pending = browser.sessionCookie!;
    const enrol = browser.json<{ secret: string }>(await browser.send('POST', '/api/auth/totp/enrol'));
    await browser.send('POST', '/api/auth/totp/confirm', { code: await h.clock.totp(enrol.secret) });
    secrets.push(enrol.secret, pending);
    assert.notEqual(browser.sessionCookie, pending, 'completing MFA rotates the id');
    const replaced = new Browser(h.app);
    replaced.cookies = new Map([['__Host-shomei_session', pending]]);
    assert.equal(browser.json(await replaced.send('GET', '/api/auth/session')).authenticated, false);

    // A session fixed before login (attacker-planted cookie) is replaced by a new id at login.
    const fixed = browser.sessionCookie!;
    h.clock.advance(MINUTE);
    const relogin = await browser.send('POST', '/api/auth/login', {
      email: 'cookie.check@example.jp',
      password: STRONG_PASSWORD,
    });
    assert.equal(relogin.statusCode, 200);
    assert.notEqual(browser.sessionCookie, fixed);
    const planted = new Browser(h.app);
    planted.cookies = new Map([['__Host-shomei_session', fixed]]);
    assert.equal((await planted.send('GET', '/api/users/me')).statusCode, 401);
  });

  test('a stolen cookie stops working after logout', async () => {
    const { browser } = await loggedIn('logout@example.jp');
    const stolen = thief(browser);
    assert.equal((await stolen.send('GET', '/api/users/me')).statusCode, 200);
    const out = await browser.send('POST', '/api/auth/logout');
    assert.equal(out.statusCode, 204);
    assert.equal((await stolen.send('GET', '/api/users/me')).statusCode, 401);
    assert.ok(h.audit.ofType('auth.logout').length > 0);
  });

  test('a stolen cookie stops working after the idle timeout (30 minutes by default)', async () => {
    const { browser } = await loggedIn('idle@example.jp');
    const stolen = thief(browser);
    h.clock.advance(29 * MINUTE);
    assert.equal((await stolen.send('GET', '/api/users/me')).statusCode, 200, 'activity within 30 minutes');
    h.clock.advance(30 * MINUTE + 1);
    assert.equal((await stolen.send('GET', '/api/users/me')).statusCode, 401);
    assert.equal((await browser.send('GET', '/api/users/me')).statusCode, 401);
  });

  test('a stolen cookie stops working after the absolute lifetime (12 hours) even when active', async () => {
    const { browser } = await loggedIn('absolute@example.jp');
    const stolen = thief(browser);
    for (let i = 0; i < 24; i += 1) {
      h.clock.advance(29 * MINUTE);
      assert.equal(
        (await stolen.send('GET', '/api/users/me')).statusCode,
        200,
        `still active after ${i + 1} steps`,
      );
    }
    h.clock.advance(29 * MINUTE);
    assert.equal((await stolen.send('GET', '/api/users/me')).statusCode, 401);
  });

  test('a state-changing request without (or with a wrong) CSRF token is refused', async () => {
    const { browser } = await loggedIn('csrf@example.jp');
    const sessions = browser.json<{ sessions: { id: string; current: boolean }[] }>(
      await browser.send('GET', '/api/auth/sessions'),
    ).sessions;
    const current = sessions.find((s) => s.current)!;
    const without = await browser.send('POST', '/api/auth/logout', undefined, { csrf: false });
    assert.equal(without.statusCode, 403);
    assert.equal(browser.json<{ error: { code: string } }>(without).error.code, 'SHOMEI_CSRF_REJECTED');
    const wrong = await browser.send('DELETE', `/api/auth/sessions/${current.id}`, undefined, {
      csrf: false,
      headers: { 'x-csrf-token': 'forged-token-value' },
    });
    assert.equal(wrong.statusCode, 403);
    // Another session's token does not fit this session either.
    const other = await loggedIn('csrf.other@example.jp');
    const crossed = await browser.send('POST', '/api/auth/logout', undefined, {
      csrf: false,
      headers: { 'x-csrf-token': other.browser.csrf! },
    });
    assert.equal(crossed.statusCode, 403);
    assert.equal((await browser.send('GET', '/api/users/me')).statusCode, 200, 'the session survived');
    // A form post (text/plain, as a cross-site form could send) to the login endpoint is refused.
    const form = await new Browser(h.app).send('POST', '/api/auth/login', undefined, {
      rawBody: 'email=csrf@example.jp&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.statusCode, 415);
  });

  test('a route that ignores the session cookie gets no principal and no CSRF check', async () => {
    const { browser } = await loggedIn('ignore.cookie@example.jp');
    const app = (await import('fastify')).default();
    const { authenticateRequests } = await import('../../src/identity/index.ts');
    await app.register(authenticateRequests, { identity: h.identity });
    app.post('/protocol', { config: { sessionCookie: 'ignore' } }, async (request) => ({
      principal: request.principal ?? null,
    }));
    app.post('/cookie-auth', async (request) => ({ principal: request.principal?.email ?? null }));
    const cookie = `__Host-shomei_session=${browser.sessionCookie}`;
    const ignored = await app.inject({ method: 'POST', url: '/protocol', headers: { cookie } });
    assert.equal(ignored.statusCode, 200);
    assert.deepEqual(JSON.parse(ignored.body), { principal: null });
    const guarded = await app.inject({ method: 'POST', url: '/cookie-auth', headers: { cookie } });
    assert.equal(guarded.statusCode, 403, 'everywhere else the CSRF token is required');
    const withToken = await app.inject({
      method: 'POST',
      url: '/cookie-auth',
      headers: { cookie, 'x-csrf-token': browser.csrf! },
    });
    assert.deepEqual(JSON.parse(withToken.body), { principal: 'ignore.cookie@example.jp' });
    await app.close();
  });

  test('a user lists active sessions and revokes one; another user cannot see or revoke it', async () => {
    const email = 'sessions@example.jp';
    const { browser: laptop, seed } = await loggedIn(email);
    const phone = new Browser(h.app);
    await loginWithTotp(h, phone, email, STRONG_PASSWORD, seed);
    const listed = laptop.json<{ sessions: { id: string; current: boolean }[] }>(
      await laptop.send('GET', '/api/auth/sessions'),
    ).sessions;
    assert.equal(listed.length, 2);
    const phoneSession = listed.find((s) => !s.current)!;
    const stranger = await loggedIn('stranger@example.jp');
    const refused = await stranger.browser.send('DELETE', `/api/auth/sessions/${phoneSession.id}`);
    assert.equal(refused.statusCode, 404);
    const revoked = await laptop.send('DELETE', `/api/auth/sessions/${phoneSession.id}`);
    assert.equal(revoked.statusCode, 204);
    assert.equal((await phone.send('GET', '/api/users/me')).statusCode, 401);
    assert.equal((await laptop.send('GET', '/api/users/me')).statusCode, 200);
    const event = h.audit.ofType('session.revoke').find((e) => e.subject?.id === phoneSession.id);
    assert.equal(event?.outcome, 'success');
  });

  test('five wrong passwords lock the account; the correct sixth fails like an unknown user until unlock', async () => {
    const email = 'lockout@example.jp';
    const user = await createActiveUser(h, { email });
    const browser = new Browser(h.app);
    const failures: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const r = await browser.send('POST', '/api/auth/login', {
        email,
        password: `wrong password number ${i}`,
      });
      assert.equal(r.statusCode, 401);
      failures.push(r.body);
    }
    assert.ok(
      h.audit.ofType('auth.lock').some((e) => e.subject?.id === user.id),
      'the lock is audited',
    );
    await h.smtp!.waitFor(email, /アカウントのロック/);

    const locked = await browser.send('POST', '/api/auth/login', { email, password: STRONG_PASSWORD });
    const unknown = await browser.send('POST', '/api/auth/login', {
      email: 'nobody@example.jp',
      password: STRONG_PASSWORD,
    });
    const wrong = await browser.send('POST', '/api/auth/login', {
      email: 'lockout.other@example.jp',
      password: 'x',
    });
    assert.equal(locked.statusCode, 401);
    assert.equal(locked.statusCode, unknown.statusCode);
    assert.equal(locked.body, unknown.body, 'a locked account answers exactly like an unknown user name');
    assert.equal(locked.body, failures[0], 'and like a wrong password');
    assert.equal(wrong.body, unknown.body);
    assert.deepEqual(Object.keys(locked.headers).sort(), Object.keys(unknown.headers).sort());

    const reasons = h.audit
      .ofType('auth.login')
      .filter((e) => e.outcome === 'failure')
      .map((e) => e.details?.reason);
    assert.ok(
      reasons.includes('locked') && reasons.includes('unknown-account') && reasons.includes('wrong-password'),
    );

    // An operator unlocks; the correct password works again.
    const ops = await h.app.inject({ method: 'GET', url: '/api/users/me' });
    assert.equal(ops.statusCode, 401);
    const notOperator = new Browser(h.app);
    await loginWithTotp(h, notOperator, (await createActiveUser(h, { email: 'plain@example.jp' })).email);
    assert.equal((await notOperator.send('POST', `/api/users/${user.id}/unlock`)).statusCode, 403);
    operator = new Browser(h.app);
    await loginWithTotp(h, operator, operatorEmail, STRONG_PASSWORD, operatorSeed);
    const unlocked = await operator.send('POST', `/api/users/${user.id}/unlock`);
    assert.equal(unlocked.statusCode, 200, unlocked.body);
    assert.equal(operator.json(unlocked).wasLocked, true);
    assert.ok(
      h.audit.ofType('auth.unlock').some((e) => e.subject?.id === user.id && e.actor.kind === 'operator'),
    );
    const after = await browser.send('POST', '/api/auth/login', { email, password: STRONG_PASSWORD });
    assert.equal(after.statusCode, 200);
  });

  test('a lock expires after the configured period', async () => {
    const email = 'lock.expiry@example.jp';
    await createActiveUser(h, { email });
    const browser = new Browser(h.app);
    for (let i = 0; i < 5; i += 1)
      await browser.send('POST', '/api/auth/login', { email, password: `nope nope ${i}` });
    assert.equal(
      (await browser.send('POST', '/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode,
      401,
    );
    h.clock.advance(29 * MINUTE);
    assert.equal(
      (await browser.send('POST', '/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode,
      401,
    );
    h.clock.advance(2 * MINUTE);
    assert.equal(
      (await browser.send('POST', '/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode,
      200,
    );
  });

  test('wrong second-factor codes count towards the lock', async () => {
    const email = 'otp.guess@example.jp';
    const { seed } = await loggedIn(email);
    const browser = new Browser(h.app);
    for (let i = 0; i < 5; i += 1) {
      await browser.send('POST', '/api/auth/login', { email, password: STRONG_PASSWORD });
      const r = await browser.send('POST', '/api/auth/login/totp', { code: String(100000 + i) });
      assert.equal(r.statusCode, 401);
    }
    const blocked = await browser.send('POST', '/api/auth/login', { email, password: STRONG_PASSWORD });
    assert.equal(blocked.statusCode, 401);
    assert.ok(seed.length > 0);
  });

  test('an AAL1 tenant logs in with a password alone, but operator functions still need AAL2', async () => {
    const tenant = await h.identity.accounts.createTenant({
      slug: 'aal1-org',
      name: 'パスワードのみ 株式会社',
      policy: { secondFactor: 'optional', allowedSecondFactors: ['totp', 'passkey'] },
    });
    const user = await createActiveUser(h, { email: 'aal1@example.jp', tenantSlug: tenant.slug });
    h.operators.add(user.id);
    const browser = new Browser(h.app);
    const login = await browser.send('POST', '/api/auth/login', {
      email: user.email,
      password: STRONG_PASSWORD,
    });
    assert.equal(browser.json(login).next, 'done');
    secrets.push(browser.sessionCookie!);
    const session = browser.json(await browser.send('GET', '/api/auth/session'));
    assert.equal(session.assurance, 'aal1');
    assert.equal((await browser.send('GET', '/api/users/me')).statusCode, 200);
    const denied = await browser.send('GET', '/api/applications');
    assert.equal(denied.statusCode, 403, 'privileged functions refuse an AAL1 session');

    // A privilege change ends the person's sessions (they log in again with a new id).
    const ended = await h.identity.endUserSessions(user.id, 'role-granted', 'admin-module');
    assert.equal(ended, 1);
    assert.equal((await browser.send('GET', '/api/users/me')).statusCode, 401);
  });

  test('every success and failure is audited and no secret appears in any log line', async () => {
    const logins = h.audit.ofType('auth.login');
    assert.ok(logins.some((e) => e.outcome === 'success'));
    assert.ok(logins.some((e) => e.outcome === 'failure'));
    assert.ok(h.audit.ofType('auth.second-factor').some((e) => e.outcome === 'success'));
    assert.ok(h.audit.ofType('auth.enrol').some((e) => e.outcome === 'success'));
    assert.ok(h.audit.ofType('session.revoke').length > 0);
    const recovery = await h.identity.recoveryCodes.regenerate(
      (await h.identity.accounts.findUserRowByEmail('csrf@example.jp'))!.id,
    );
    secrets.push(...recovery);
    assert.ok(h.logLines.length > 20, 'requests were logged');
    for (const line of h.logLines) {
      for (const secret of secrets) {
        assert.ok(!line.includes(secret), `a log line contains a secret: ${line.slice(0, 200)}`);
      }
      assert.doesNotMatch(line, /shomei_session=/);
    }
    for (const event of h.audit.events) {
      const text = JSON.stringify(event);
      for (const secret of secrets)
        assert.ok(!text.includes(secret), `an audit event contains a secret: ${event.type}`);
    }
  });
});
