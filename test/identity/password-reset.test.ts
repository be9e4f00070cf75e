/**
 * Password reset by mail (issue #19), tried as a user and as an attacker: the same answer for every
 * address, a single-use link that expires, every session ended, the second factor still asked for,
 * a bounded number of mails per account, and the token in no log line or audit record.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { User } from '../../src/identity/index.ts';
import {
  Browser,
  createActiveUser,
  type Harness,
  loginWithTotp,
  openHarness,
  STRONG_PASSWORD,
} from '../helpers/identity-harness.ts';

let h: Harness;
let user: User;
let seed: string;
const EMAIL = 'reset@example.co.jp';
const NEW_PASSWORD = '新しい パスワード correct staple 2026';

before(async () => {
  h = await openHarness();
  user = await createActiveUser(h, { email: EMAIL });
  seed = await loginWithTotp(h, new Browser(h.app), EMAIL);
});
after(async () => {
  await h.close();
});

const request = (email: string) =>
  new Browser(h.app).send('POST', '/api/auth/password-reset/request', { email });

function linkToken(text: string): string {
  const match = /\/reset-password#token=([A-Za-z0-9_%-]+)/.exec(text);
  assert.ok(match, 'the mail carries the link');
  return decodeURIComponent(match[1]!);
}

test('an unknown, a malformed and a known address get the same answer; only the account is mailed', async () => {
  const answers = await Promise.all([
    request('nobody@example.co.jp'),
    request('not an address'),
    request(EMAIL),
  ]);
  for (const answer of answers) {
    assert.equal(answer.statusCode, 202);
    assert.equal(answer.body, '{"accepted":true}');
    assert.equal(answer.headers['cache-control'], 'no-store');
  }
  const mail = await h.smtp!.waitFor(EMAIL, /パスワードの再設定/);
  assert.match(mail.text, /日本時間/);
  assert.equal(h.smtp!.received.filter((m) => m.to.includes('nobody@example.co.jp')).length, 0);
});

test('the link sets a new password once, ends every session, and the second factor is still asked for', async () => {
  const before = new Browser(h.app);
  await loginWithTotp(h, before, EMAIL, STRONG_PASSWORD, seed);
  assert.equal((await before.send('GET', '/api/auth/session')).json().authenticated, true);
  const mail = h
    .smtp!.received.filter((m) => m.to.includes(EMAIL) && /パスワードの再設定/.test(m.subject))
    .at(-1)!;
  const token = linkToken(mail.text);
  const weak = await new Browser(h.app).send('POST', '/api/auth/password-reset', {
    token,
    password: 'short',
  });
  assert.equal(weak.statusCode, 422, 'the password policy applies');
  assert.equal(weak.json().error.code, 'SHOMEI_PASSWORD_REJECTED');
  const done = await new Browser(h.app).send('POST', '/api/auth/password-reset', {
    token: linkToken(mail.text),
    password: NEW_PASSWORD,
  });
  // A too-weak password rolls the whole step back, so the same link still works afterwards.
  assert.equal(done.statusCode, 200, done.body);
  const again = await new Browser(h.app).send('POST', '/api/auth/password-reset', {
    token,
    password: NEW_PASSWORD,
  });
  assert.equal(again.statusCode, 400, 'single use');
  assert.equal(
    (await before.send('GET', '/api/auth/session')).json().authenticated,
    false,
    'old sessions end',
  );
  const old = await new Browser(h.app).send('POST', '/api/auth/login', {
    email: EMAIL,
    password: STRONG_PASSWORD,
  });
  assert.notEqual(old.statusCode, 200, 'the old password no longer works');
  const login = await new Browser(h.app).send('POST', '/api/auth/login', {
    email: EMAIL,
    password: NEW_PASSWORD,
  });
  assert.equal(login.statusCode, 200);
  assert.equal(login.json().next, 'second-factor', 'a mailbox alone never opens the account');
  const records = h.audit.ofType('auth.password-reset');
  assert.deepEqual(
    records.map((r) => r.outcome),
    ['success', 'failure'],
    'the reset and the refused second use are both recorded',
  );
  const record = records[0];
  assert.equal(record?.subject?.id, user.id);
});

test('an expired link and a reset link used for activation are refused', async () => {
  await request(EMAIL);
  const mails = () =>
    h.smtp!.received.filter((m) => m.to.includes(EMAIL) && /パスワードの再設定/.test(m.subject));
  while (mails().length < 2)
    await h.smtp!.waitFor(EMAIL, /パスワードの再設定/).then(() => new Promise((r) => setImmediate(r)));
  const token = linkToken(mails().at(-1)!.text);
  const activation = await new Browser(h.app).send('POST', '/api/auth/activate', {
    token,
    password: NEW_PASSWORD,
  });
  assert.equal(activation.statusCode, 400, 'a reset token is not an activation token');
  h.clock.advance(31 * 60 * 1000);
  const late = await new Browser(h.app).send('POST', '/api/auth/password-reset', {
    token,
    password: NEW_PASSWORD,
  });
  assert.equal(late.statusCode, 400);
  assert.equal(late.json().error.code, 'SHOMEI_TOKEN_INVALID');
});

test('one account gets at most three reset mails an hour, and no token reaches a log or the audit trail', async () => {
  h.clock.advance(2 * 3600 * 1000);
  const count = () =>
    h.smtp!.received.filter((m) => m.to.includes(EMAIL) && /パスワードの再設定/.test(m.subject)).length;
  const start = count();
  for (let i = 0; i < 5; i++) assert.equal((await request(EMAIL)).statusCode, 202);
  while (count() < start + 3)
    await h.smtp!.waitFor(EMAIL, /パスワードの再設定/).then(() => new Promise((r) => setImmediate(r)));
  assert.equal(count(), start + 3);
  const results = h.audit
    .ofType('auth.password-reset-request')
    .slice(-5)
    .map((e) => e.details?.result);
  assert.deepEqual(results, ['mailed', 'mailed', 'mailed', 'account-rate-limited', 'account-rate-limited']);
  const tokens = h
    .smtp!.received.filter((m) => /パスワードの再設定/.test(m.subject))
    .map((m) => linkToken(m.text));
  const logs = h.logLines.join('\n');
  const audit = JSON.stringify(h.audit.events);
  for (const token of tokens) {
    assert.ok(!logs.includes(token), 'no reset token in the logs');
    assert.ok(!audit.includes(token), 'no reset token in the audit trail');
  }
});
