/**
 * The identity services over both databases (SQLite and PostgreSQL): transactions leave nothing
 * half-written, tokens expire and work once, TOTP codes are single-use, source rate limits apply,
 * passwords are re-hashed when the argon2 parameters change, and the account lifecycle keeps records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import type { AccountClosure, IdentityTables, Principal } from '../../src/identity/index.ts';
import { PasswordHasher } from '../../src/identity/index.ts';
import type { OutboxMailer } from '../../src/mail/index.ts';
import {
  createActiveUser,
  type Harness,
  identityWith,
  openHarness,
  STRONG_PASSWORD,
} from '../helpers/identity-harness.ts';

const DAY = 24 * 60 * 60_000;

function operatorPrincipal(userId: string, tenantId: string): Principal {
  return {
    kind: 'user',
    userId,
    tenantId,
    email: 'op@example.jp',
    displayName: 'op',
    sessionRef: 'none',
    assurance: 'aal2',
    methods: ['password', 'totp'],
    authenticatedAt: new Date().toISOString(),
    federation: null,
  };
}

const application = (email: string) => ({
  organisationName: '青葉工業株式会社',
  tenantSlug: 'aoba',
  user: { email, displayName: '田中 次郎', familyName: '田中', givenName: '次郎' },
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`identity services (${dialect})`, () => {
    let h: Harness;
    let db: Kysely<IdentityTables>;
    const closures: AccountClosure[] = [];
    const op = operatorPrincipal('00000000-0000-4000-8000-000000000001', 'provider');

    before(async () => {
      h = await openHarness({ dialect, mail: 'outbox' });
      db = h.shomei.database.db as unknown as Kysely<IdentityTables>;
      (
        h.identity.lifecycle as unknown as { deps: { hooks: ((c: AccountClosure) => Promise<void>)[] } }
      ).deps.hooks.push(
        async function revokeCredentials(c) {
          closures.push(c);
        },
        async function failingHook() {
          throw new Error('certificate authority unreachable');
        },
      );
    });
    after(async () => {
      await h.close();
    });

    test('approval is one transaction: a clash leaves the application pending and no account behind', async () => {
      await createActiveUser(h, { email: 'taken@example.jp' });
      const { id } = await h.identity.submitApplication(application('taken@example.jp'), {});
      await assert.rejects(
        h.identity.approveApplication(
          id,
          { identityCheck: { method: 'in-person', reference: '窓口 12' } },
          op,
        ),
        (e: Error & { code?: string }) => e.code === 'SHOMEI_USER_EXISTS',
      );
      assert.equal((await h.identity.applications.get(id))?.status, 'pending');
      assert.equal(
        await h.identity.accounts.getTenantBySlug('aoba'),
        undefined,
        'the tenant was rolled back',
      );
    });

    test('activation tokens are stored hashed, expire, and work once', async () => {
      const { id } = await h.identity.submitApplication(application('jiro.tanaka@example.jp'), {});
      const approval = await h.identity.approveApplication(
        id,
        { identityCheck: { method: 'jpki', reference: 'JPKI 署名検証 2026-3' } },
        op,
      );
      const rows = await db.selectFrom('identity_activation_tokens').selectAll().execute();
      assert.ok(rows.every((r) => r.token_hash !== approval.activationToken && r.token_hash.length === 64));
      const outbox = await (h.mailer as OutboxMailer).list();
      assert.ok(
        outbox.some(
          (m) =>
            m.to === 'jiro.tanaka@example.jp' &&
            m.text.includes(encodeURIComponent(approval.activationToken)),
        ),
      );

      await assert.rejects(
        h.identity.activate(approval.activationToken, 'short', {}),
        /SHOMEI_PASSWORD_REJECTED/,
      );
      h.clock.advance(73 * 60 * 60_000);
      await assert.rejects(
        h.identity.activate(approval.activationToken, STRONG_PASSWORD, {}),
        /SHOMEI_TOKEN_INVALID/,
      );
      await h.identity.issueActivation(approval.user.id, op);
      const mails = await (h.mailer as OutboxMailer).list();
      const token = decodeURIComponent(/token=([^\s]+)/.exec(mails[0]!.text)![1]!);
      const user = await h.identity.activate(token, STRONG_PASSWORD, {});
      assert.equal(user.status, 'active');
      await assert.rejects(h.identity.activate(token, STRONG_PASSWORD, {}), /SHOMEI_TOKEN_INVALID/);
      assert.ok(h.audit.ofType('account.activate').some((e) => e.outcome === 'failure'));
    });

    test('TOTP: a seed is sealed in the HSM, codes work once, and drift of one period is tolerated', async () => {
      const user = await createActiveUser(h, { email: 'totp@example.jp' });
      const enrolment = await h.identity.totp.begin(user.id, user.email);
      const row = await db
        .selectFrom('identity_totp')
        .selectAll()
        .where('user_id', '=', user.id)
        .executeTakeFirstOrThrow();
      assert.ok(
        !Buffer.from(row.sealed_seed).toString('latin1').includes(enrolment.secret),
        'the seed is encrypted',
      );
      assert.equal(
        await h.identity.totp.verify(user.id, await h.clock.totp(enrolment.secret)),
        false,
        'not confirmed yet',
      );
      assert.equal(await h.identity.totp.confirm(user.id, await h.clock.totp(enrolment.secret)), true);
      assert.equal(
        await h.identity.totp.verify(user.id, await h.clock.totp(enrolment.secret)),
        false,
        'replay',
      );
      h.clock.advance(30_000);
      assert.equal(
        await h.identity.totp.verify(user.id, await h.clock.totp(enrolment.secret, -30)),
        false,
        'older step',
      );
      assert.equal(await h.identity.totp.verify(user.id, await h.clock.totp(enrolment.secret)), true);
      h.clock.advance(30_000);
      assert.equal(
        await h.identity.totp.verify(user.id, await h.clock.totp(enrolment.secret, 30)),
        true,
        'phone ahead',
      );
      h.clock.advance(120_000);
      assert.equal(
        await h.identity.totp.verify(user.id, await h.clock.totp(enrolment.secret, -90)),
        false,
        'too old',
      );
      for (const bad of ['', '12345', '1234567', 'abcdef', '１２３４５６']) {
        assert.equal(await h.identity.totp.verify(user.id, bad), false);
      }
      assert.equal(
        await h.identity.verifyTotpCode(user.id, await h.clock.totp(enrolment.secret)),
        true,
        'SAD use',
      );
      await assert.rejects(h.identity.totp.begin(user.id, user.email), /SHOMEI_STATE_INVALID/);
    });

    test('recovery codes are stored hashed and each is accepted once', async () => {
      const user = await createActiveUser(h, { email: 'recovery@example.jp' });
      const codes = await h.identity.recoveryCodes.regenerate(user.id);
      const stored = await db
        .selectFrom('identity_recovery_codes')
        .selectAll()
        .where('user_id', '=', user.id)
        .execute();
      assert.equal(stored.length, 10);
      for (const code of codes) assert.ok(!stored.some((r) => r.code_hash.includes(code.replace(/-/g, ''))));
      assert.equal(await h.identity.recoveryCodes.consume(user.id, codes[3]!.toLowerCase()), true);
      assert.equal(await h.identity.recoveryCodes.consume(user.id, codes[3]!), false);
      assert.equal(await h.identity.recoveryCodes.consume(user.id, 'AAAA-BBBB-CCCC-DDDD'), false);
      assert.equal(await h.identity.recoveryCodes.remaining(user.id), 9);
    });

    test('failures from one source address are rate-limited whatever account they target', async () => {
      const limited = identityWith(h, { sourceFailureLimit: 3 });
      for (let i = 0; i < 3; i += 1) {
        await assert.rejects(
          limited.verifyPassword({
            email: `x${i}@example.jp`,
            password: 'guess guess guess',
            source: '198.51.100.7',
          }),
          /SHOMEI_AUTH_FAILED/,
        );
      }
      await assert.rejects(
        limited.verifyPassword({
          email: 'x@example.jp',
          password: 'guess guess',
          source: '198.51.100.7',
        }),
        /SHOMEI_AUTH_RATE_LIMITED/,
      );
      await assert.rejects(
        limited.verifyPassword({
          email: 'x@example.jp',
          password: 'guess guess',
          source: '198.51.100.8',
        }),
        /SHOMEI_AUTH_FAILED/,
        'another address has its own budget',
      );
      h.clock.advance(16 * 60_000);
      await assert.rejects(
        limited.verifyPassword({
          email: 'x@example.jp',
          password: 'guess guess',
          source: '198.51.100.7',
        }),
        /SHOMEI_AUTH_FAILED/,
        'the window restarts',
      );
    });

    test('a password hashed with older argon2 parameters is re-hashed at login', async () => {
      const user = await createActiveUser(h, { email: 'rehash@example.jp' });
      const weak = await new PasswordHasher({ memoryCost: 8192, timeCost: 1, parallelism: 1 }).hash(
        STRONG_PASSWORD,
      );
      await db.updateTable('identity_passwords').set(weak).where('user_id', '=', user.id).execute();
      const verified = await h.identity.verifyPassword({ email: user.email, password: STRONG_PASSWORD });
      assert.equal(verified.id, user.id);
      const row = await db
        .selectFrom('identity_passwords')
        .selectAll()
        .where('user_id', '=', user.id)
        .executeTakeFirstOrThrow();
      assert.match(row.hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      assert.deepEqual(JSON.parse(row.parameters), {
        algorithm: 'argon2id',
        memoryCost: 19456,
        timeCost: 2,
        parallelism: 1,
      });
      assert.equal(
        (await h.identity.verifyPassword({ email: user.email, password: STRONG_PASSWORD })).id,
        user.id,
      );
    });

    test('suspend ends sessions and blocks login; resume restores it; close keeps the records and calls hooks', async () => {
      const user = await createActiveUser(h, { email: 'lifecycle@example.jp' });
      const { session } = await h.identity.sessions.start({
        userId: user.id,
        tenantId: user.tenantId,
        stage: 'authenticated',
        assurance: 'aal2',
        methods: ['password', 'totp'],
      });
      const actor = { kind: 'operator' as const, id: op.userId };
      await h.identity.lifecycle.suspend(user.id, actor, '利用停止の申出');
      assert.equal((await h.identity.listSessions(user.id)).length, 0);
      assert.equal((await h.identity.sessions.get(session.id))?.id, session.id);
      await assert.rejects(
        h.identity.verifyPassword({ email: user.email, password: STRONG_PASSWORD }),
        /SHOMEI_AUTH_FAILED/,
      );
      await assert.rejects(h.identity.lifecycle.suspend(user.id, actor, 'again'), /SHOMEI_STATE_INVALID/);
      await h.identity.lifecycle.resume(user.id, actor, '再開');
      assert.equal(
        (await h.identity.verifyPassword({ email: user.email, password: STRONG_PASSWORD })).id,
        user.id,
      );

      const result = await h.identity.lifecycle.close(user.id, actor, '契約終了');
      assert.equal(result.user.status, 'closed');
      assert.deepEqual(result.hookFailures, ['failingHook']);
      assert.equal(closures.at(-1)?.userId, user.id);
      assert.equal(closures.at(-1)?.reason, '契約終了');
      assert.equal((await h.identity.getUser(user.id))?.status, 'closed', 'the record is kept');
      const password = await db
        .selectFrom('identity_passwords')
        .selectAll()
        .where('user_id', '=', user.id)
        .execute();
      assert.equal(password.length, 0);
      await assert.rejects(
        h.identity.verifyPassword({ email: user.email, password: STRONG_PASSWORD }),
        /SHOMEI_AUTH_FAILED/,
      );
      const closeEvent = h.audit.ofType('account.close').at(-1);
      assert.equal(closeEvent?.outcome, 'failure', 'a failed hook is visible in the audit trail');
      await assert.rejects(h.identity.lifecycle.resume(user.id, actor, 'x'), /SHOMEI_STATE_INVALID/);
    });

    test('sessions are stored by the hash of their id only', async () => {
      const user = await createActiveUser(h, { email: 'hash.only@example.jp' });
      const { secret, session } = await h.identity.sessions.start({
        userId: user.id,
        tenantId: user.tenantId,
        stage: 'authenticated',
        assurance: 'aal2',
        methods: ['password', 'passkey'],
      });
      const rows = await db
        .selectFrom('identity_sessions')
        .selectAll()
        .where('user_id', '=', user.id)
        .execute();
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes(secret));
      assert.equal((await h.identity.sessions.resolve(secret))?.record.id, session.id);
      assert.equal(
        await h.identity.sessions.resolve(rows[0]!.token_hash),
        undefined,
        'the stored hash is no key',
      );
    });

    test('dormant accounts: active accounts without a login for the configured period', async () => {
      const idle = await createActiveUser(h, { email: 'dormant@example.jp' });
      const recent = await createActiveUser(h, { email: 'recent@example.jp' });
      h.clock.advance(200 * DAY);
      await h.identity.accounts.recordLogin(recent.id);
      const dormant = await h.identity.lifecycle.dormant(180 * DAY);
      const emails = dormant.map((u) => u.email);
      assert.ok(emails.includes(idle.email));
      assert.ok(!emails.includes(recent.email));
      assert.ok(dormant.every((u) => u.status === 'active'));
    });
  });
}
