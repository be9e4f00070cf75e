/**
 * The one door from the server CLI (ADR 019): every state-changing admin, key and audit command needs
 * an authenticated operator (their own account: password + TOTP, or a session from `admin login`),
 * dual-controlled ones only record a request that a second person approves as themselves, and each
 * step leaves an audit record. Keys are checked in the token with pkcs11-tool, not our own code.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openShomei } from '../../src/app/index.ts';
import { hsmSecretSealer, IDENTITY_SEAL_KEY_PURPOSE } from '../../src/identity/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { makeTestHome, softHsmEnv, type TestHome } from '../helpers/home.ts';
import { credentialsEnv, makeTeam, type TeamRole, type TestOperator } from '../helpers/operators.ts';
import { run, runShomei } from '../helpers/run.ts';

interface Request {
  id: string;
  status: string;
  kind: string;
}

describe('shomei CLI through the one door', () => {
  let home: TestHome;
  let team: Record<TeamRole, TestOperator>;
  const anonymous = (...args: string[]) =>
    runShomei(args, { ...home.env, SHOMEI_OPERATOR_SESSION: path.join(home.home, 'none') });
  const as = (who: TestOperator, ...args: string[]) => runShomei(args, who.env);
  const ok = (result: { status: number; stdout: string; stderr: string }) => {
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout);
  };
  const auditTypes = (who: TestOperator, type: string) =>
    as(who, 'audit', 'search', '--type', type)
      .stdout.trim()
      .split('\n')
      .filter((l) => l !== '')
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            actor: { id: string };
            outcome: string;
            details: Record<string, unknown>;
          },
      );
  const pkcs11Labels = (type: 'privkey' | 'secrkey' = 'privkey') =>
    run(
      'pkcs11-tool',
      [
        '--module',
        home.config.pkcs11.modulePath,
        '--token-label',
        home.config.pkcs11.tokenLabel,
        '--list-objects',
        '--type',
        type,
        '--login',
        '--pin',
        (JSON.parse(readFileSync(home.config.pkcs11.pinFile, 'utf8')) as { userPin: string }).userPin,
      ],
      { env: softHsmEnv(home.home) },
    ).stdout;

  before(async () => {
    home = makeTestHome({ SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0' });
    ok(runShomei(['init'], home.env));
    team = await makeTeam(home, [
      'security_officer',
      'system_administrator',
      'system_auditor',
      'system_operator',
    ]);
  });
  after(() => home.remove());

  it('refuses every state-changing command without an authenticated operator, and audits the refusal', () => {
    for (const args of [
      ['keys', 'generate', '--algorithm', 'EC-P256', '--label', 'x', '--purpose', 'e-seal'],
      ['keys', 'destroy', 'abcd', '--reason', 'test'],
      ['audit', 'prune', '--through', '2'],
      ['audit', 'search'],
      ['admin', 'approve', 'some-request'],
      ['sign', 'in.pdf', '-o', 'out.pdf'],
      ['contracts', 'export', '--tenant', 't', '--out', path.join(home.home, 'x.zip')],
      ['contracts', 'permissions', 'grant', '--user', 'u', '--permission', 'tenant.admin'],
      ['contracts', 'api-keys', 'revoke', '--id', '0123456789abcdef', '--reason', 'r'],
      ['archive', 'renew'],
      ['keys', 'migrate-wrapped'],
      ['keys', 'rotate-kek'],
      [
        'admin',
        'training',
        'add',
        '--user',
        team.system_operator.userId,
        '--topic',
        't',
        '--trainer',
        'x',
        '--date',
        '2026-01-01',
      ],
    ]) {
      const refused = anonymous(...args);
      assert.equal(refused.status, 1, args.join(' '));
      assert.match(refused.stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/, args.join(' '));
    }
  });

  it('refuses a wrong password or a replayed code, and records the failure without the secret', async () => {
    const env = await credentialsEnv(home, team.system_operator);
    const wrong = runShomei(['keys', 'destroy', 'abcd', '--reason', 'x'], {
      ...env,
      SHOMEI_OPERATOR_PASSWORD: 'not it at all',
    });
    assert.match(wrong.stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/);
    const accepted = runShomei(['admin', 'whoami'], env);
    assert.equal(ok(accepted).userId, team.system_operator.userId);
    const replay = runShomei(['admin', 'whoami'], env);
    assert.match(replay.stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/);
    const failures = auditTypes(team.system_auditor, 'admin.operator.authenticate').filter(
      (e) => e.outcome === 'failure',
    );
    assert.ok(failures.length >= 2);
    const text = JSON.stringify(failures);
    assert.ok(!text.includes('not it at all') && !text.includes(env.SHOMEI_OPERATOR_TOTP!));
  });

  it('keys generate and destroy wait for a second person; the key stays in the token until approved', () => {
    const asked = ok(
      as(
        team.system_administrator,
        'keys',
        'generate',
        '--algorithm',
        'EC-P256',
        '--label',
        'door-test-key',
        '--purpose',
        'e-seal',
      ),
    ).request as Request;
    assert.equal(asked.status, 'pending');
    assert.ok(!pkcs11Labels().includes('door-test-key'));
    const self = as(team.system_administrator, 'admin', 'approve', asked.id);
    assert.match(self.stderr, /SHOMEI_APPROVAL_SELF/);
    const approved = ok(as(team.security_officer, 'admin', 'approve', asked.id)) as Request & {
      outcome: { keyId: string };
    };
    assert.equal(approved.status, 'approved');
    assert.ok(pkcs11Labels().includes('door-test-key'));
    const keyId = approved.outcome.keyId;

    const destroy = ok(as(team.system_administrator, 'keys', 'destroy', keyId, '--reason', 'test over'))
      .request as Request;
    assert.equal(destroy.status, 'pending');
    assert.ok(pkcs11Labels().includes('door-test-key'), 'not destroyed before approval');
    const wrongRole = as(team.system_auditor, 'admin', 'approve', destroy.id);
    assert.match(wrongRole.stderr, /SHOMEI_FORBIDDEN/);
    assert.ok(pkcs11Labels().includes('door-test-key'));
    ok(as(team.security_officer, 'admin', 'approve', destroy.id));
    assert.ok(!pkcs11Labels().includes('door-test-key'));

    const records = auditTypes(team.system_auditor, 'admin.approval.*');
    const approvals = records.filter((r) => r.type === 'admin.approval.approve' && r.outcome === 'success');
    assert.deepEqual(
      approvals.map((r) => [r.actor.id, r.details.kind]),
      [
        [team.security_officer.userId, 'key.activate'],
        [team.security_officer.userId, 'key.destroy'],
      ],
    );
    assert.ok(
      records.some(
        (r) => r.type === 'admin.approval.request' && r.actor.id === team.system_administrator.userId,
      ),
    );
  });

  it('init recorded every key it made as key.generate, with purpose, algorithm and fingerprint', () => {
    const generated = auditTypes(team.system_auditor, 'key.generate');
    const purposes = generated.map((e) => e.details.purpose as string);
    for (const purpose of [
      'audit-checkpoint',
      'tsa',
      'provider-e-seal',
      'backup-signing',
      'health-check',
      IDENTITY_SEAL_KEY_PURPOSE,
      'rssp-otp-seal',
      'contracts-webhook-secrets',
    ]) {
      assert.ok(purposes.includes(purpose), `${purpose} in ${purposes.join(', ')}`);
    }
    assert.ok(
      purposes.some((p) => p.startsWith('ca')),
      purposes.join(', '),
    );
    for (const e of generated.filter((g) => g.details.ceremony === 'init')) {
      // Key pairs carry their public key's fingerprint; secret keys (the KEKs) have none.
      const pair = /^(EC|RSA)/.test(String(e.details.algorithm));
      assert.match(
        String(e.details.publicKeySha256),
        pair ? /^[0-9a-f]{64}$/ : /^null$/,
        String(e.details.purpose),
      );
      assert.match(e.actor.id, /^ceremony:/);
    }
  });

  it('reads the audit trail only as an auditor', () => {
    const refused = as(team.system_administrator, 'audit', 'search', '--type', 'admin.*');
    assert.match(refused.stderr, /SHOMEI_FORBIDDEN/);
    assert.ok(
      auditTypes(team.system_auditor, 'admin.access.denied').some(
        (e) => e.actor.id === team.system_administrator.userId,
      ),
    );
  });

  it('prune: below the retention floor refused when asked; past it, waits for the auditor', () => {
    const file = path.join(home.home, 'a.jsonl');
    const exported = ok(as(team.system_auditor, 'audit', 'export', '-o', file, '--through-seq', '3'));
    assert.equal(exported.verified, true);
    const young = as(team.system_administrator, 'audit', 'prune', '--through', '3');
    assert.equal(young.status, 1);
    assert.match(young.stderr, /SHOMEI_AUDIT_PRUNE_RETENTION/);
    // With retention 0 (development only) the same records are past the floor.
    const noFloor = { SHOMEI_RETENTION_YEARS: '0' };
    const asked = runShomei(['audit', 'prune', '--through', '3'], {
      ...team.system_administrator.env,
      ...noFloor,
    });
    const request = ok(asked).request as Request;
    assert.equal(request.status, 'pending');
    const before = ok(runShomei(['audit', 'verify'], home.env)) as { firstSeq: number };
    assert.equal(before.firstSeq, 1);
    const approved = ok(
      runShomei(['admin', 'approve', request.id], { ...team.system_auditor.env, ...noFloor }),
    );
    assert.equal(approved.outcome.deleted, 3);
    const verify = ok(runShomei(['audit', 'verify'], home.env)) as { firstSeq: number };
    assert.equal(verify.firstSeq, 4);
  });

  it('production refuses a retention below the legal floor', () => {
    const refused = runShomei(['config', 'check'], {
      ...home.env,
      SHOMEI_ENV: 'production',
      SHOMEI_DATABASE_URL: 'postgres://x@127.0.0.1/none',
      SHOMEI_RETENTION_YEARS: '5',
    });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /SHOMEI_RETENTION_YEARS/);
  });

  it('the sealing keys come from the init ceremony; without one a module refuses instead of making its own', async () => {
    const secretLabels = pkcs11Labels('secrkey');
    for (const label of ['identity-secrets', 'rssp-otp-seal', 'contracts:webhook-secrets'])
      assert.match(secretLabels, new RegExp(`label:\\s+${label}\\n`), label);
    const secretCount = () => (pkcs11Labels('secrkey').match(/Secret Key Object/g) ?? []).length;
    const before = secretCount();
    const shomei = await openShomei(home.config, createLogger({ level: 'silent' }));
    try {
      const [sealKey] = await shomei.keys.findActiveByPurpose(IDENTITY_SEAL_KEY_PURPOSE);
      await shomei.keys.markDestroyed(sealKey!.key_id, 'test: the ceremony key is gone');
      await assert.rejects(
        hsmSecretSealer(shomei.crypto, shomei.keys).seal(Buffer.from('a TOTP seed')),
        (error: { code?: string; message?: string }) =>
          error.code === 'SHOMEI_KEY_NOT_FOUND' && /shomei init/.test(error.message ?? ''),
      );
    } finally {
      await shomei.close();
    }
    assert.equal(secretCount(), before, 'no key made on first use');
  });

  it('detects an HSM configuration change, audits and alerts it once, until the security officer accepts it', async () => {
    const unchanged = ok(runShomei(['keys', 'hsm-check'], home.env));
    assert.equal(unchanged.status, 'unchanged');
    // Another PKCS#11 module file (here a copy at another path) is a configuration change.
    const otherModule = path.join(home.home, 'other-softhsm2.so');
    copyFileSync(home.config.pkcs11.modulePath, otherModule);
    const changedEnv = { ...home.env, SHOMEI_PKCS11_MODULE: otherModule };
    const changed = runShomei(['keys', 'hsm-check'], changedEnv);
    assert.equal(changed.status, 1);
    assert.match(changed.stderr, /SHOMEI_HSM_CONFIGURATION_CHANGED/);
    const detected = JSON.parse(changed.stdout) as { status: string; newlyDetected: boolean };
    assert.deepEqual([detected.status, detected.newlyDetected], ['changed', true]);
    const again = JSON.parse(runShomei(['keys', 'hsm-check'], changedEnv).stdout) as {
      newlyDetected: boolean;
    };
    assert.equal(again.newlyDetected, false, 'recorded once per change');
    assert.equal(auditTypes(team.system_auditor, 'hsm.configuration.changed').length, 1);
    // The running server sees it too: /readyz reports the change, and its check alerts no second time.
    const changedConfig = { ...home.config, pkcs11: { ...home.config.pkcs11, modulePath: otherModule } };
    const shomei = await openShomei(changedConfig, createLogger({ level: 'silent' }));
    const server = await buildServer(shomei);
    try {
      const ready = (await server.inject({ method: 'GET', url: '/readyz' })).json() as {
        checks: Record<string, string>;
        reasons: Record<string, string>;
      };
      assert.equal(ready.checks.hsmConfiguration, 'changed', JSON.stringify(ready));
      assert.match(ready.reasons.hsmConfiguration ?? '', /hsm-accept/);
      assert.equal((await shomei.audit.alerts.list({ rule: 'hsm-configuration-change' })).length, 1);
    } finally {
      await server.close();
      await shomei.close();
    }
    const refused = runShomei(['keys', 'hsm-accept', '--reason', 'module moved'], {
      ...team.system_administrator.env,
      SHOMEI_PKCS11_MODULE: otherModule,
    });
    assert.match(refused.stderr, /SHOMEI_FORBIDDEN/);
    ok(
      runShomei(['keys', 'hsm-accept', '--reason', 'module moved'], {
        ...team.security_officer.env,
        SHOMEI_PKCS11_MODULE: otherModule,
      }),
    );
    assert.equal(ok(runShomei(['keys', 'hsm-check'], changedEnv)).status, 'unchanged');
  });
});
