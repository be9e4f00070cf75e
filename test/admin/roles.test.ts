/**
 * Separation of duties (JT2A 7.1.1), training records (EC 2.1.2) and dual control: conflicting grants
 * are refused, nothing happens until a second authorised person approves, the requester cannot approve
 * their own request, and expired requests cannot be approved.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import {
  type AdminServices,
  findRoleConflict,
  openAdminServices,
  PRIVILEGED_ROLES,
} from '../../src/admin/index.ts';
import type { Shomei } from '../../src/app/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';

const today = new Date().toISOString().slice(0, 10);
const code = (expected: string) => (error: { code?: string }) => {
  assert.equal(error.code, expected);
  return true;
};

describe('privileged roles, training and dual control', () => {
  let shomei: Shomei & TestHome;
  let admin: AdminServices;

  async function train(userId: string, trainedOn = today): Promise<void> {
    await admin.grants.recordTraining(
      { userId, topic: 'Security policy and key ceremony', trainer: 'CISO Office', trainedOn },
      'operator-1',
    );
  }

  async function auditTypes(): Promise<string[]> {
    return (await shomei.audit.search({ type: 'admin.*', limit: 1000 })).map((r) => `${r.type}:${r.outcome}`);
  }

  before(async () => {
    shomei = await openTestShomei({ SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0' });
    admin = shomei.admin;
    for (const user of ['so-1', 'so-2', 'admin-1', 'auditor-1', 'operator-1', 'untrained-1']) {
      if (user !== 'untrained-1') await train(user);
    }
  });
  after(async () => {
    await shomei.close();
  });

  it('knows the JT2A 7.1.1 conflicts between every pair of privileged roles', () => {
    for (const a of PRIVILEGED_ROLES) {
      for (const b of PRIVILEGED_ROLES) {
        if (a !== b) assert.ok(findRoleConflict([a], b), `${a} + ${b} must conflict`);
      }
    }
    assert.match(
      findRoleConflict(['security_officer'], 'system_auditor')!.rule,
      /security officer is never also the system auditor/,
    );
    assert.ok(findRoleConflict(['system_auditor'], 'ra_operator'));
    assert.equal(findRoleConflict(['system_operator'], 'ra_operator'), undefined);
  });

  it('bootstraps the first team once, refusing a conflicting or untrained team', async () => {
    await assert.rejects(
      admin.bootstrap(
        [
          { userId: 'so-1', role: 'security_officer' },
          { userId: 'so-1', role: 'system_auditor' },
        ],
        'root-console',
      ),
      code('SHOMEI_ROLE_CONFLICT'),
    );
    await assert.rejects(
      admin.bootstrap([{ userId: 'untrained-1', role: 'security_officer' }], 'root-console'),
      code('SHOMEI_TRAINING_REQUIRED'),
    );
    assert.deepEqual(await admin.grants.list(), []);
    await admin.bootstrap(
      [
        { userId: 'so-1', role: 'security_officer' },
        { userId: 'admin-1', role: 'system_administrator' },
        { userId: 'auditor-1', role: 'system_auditor' },
      ],
      'root-console',
    );
    assert.deepEqual(await admin.grants.rolesOf('so-1'), ['security_officer']);
    await assert.rejects(
      admin.bootstrap([{ userId: 'so-2', role: 'security_officer' }], 'root-console'),
      code('SHOMEI_ADMIN_ALREADY_BOOTSTRAPPED'),
    );
  });

  it('refuses a grant request that would give someone a second privileged role, and its approval', async () => {
    await assert.rejects(
      admin.dualControl.request('role.grant', { userId: 'admin-1', role: 'system_auditor' }, 'so-1'),
      code('SHOMEI_ROLE_CONFLICT'),
    );
    await assert.rejects(
      admin.dualControl.request('role.grant', { userId: 'so-1', role: 'system_auditor' }, 'so-1'),
      code('SHOMEI_ROLE_CONFLICT'),
    );
    await assert.rejects(
      admin.dualControl.request('role.grant', { userId: 'auditor-1', role: 'ra_operator' }, 'so-1'),
      code('SHOMEI_ROLE_CONFLICT'),
    );
    // Applying directly is refused too, by the check and by the database's unique index.
    await assert.rejects(
      admin.grants.apply('auditor-1', 'system_operator', 'x', null),
      code('SHOMEI_ROLE_CONFLICT'),
    );
    assert.deepEqual(await admin.grants.rolesOf('auditor-1'), ['system_auditor']);
  });

  it('requires a current training record for a privileged role (validity in days)', async () => {
    await assert.rejects(
      admin.dualControl.request('role.grant', { userId: 'untrained-1', role: 'system_operator' }, 'so-1'),
      code('SHOMEI_TRAINING_REQUIRED'),
    );
    const longAgo = new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10);
    await train('untrained-1', longAgo);
    await assert.rejects(
      admin.dualControl.request('role.grant', { userId: 'untrained-1', role: 'system_operator' }, 'so-1'),
      code('SHOMEI_TRAINING_REQUIRED'),
    );
    // With the requirement turned off (validity 0) the same grant is allowed.
    const relaxed = openAdminServices({
      database: shomei.database,
      audit: shomei.audit.trail,
      settings: { approvalHours: 24, trainingValidityDays: 0, allowedIps: [], allowIpList: false },
    });
    await relaxed.grants.checkGrantable('untrained-1', 'system_operator');
    // A non-privileged role needs no training.
    await admin.grants.checkGrantable('untrained-1', 'ra_operator');
  });

  it('writes nothing when the audit record cannot be written (change and record commit together)', async () => {
    const db = shomei.audit.trail.db;
    await sql
      .raw(
        `create trigger fail_training_audit before insert on audit_events when new.type = 'admin.training.record' begin select raise(abort, 'disk I/O error'); end`,
      )
      .execute(db);
    try {
      await assert.rejects(
        admin.grants.recordTraining(
          { userId: 'so-2', topic: 'Refresher', trainer: 'T', trainedOn: today },
          'so-1',
        ),
        /disk I\/O error/,
      );
    } finally {
      await sql`drop trigger fail_training_audit`.execute(db);
    }
    assert.equal((await admin.grants.trainingOf('so-2')).filter((t) => t.topic === 'Refresher').length, 0);
    assert.equal((await shomei.audit.verify()).ok, true);
  });

  it('refuses malformed training records', async () => {
    const bad = [
      { userId: 'u 1', topic: 't', trainer: 'x', trainedOn: today },
      { userId: 'u1', topic: '', trainer: 'x', trainedOn: today },
      { userId: 'u1', topic: 't', trainer: 'x', trainedOn: '2025-02-30' },
      { userId: 'u1', topic: 't', trainer: 'x\r\nBcc: evil', trainedOn: today },
      { userId: 'u1', topic: 't'.repeat(300), trainer: 'x', trainedOn: today },
      { userId: 'u1', topic: 't', trainer: 'x', trainedOn: '2999-01-01' },
    ];
    for (const input of bad)
      await assert.rejects(admin.grants.recordTraining(input, 'so-1'), code('SHOMEI_ADMIN_INPUT_INVALID'));
  });

  it('does nothing until a second, different, authorised person approves; both steps are audited', async () => {
    const request = await admin.dualControl.request(
      'role.grant',
      { userId: 'operator-1', role: 'system_operator' },
      'so-1',
      '127.0.0.1',
    );
    assert.equal(request.status, 'pending');
    assert.deepEqual(await admin.grants.rolesOf('operator-1'), []);

    await assert.rejects(admin.dualControl.approve(request.id, 'so-1'), code('SHOMEI_APPROVAL_SELF'));
    await assert.rejects(admin.dualControl.approve(request.id, 'auditor-1'), code('SHOMEI_FORBIDDEN'));
    await assert.rejects(admin.dualControl.approve(request.id, 'nobody'), code('SHOMEI_FORBIDDEN'));
    assert.deepEqual(await admin.grants.rolesOf('operator-1'), []);

    const approved = await admin.dualControl.approve(request.id, 'admin-1');
    assert.equal(approved.status, 'approved');
    assert.equal(approved.decidedBy, 'admin-1');
    assert.deepEqual(await admin.grants.rolesOf('operator-1'), ['system_operator']);
    await assert.rejects(
      admin.dualControl.approve(request.id, 'admin-1'),
      code('SHOMEI_APPROVAL_NOT_PENDING'),
    );

    const types = await auditTypes();
    for (const expected of [
      'admin.approval.request:success',
      'admin.approval.approve:failure',
      'admin.role.grant:success',
      'admin.approval.approve:success',
    ]) {
      assert.ok(types.includes(expected), `${expected} missing from ${types.join(', ')}`);
    }
  });

  it('the person who would receive a role cannot approve it', async () => {
    const request = await admin.dualControl.request(
      'role.grant',
      { userId: 'admin-1', role: 'ra_operator' },
      'so-1',
    );
    await assert.rejects(admin.dualControl.approve(request.id, 'admin-1'), code('SHOMEI_APPROVAL_SELF'));
    assert.deepEqual(await admin.grants.rolesOf('admin-1'), ['system_administrator']);
    await admin.dualControl.reject(request.id, 'so-1');
  });

  it('only authorised roles may request, and a rejected request cannot be approved', async () => {
    await assert.rejects(
      admin.dualControl.request('role.grant', { userId: 'so-2', role: 'security_officer' }, 'auditor-1'),
      code('SHOMEI_FORBIDDEN'),
    );
    const request = await admin.dualControl.request(
      'role.grant',
      { userId: 'so-2', role: 'security_officer' },
      'so-1',
    );
    await assert.rejects(admin.dualControl.reject(request.id, 'auditor-1'), code('SHOMEI_FORBIDDEN'));
    const rejected = await admin.dualControl.reject(request.id, 'admin-1');
    assert.equal(rejected.status, 'rejected');
    await assert.rejects(
      admin.dualControl.approve(request.id, 'admin-1'),
      code('SHOMEI_APPROVAL_NOT_PENDING'),
    );
    assert.deepEqual(await admin.grants.rolesOf('so-2'), []);
  });

  it('cannot approve a request after its time limit (default 24 h)', async () => {
    let now = new Date();
    const clocked = openAdminServices({
      database: shomei.database,
      audit: shomei.audit.trail,
      settings: { approvalHours: 24, trainingValidityDays: 365, allowedIps: [], allowIpList: false },
      clock: () => now,
    });
    const request = await clocked.dualControl.request(
      'role.grant',
      { userId: 'so-2', role: 'security_officer' },
      'so-1',
    );
    assert.equal(Date.parse(request.expiresAt) - Date.parse(request.requestedAt), 24 * 3_600_000);
    now = new Date(now.getTime() + 24 * 3_600_000 + 1000);
    await assert.rejects(clocked.dualControl.approve(request.id, 'admin-1'), code('SHOMEI_APPROVAL_EXPIRED'));
    assert.equal((await clocked.dualControl.get(request.id))?.status, 'expired');
    assert.deepEqual(await admin.grants.rolesOf('so-2'), []);
  });

  it('refuses unknown kinds and malformed payloads without recording a request', async () => {
    const before = (await admin.dualControl.list()).length;
    await assert.rejects(
      admin.dualControl.request('db.drop', {}, 'so-1'),
      code('SHOMEI_DUAL_CONTROL_KIND_UNKNOWN'),
    );
    await assert.rejects(
      admin.dualControl.request('role.grant', null, 'so-1'),
      code('SHOMEI_ADMIN_INPUT_INVALID'),
    );
    await assert.rejects(
      admin.dualControl.request('role.grant', { userId: 'x', role: 'root' }, 'so-1'),
      code('SHOMEI_ADMIN_INPUT_INVALID'),
    );
    await assert.rejects(
      admin.dualControl.request('role.grant', { userId: "x'; drop table", role: 'ra_operator' }, 'so-1'),
      code('SHOMEI_ADMIN_INPUT_INVALID'),
    );
    await assert.rejects(
      admin.dualControl.approve('../../etc', 'admin-1'),
      code('SHOMEI_ADMIN_INPUT_INVALID'),
    );
    assert.equal((await admin.dualControl.list()).length, before);
  });

  it('destroys a provider key only after approval', async () => {
    const key = await shomei.crypto.generateSigningKey('EC-P256', 'provider-seal-test');
    await shomei.keys.record({
      keyId: key.id,
      label: key.label,
      kind: key.kind,
      algorithm: key.algorithm,
      purpose: 'provider-seal',
      publicKey: key.publicKey!,
    });
    const request = await admin.dualControl.request(
      'key.destroy',
      { keyId: key.id, reason: 'compromise drill' },
      'admin-1',
    );
    assert.equal(await shomei.crypto.hasKey(key.id), true);
    await assert.rejects(admin.dualControl.approve(request.id, 'admin-1'), code('SHOMEI_APPROVAL_SELF'));
    assert.equal(await shomei.crypto.hasKey(key.id), true);
    await admin.dualControl.approve(request.id, 'so-1');
    assert.equal(await shomei.crypto.hasKey(key.id), false);
    assert.equal((await shomei.keys.get(key.id))?.status, 'destroyed');
  });

  it('activates (generates) a provider key only after a security officer approves', async () => {
    const before = (await shomei.keys.findActiveByPurpose('provider-seal-2')).length;
    const request = await admin.dualControl.request(
      'key.activate',
      { algorithm: 'EC-P256', label: 'seal-2026', purpose: 'provider-seal-2' },
      'admin-1',
    );
    assert.equal((await shomei.keys.findActiveByPurpose('provider-seal-2')).length, before);
    await assert.rejects(admin.dualControl.approve(request.id, 'operator-1'), code('SHOMEI_FORBIDDEN'));
    const approved = await admin.dualControl.approve(request.id, 'so-1');
    const keyId = approved.outcome?.keyId as string;
    assert.equal(await shomei.crypto.hasKey(keyId), true);
    assert.equal((await shomei.keys.findActiveByPurpose('provider-seal-2')).length, before + 1);
    await assert.rejects(
      admin.dualControl.request(
        'key.activate',
        { algorithm: 'DSA-1024', label: 'x', purpose: 'y' },
        'admin-1',
      ),
      code('SHOMEI_ADMIN_INPUT_INVALID'),
    );
  });

  it('changes audit parameters only after approval, recording the change in the trail', async () => {
    const before = shomei.audit.parameters.current;
    await assert.rejects(
      admin.dualControl.request('audit.parameters', { rate: 'fast' }, 'so-1'),
      code('SHOMEI_AUDIT_PARAMETERS_INVALID'),
    );
    const request = await admin.dualControl.request(
      'audit.parameters',
      { businessHours: '09:00-18:00', rate: '50/5' },
      'so-1',
    );
    assert.deepEqual(shomei.audit.parameters.current, before);
    await admin.dualControl.approve(request.id, 'admin-1');
    assert.deepEqual(shomei.audit.parameters.current.rateLimit, { events: 50, seconds: 5 });
    assert.equal(shomei.audit.parameters.current.businessHours.startMinute, 9 * 60);
    const change = await shomei.audit.search({ type: 'audit.parameters.change' });
    assert.equal(change.length, 1);
    assert.equal((change[0]!.details.parameters as { rate: string }).rate, '50/5');
  });

  it("implements identity's privilege check with the grants (auditors only read the audit trail)", async () => {
    const principal = (userId: string) =>
      ({
        kind: 'user',
        userId,
        tenantId: 't',
        email: 'x@example.jp',
        displayName: 'x',
        sessionRef: 's',
        assurance: 'aal2',
        methods: ['password', 'totp'],
        authenticatedAt: '',
        federation: null,
      }) as const;
    assert.equal(await admin.privilegeCheck(principal('admin-1'), 'identity.accounts.manage'), true);
    assert.equal(await admin.privilegeCheck(principal('auditor-1'), 'identity.accounts.manage'), false);
    assert.equal(await admin.privilegeCheck(principal('operator-1'), 'identity.accounts.unlock'), true);
    assert.equal(await admin.hasPrivilege('auditor-1', 'audit.read'), true);
    for (const user of ['so-1', 'admin-1', 'operator-1', 'nobody'])
      assert.equal(await admin.hasPrivilege(user, 'audit.read'), false, user);
  });
});
