/**
 * Acceptance over HTTP: apply → approve → activation mail (real SMTP listener) → set password →
 * enrol TOTP → log in with password + TOTP; the same with a passkey from a software authenticator;
 * and the audit trail sees every step.
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
import { SoftwareAuthenticator } from '../helpers/webauthn-authenticator.ts';

const APPLICANT = 'hanako.sato@example.co.jp';
const PASSKEY_USER = 'kenji.ito@example.co.jp';
const NEW_PASSWORD = 'ginkgo leaves in november 2026';

function applicationFor(email: string, delegated = false) {
  return {
    tenantSlug: 'sato-shoji',
    organisationName: '佐藤商事株式会社',
    user: {
      email,
      displayName: '佐藤 花子',
      familyName: '佐藤',
      givenName: '花子',
      familyNameKana: 'サトウ',
      givenNameKana: 'ハナコ',
      department: '法務部',
      title: '課長',
    },
    ...(delegated
      ? {
          delegation: {
            delegateName: '鈴木 一郎',
            delegateEmail: 'ichiro.suzuki@example.co.jp',
            relationship: '総務部 担当者 (署名代行者)',
            scope: '利用申請と電子証明書の受領',
            evidenceReference: '委任状 2026-117',
          },
        }
      : {}),
  };
}

function activationTokenFrom(text: string): string {
  const match = /\/activate#token=([A-Za-z0-9_%-]+)/.exec(text);
  assert.ok(match, 'the activation mail carries a link');
  return decodeURIComponent(match[1]!);
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`identity acceptance (HTTP, ${dialect}, SMTP on loopback)`, () => {
    let h: Harness;
    let operator: Browser;

    before(async () => {
      h = await openHarness({ dialect });
      const op = await createActiveUser(h, { email: 'ra.operator@shomei.example', tenantSlug: 'provider' });
      h.operators.add(op.id);
      operator = new Browser(h.app);
      await loginWithTotp(h, operator, op.email);
    });
    after(async () => {
      await h.close();
    });

    async function applyApproveActivate(email: string, delegated = false): Promise<{ userId: string }> {
      const anonymous = new Browser(h.app);
      const applied = await anonymous.send('POST', '/api/applications', applicationFor(email, delegated));
      assert.equal(applied.statusCode, 201, applied.body);
      const { id } = anonymous.json<{ id: string }>(applied);
      await h.smtp!.waitFor(email, /利用申請の受付/);

      const approval = {
        identityCheck: { method: 'identity-document-copy', reference: '運転免許証 写し 受付 2026-0042' },
        ...(delegated ? { delegationVerified: true } : {}),
      };
      const approved = await operator.send('POST', `/api/applications/${id}/approve`, approval);
      assert.equal(approved.statusCode, 200, approved.body);
      const { userId } = operator.json<{ userId: string }>(approved);

      const mail = await h.smtp!.waitFor(email, /アカウントの有効化/);
      assert.match(mail.text, /利用申請が承認されました/);
      assert.match(mail.text, /Your application to use shomei has been approved/);
      const token = activationTokenFrom(mail.text);

      const activated = await anonymous.send('POST', '/api/auth/activate', {
        token,
        password: STRONG_PASSWORD,
      });
      assert.equal(activated.statusCode, 200, activated.body);
      const again = await anonymous.send('POST', '/api/auth/activate', { token, password: STRONG_PASSWORD });
      assert.equal(again.statusCode, 400, 'an activation link works once');
      assert.equal(anonymous.json<{ error: { code: string } }>(again).error.code, 'SHOMEI_TOKEN_INVALID');
      return { userId };
    }

    test('apply → approve → activation mail → password → TOTP enrolment → login with password + TOTP', async () => {
      const { userId } = await applyApproveActivate(APPLICANT);
      const application = (await h.identity.applications.list('approved')).find((a) => a.userId === userId);
      assert.deepEqual(application?.identityCheck, {
        method: 'identity-document-copy',
        reference: '運転免許証 写し 受付 2026-0042',
      });

      const browser = new Browser(h.app);
      const first = await browser.send('POST', '/api/auth/login', {
        email: APPLICANT,
        password: STRONG_PASSWORD,
      });
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(
        browser.json(first).next,
        'enrolment',
        'AAL2 is required: a second factor must be enrolled',
      );
      const beforeEnrolment = await browser.send('GET', '/api/users/me');
      assert.equal(beforeEnrolment.statusCode, 401, 'password alone does not give access');

      const enrol = browser.json<{ secret: string; qrCodeDataUrl: string; otpauthUri: string }>(
        await browser.send('POST', '/api/auth/totp/enrol'),
      );
      assert.match(enrol.qrCodeDataUrl, /^data:image\/png;base64,/);
      assert.match(enrol.otpauthUri, /^otpauth:\/\/totp\//);
      const wrong = await browser.send('POST', '/api/auth/totp/confirm', { code: '000000' });
      assert.equal(wrong.statusCode, 401);
      const confirm = await browser.send('POST', '/api/auth/totp/confirm', {
        code: await h.clock.totp(enrol.secret),
      });
      assert.equal(confirm.statusCode, 200, confirm.body);
      const { recoveryCodes } = browser.json<{ recoveryCodes: string[] }>(confirm);
      assert.equal(recoveryCodes.length, 10);
      assert.equal(new Set(recoveryCodes).size, 10);
      const me = await browser.send('GET', '/api/users/me');
      assert.equal(me.statusCode, 200);
      assert.equal(browser.json(me).email, APPLICANT);
      assert.equal(browser.json(me).familyName, '佐藤');
      assert.equal(browser.json(me).department, '法務部');

      // A later login: password, then a TOTP code; the same code cannot be used twice.
      h.clock.advance(60_000);
      const later = new Browser(h.app);
      const step1 = await later.send('POST', '/api/auth/login', {
        email: APPLICANT,
        password: STRONG_PASSWORD,
      });
      assert.deepEqual(later.json(step1).next, 'second-factor');
      assert.deepEqual(later.json(step1).secondFactors, ['totp']);
      const code = await h.clock.totp(enrol.secret);
      const step2 = await later.send('POST', '/api/auth/login/totp', { code });
      assert.equal(step2.statusCode, 200, step2.body);
      const session = later.json(await later.send('GET', '/api/auth/session'));
      assert.equal(session.authenticated, true);
      assert.equal(session.assurance, 'aal2');
      assert.deepEqual(session.methods, ['password', 'totp']);

      const replay = new Browser(h.app);
      await replay.send('POST', '/api/auth/login', { email: APPLICANT, password: STRONG_PASSWORD });
      const replayed = await replay.send('POST', '/api/auth/login/totp', { code });
      assert.equal(replayed.statusCode, 401, 'a TOTP code is accepted once within its window');

      // A recovery code works once in place of the TOTP code.
      const recovery = new Browser(h.app);
      await recovery.send('POST', '/api/auth/login', { email: APPLICANT, password: STRONG_PASSWORD });
      const used = await recovery.send('POST', '/api/auth/login/recovery-code', { code: recoveryCodes[0] });
      assert.equal(used.statusCode, 200, used.body);
      assert.equal(recovery.json(used).remainingRecoveryCodes, 9);
      const reuse = new Browser(h.app);
      await reuse.send('POST', '/api/auth/login', { email: APPLICANT, password: STRONG_PASSWORD });
      const reused = await reuse.send('POST', '/api/auth/login/recovery-code', { code: recoveryCodes[0] });
      assert.equal(reused.statusCode, 401);

      const types = h.audit.events.map((e) => e.type);
      for (const type of [
        'application.submit',
        'application.approve',
        'account.activate',
        'auth.enrol',
        'auth.login',
        'auth.second-factor',
      ]) {
        assert.ok(types.includes(type), `audit has ${type}`);
      }
      const approval = h.audit.ofType('application.approve').at(-1)!;
      assert.equal(approval.actor.kind, 'operator');
      assert.equal(approval.details?.identityCheckMethod, 'identity-document-copy');
      assert.ok(
        h.audit.events.some((e) => e.type === 'auth.second-factor' && e.outcome === 'failure'),
        'the replayed code is audited as a failure',
      );
    });

    test('a delegated application needs the delegation verified and records it', async () => {
      const anonymous = new Browser(h.app);
      const email = 'taro.delegated@example.co.jp';
      const applied = await anonymous.send('POST', '/api/applications', applicationFor(email, true));
      const { id } = anonymous.json<{ id: string }>(applied);
      const unverified = await operator.send('POST', `/api/applications/${id}/approve`, {
        identityCheck: { method: 'corporate-registry', reference: '登記事項証明書 2026-9' },
      });
      assert.equal(unverified.statusCode, 422);
      assert.equal(
        operator.json<{ error: { code: string } }>(unverified).error.code,
        'SHOMEI_DELEGATION_UNVERIFIED',
      );
      assert.equal((await h.identity.applications.get(id))?.status, 'pending', 'nothing was half-written');
      const approved = await operator.send('POST', `/api/applications/${id}/approve`, {
        identityCheck: { method: 'corporate-registry', reference: '登記事項証明書 2026-9' },
        delegationVerified: true,
      });
      assert.equal(approved.statusCode, 200, approved.body);
      const rows = await (
        h.shomei.database.db as never as import('kysely').Kysely<
          import('../../src/identity/index.ts').IdentityTables
        >
      )
        .selectFrom('identity_delegations')
        .selectAll()
        .execute();
      const delegation = rows.find((r) => r.application_id === id);
      assert.equal(delegation?.delegate_email, 'ichiro.suzuki@example.co.jp');
      assert.equal(delegation?.evidence_reference, '委任状 2026-117');
    });

    test('an operator rejects an application; a user without the privilege cannot decide', async () => {
      const anonymous = new Browser(h.app);
      const applied = await anonymous.send(
        'POST',
        '/api/applications',
        applicationFor('rejected@example.co.jp'),
      );
      const { id } = anonymous.json<{ id: string }>(applied);
      const denied = await anonymous.send('POST', `/api/applications/${id}/approve`, {
        identityCheck: { method: 'in-person', reference: 'x' },
      });
      assert.equal(denied.statusCode, 401);
      const rejected = await operator.send('POST', `/api/applications/${id}/reject`, {
        reason: '本人確認書類の不備',
      });
      assert.equal(rejected.statusCode, 200);
      const twice = await operator.send('POST', `/api/applications/${id}/approve`, {
        identityCheck: { method: 'in-person', reference: 'x' },
      });
      assert.equal(twice.statusCode, 409);
      assert.ok(h.audit.ofType('application.reject').some((e) => e.subject?.id === id));
      await h.smtp!.waitFor('rejected@example.co.jp', /利用申請の結果/);
    });

    test('passkey: register with a software authenticator, then log in with password + passkey', async () => {
      await applyApproveActivate(PASSKEY_USER);
      const authenticator = new SoftwareAuthenticator('http://localhost:8080');
      const browser = new Browser(h.app);
      await browser.send('POST', '/api/auth/login', { email: PASSKEY_USER, password: STRONG_PASSWORD });
      const options = browser.json<Parameters<SoftwareAuthenticator['create']>[0]>(
        await browser.send('POST', '/api/auth/passkeys/options'),
      );
      const beforeCookie = browser.sessionCookie;
      const registered = await browser.send('POST', '/api/auth/passkeys', {
        response: authenticator.create(options),
        name: 'ノートPC',
      });
      assert.equal(registered.statusCode, 201, registered.body);
      assert.notEqual(browser.sessionCookie, beforeCookie, 'the session id changes when it gains privileges');
      assert.equal(browser.json(await browser.send('GET', '/api/auth/session')).assurance, 'aal2');

      const later = new Browser(h.app);
      const step1 = await later.send('POST', '/api/auth/login', {
        email: PASSKEY_USER,
        password: STRONG_PASSWORD,
      });
      assert.deepEqual(later.json(step1).secondFactors, ['passkey']);
      const requestOptions = later.json<Parameters<SoftwareAuthenticator['get']>[0]>(
        await later.send('POST', '/api/auth/login/passkey/options'),
      );
      // An assertion made for another origin (phishing site) is refused.
      const phished = await later.send('POST', '/api/auth/login/passkey', {
        response: authenticator.get(requestOptions, { origin: 'https://evil.example' }),
      });
      assert.equal(phished.statusCode, 401);
      const fresh = later.json<Parameters<SoftwareAuthenticator['get']>[0]>(
        await later.send('POST', '/api/auth/login/passkey/options'),
      );
      const ok = await later.send('POST', '/api/auth/login/passkey', { response: authenticator.get(fresh) });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(later.json(ok).methods, ['password', 'passkey']);
      // The challenge was used: the same assertion cannot be replayed.
      const again = new Browser(h.app);
      await again.send('POST', '/api/auth/login', { email: PASSKEY_USER, password: STRONG_PASSWORD });
      const replay = await again.send('POST', '/api/auth/login/passkey', {
        response: authenticator.get(fresh),
      });
      assert.equal(replay.statusCode, 401);
      assert.ok(
        h.audit.events.some((e) => e.type === 'auth.enrol' && e.details?.authenticator === 'passkey'),
      );
    });

    test('changing the password ends the other sessions and needs the current password', async () => {
      const email = 'pw.change@example.co.jp';
      await createActiveUser(h, { email });
      const first = new Browser(h.app);
      const seed = await loginWithTotp(h, first, email);
      const second = new Browser(h.app);
      await loginWithTotp(h, second, email, STRONG_PASSWORD, seed);
      const refused = await first.send('POST', '/api/auth/password', {
        currentPassword: 'not the password at all',
        newPassword: NEW_PASSWORD,
      });
      assert.equal(refused.statusCode, 401);
      const common = await first.send('POST', '/api/auth/password', {
        currentPassword: STRONG_PASSWORD,
        newPassword: 'password1234',
      });
      assert.equal(common.statusCode, 422);
      const changed = await first.send('POST', '/api/auth/password', {
        currentPassword: STRONG_PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      assert.equal(changed.statusCode, 200, changed.body);
      assert.equal((await second.send('GET', '/api/users/me')).statusCode, 401);
      assert.equal((await first.send('GET', '/api/users/me')).statusCode, 200);
    });
  });
}
