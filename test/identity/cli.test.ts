/** `shomei users dormant`: finds active accounts unused for the period and can suspend them. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { openShomei } from '../../src/app/index.ts';
import type { IdentityTables } from '../../src/identity/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { makeTestHome } from '../helpers/home.ts';
import { makeTeam } from '../helpers/operators.ts';
import { runShomei } from '../helpers/run.ts';

const home = makeTestHome();
after(() => home.remove());

describe('shomei users dormant', () => {
  test('lists accounts without a login for the period, suspends them on request, rejects bad input', async () => {
    assert.equal(runShomei(['init'], home.env).status, 0);
    const shomei = await openShomei(home.config, createLogger({ level: 'silent' }));
    let idleId: string;
    try {
      const tenant = await shomei.identity.accounts.createTenant({ slug: 'cli-org', name: 'CLI 株式会社' });
      const idle = await shomei.identity.accounts.createUser({
        tenantId: tenant.id,
        email: 'idle.user@example.jp',
        displayName: '休眠 太郎',
        familyName: '休眠',
        givenName: '太郎',
      });
      const busy = await shomei.identity.accounts.createUser({
        tenantId: tenant.id,
        email: 'busy.user@example.jp',
        displayName: '活動 花子',
        familyName: '活動',
        givenName: '花子',
      });
      idleId = idle.id;
      const db = shomei.database.db as unknown as Kysely<IdentityTables>;
      const old = new Date(Date.now() - 400 * 24 * 60 * 60_000).toISOString();
      await db
        .updateTable('identity_users')
        .set({ status: 'active', activated_at: old })
        .where('id', '=', idle.id)
        .execute();
      await db
        .updateTable('identity_users')
        .set({ status: 'active', activated_at: old, last_login_at: new Date().toISOString() })
        .where('id', '=', busy.id)
        .execute();
    } finally {
      await shomei.close();
    }

    const listed = runShomei(['users', 'dormant', '--days', '365'], home.env);
    assert.equal(listed.status, 0, listed.stderr);
    const report = JSON.parse(listed.stdout) as {
      dormantDays: number;
      accounts: { email: string }[];
      suspended: string[];
    };
    assert.equal(report.dormantDays, 365);
    assert.deepEqual(
      report.accounts.map((a) => a.email),
      ['idle.user@example.jp'],
    );
    assert.deepEqual(report.suspended, []);

    // Suspending needs an authenticated administrator (the console's identity.accounts.manage).
    const anonymous = runShomei(['users', 'dormant', '--days', '365', '--suspend'], {
      ...home.env,
      SHOMEI_OPERATOR_SESSION: `${home.home}/no-session`,
    });
    assert.match(anonymous.stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/);
    const team = await makeTeam(home, ['security_officer', 'system_administrator']);
    const suspended = JSON.parse(
      runShomei(['users', 'dormant', '--days', '365', '--suspend'], team.system_administrator.env).stdout,
    ) as {
      suspended: string[];
    };
    assert.deepEqual(suspended.suspended, [idleId]);
    const afterwards = JSON.parse(runShomei(['users', 'dormant', '--days', '365'], home.env).stdout) as {
      accounts: unknown[];
    };
    assert.equal(afterwards.accounts.length, 0, 'a suspended account is no longer listed as dormant');

    const bad = runShomei(['users', 'dormant', '--days', 'abc'], home.env);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /SHOMEI_INPUT_INVALID/);
    assert.match(bad.stderr, /--days/);
  });
});
