import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { credentialsEnv, makeTeam } from '../helpers/operators.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { runShomei } from '../helpers/run.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('backup and restore on PostgreSQL', () => {
  test('pg_dump backup restores into an empty database and a new data directory; a used database is refused', async () => {
    const source = await createTestDatabase();
    const target = await createTestDatabase();
    cleanups.push(
      () => source.drop(),
      () => target.drop(),
    );
    const work = mkdtempSync(path.join(tmpdir(), 'shomei-pgbackup-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    const env = {
      SHOMEI_HOME: path.join(work, 'home'),
      SHOMEI_LOG_LEVEL: 'silent',
      SHOMEI_ENV: 'staging',
      // Outside development a mail server must be configured; nothing is sent in this test.
      SHOMEI_SMTP_URL: 'smtp://127.0.0.1:2525',
      SHOMEI_DATABASE_URL: source.url,
    };
    const init = runShomei(['init'], env);
    assert.equal(init.status, 0, init.stderr);
    const { installationId } = JSON.parse(init.stdout) as { installationId: string };
    const home = { home: work, env, config: loadConfig({ ...env }), remove() {} };
    // Nobody uses a code before the restore, so the restored accounts accept each person's next one.
    const team = await makeTeam(home, ['security_officer', 'system_administrator', 'system_operator'], {}, [
      'security_officer',
      'system_administrator',
      'system_operator',
    ]);
    const file = path.join(work, 'pg.backup');
    const created = runShomei(
      ['backup', 'create', '-o', file],
      await credentialsEnv(home, team.system_operator),
    );
    assert.equal(created.status, 0, created.stderr);
    const report = JSON.parse(created.stdout) as { verified: boolean };
    assert.equal(report.verified, true);
    const verified = JSON.parse(runShomei(['backup', 'verify', file], {}).stdout) as {
      valid: boolean;
      entries: { path: string }[];
    };
    assert.equal(verified.valid, true);
    assert.ok(verified.entries.some((e) => e.path === 'database/shomei.sql'));
    // The dump names the database role but never the password in the URL.
    assert.ok(
      !(await import('node:fs'))
        .readFileSync(file)
        .includes(Buffer.from(new URL(source.url).password || 'x-no-password-x')),
    );

    const pins = path.join(work, 'pins.json');
    copyFileSync(path.join(env.SHOMEI_HOME, 'secrets', 'token-pins.json'), pins);
    const args = ['backup', 'restore', file, '--pin-file', pins];
    const approver = await credentialsEnv(home, team.security_officer);
    const people = {
      ...(await credentialsEnv(home, team.system_administrator)),
      SHOMEI_APPROVER_EMAIL: approver.SHOMEI_OPERATOR_EMAIL!,
      SHOMEI_APPROVER_PASSWORD: approver.SHOMEI_OPERATOR_PASSWORD!,
      SHOMEI_APPROVER_TOTP: approver.SHOMEI_OPERATOR_TOTP!,
    };
    const used = runShomei(
      [...args, '--into', path.join(work, 'used'), '--database-url', source.url],
      people,
    );
    assert.equal(used.status, 1);
    assert.match(used.stderr, /SHOMEI_RESTORE_TARGET_NOT_EMPTY/);

    const restored = runShomei(
      [...args, '--into', path.join(work, 'restored'), '--database-url', target.url],
      { ...people, SHOMEI_DATABASE_URL: target.url },
    );
    assert.equal(restored.status, 0, restored.stderr);
    const result = JSON.parse(restored.stdout) as {
      installationId: string;
      environment: string;
      keysInToken: number;
      auditChain: { ok: boolean };
    };
    assert.equal(result.installationId, installationId);
    assert.equal(result.environment, 'staging');
    assert.ok(result.keysInToken > 3);
    assert.equal(result.auditChain.ok, true);
  });
});
