/**
 * The operator console's API: GET /api/me/privileges per role, and /api/admin/credentials,
 * /api/admin/certificates and /api/admin/backups — operators and administrators only (the auditor,
 * an RA operator and members of any tenant get the stable 403), revocation and restore only after a
 * second person approves. Authentication is identity's; a stand-in hook names the user and tenant.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { adminRoutes, privilegesRoutes } from '../../src/admin/index.ts';
import { operatorConsole, type Shomei } from '../../src/app/index.ts';
import type { Principal } from '../../src/identity/index.ts';
import { handleError } from '../../src/server/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';

const today = new Date().toISOString().slice(0, 10);
const STAFF = ['so-1', 'admin-1', 'auditor-1', 'operator-1', 'ra-1'];

function principal(userId: string, tenantId: string): Principal {
  return {
    kind: 'user',
    userId,
    tenantId,
    email: `${userId}@example.jp`,
    displayName: `Name of ${userId}`,
    sessionRef: `session-${userId}`,
    assurance: 'aal2',
    methods: ['password', 'totp'],
    authenticatedAt: new Date().toISOString(),
    federation: null,
  };
}

describe('operator console API', () => {
  let shomei: Shomei & TestHome;
  let app: FastifyInstance;
  let credentialId: string;
  let serial: string;

  before(async () => {
    shomei = await openTestShomei({ SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0' });
    for (const user of STAFF) {
      await shomei.admin.grants.recordTraining(
        { userId: user, topic: 'Operations', trainer: 'Trainer', trainedOn: today },
        'hr',
      );
    }
    await shomei.admin.bootstrap(
      [
        { userId: 'so-1', role: 'security_officer' },
        { userId: 'admin-1', role: 'system_administrator' },
        { userId: 'auditor-1', role: 'system_auditor' },
        { userId: 'operator-1', role: 'system_operator' },
        { userId: 'ra-1', role: 'ra_operator' },
      ],
      'console',
    );
    // A signer of tenant A with an active credential and its certificate from the embedded CA.
    const { credential, csr } = await shomei.rssp.credentials.create({
      userId: 'signer-a',
      tenantId: 'tenant-a',
      algorithm: 'EC-P256',
      subject: 'CN=署名 花子,O=株式会社エー,C=JP',
    });
    credentialId = credential.credential_id;
    if (credential.status === 'pending-certificate') {
      const issued = await shomei.ca.issue({
        csr,
        profile: 'signer',
        actor: { kind: 'process', id: 'test' },
      });
      await shomei.rssp.credentials.installCertificate(
        credentialId,
        issued.der,
        await shomei.ca.chain(),
        'signer-a',
      );
    }
    serial = (await shomei.rssp.credentials.require(credentialId)).cert_serial!;

    app = Fastify({ logger: false });
    app.setErrorHandler(handleError);
    app.decorateRequest('principal', undefined);
    app.addHook('onRequest', async (request) => {
      const user = request.headers['x-test-user'];
      const tenant = request.headers['x-test-tenant'];
      if (typeof user === 'string') {
        (request as { principal?: Principal }).principal = principal(
          user,
          typeof tenant === 'string' ? tenant : 'provider',
        );
      }
    });
    await app.register(adminRoutes, {
      admin: shomei.admin,
      audit: shomei.audit,
      consoleRoutes: operatorConsole(shomei).routes,
    });
    await app.register(privilegesRoutes, { admin: shomei.admin });
  });
  after(async () => {
    await app?.close();
    await shomei?.close();
  });

  const call = (method: 'GET' | 'POST', url: string, user?: string, payload?: object, tenant?: string) =>
    app.inject({
      method,
      url,
      remoteAddress: '127.0.0.1',
      headers: {
        ...(user === undefined ? {} : { 'x-test-user': user }),
        ...(tenant === undefined ? {} : { 'x-test-tenant': tenant }),
      },
      ...(payload === undefined ? {} : { payload }),
    });
  const refusedWith403 = async (method: 'GET' | 'POST', url: string, user: string, tenant?: string) => {
    const response = await call(method, url, user, method === 'POST' ? {} : undefined, tenant);
    assert.equal(response.statusCode, 403, `${user} ${method} ${url}: ${response.body}`);
    assert.equal(response.json().error.code, 'SHOMEI_FORBIDDEN');
  };

  it('tells each user their roles, privileges, dual-control part and tenant', async () => {
    const mine = async (user: string) => {
      const response = await call('GET', '/api/me/privileges', user);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['cache-control'], 'no-store');
      return response.json() as {
        roles: { role: string }[];
        privileges: string[];
        operations: { id: string; dualControl: boolean; mayRequest?: boolean; mayApprove?: boolean }[];
        tenant: { id: string; permissions: string[] };
        terminal: { allowed: boolean };
      };
    };
    const operator = await mine('operator-1');
    assert.deepEqual(
      operator.roles.map((r) => r.role),
      ['system_operator'],
    );
    for (const p of [
      'credentials.read',
      'credentials.manage',
      'certificates.read',
      'backups.read',
      'backups.manage',
    ])
      assert.ok(operator.privileges.includes(p), p);
    assert.ok(!operator.privileges.includes('audit.read'));
    const restore = operator.operations.find((o) => o.id === 'backup.restore');
    assert.deepEqual(
      { dual: restore?.dualControl, request: restore?.mayRequest, approve: restore?.mayApprove },
      { dual: true, request: true, approve: false },
    );
    assert.equal(operator.terminal.allowed, true);

    const auditor = await mine('auditor-1');
    assert.deepEqual([...auditor.privileges].sort(), [
      'alerts.read',
      'approvals.read',
      'audit.export',
      'audit.read',
    ]);
    // The auditor's only part in dual control is approving an audit prune (ADR 019: the records it
    // audits are removed only with its consent); it requests nothing.
    assert.deepEqual(
      auditor.operations
        .filter((o) => o.dualControl && (o.mayRequest || o.mayApprove))
        .map((o) => ({ id: o.id, request: o.mayRequest, approve: o.mayApprove })),
      [{ id: 'audit.prune', request: false, approve: true }],
    );

    const officer = await mine('so-1');
    assert.ok(!officer.privileges.includes('credentials.read'));
    const grant = officer.operations.find((o) => o.id === 'role.grant');
    assert.equal(grant?.mayRequest, true);
    assert.equal(officer.operations.find((o) => o.id === 'credential.revoke')?.mayApprove, true);

    assert.deepEqual((await mine('ra-1')).privileges, ['identity.applications.decide']);
    const member = await mine('signer-a');
    assert.deepEqual(member.roles, []);
    assert.deepEqual(member.privileges, []);
    assert.deepEqual(member.operations, []);
    assert.equal(member.tenant.id, 'provider');
    assert.ok(member.tenant.permissions.includes('envelopes.create'));

    const anonymous = await call('GET', '/api/me/privileges');
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().error.code, 'SHOMEI_AUTH_REQUIRED');
  });

  it('lists credentials with filters and details for operators, and nobody else', async () => {
    const listed = await call('GET', '/api/admin/credentials?status=active', 'operator-1');
    assert.equal(listed.statusCode, 200, listed.body);
    const rows = listed.json().credentials as Record<string, unknown>[];
    const row = rows.find((c) => c.credentialID === credentialId);
    assert.ok(row, 'the active credential is listed');
    assert.equal(row.owner, 'signer-a');
    assert.equal(row.tenantId, 'tenant-a');
    assert.equal(row.algorithm, 'EC-P256');
    assert.equal((row.certificate as { serialNumber: string }).serialNumber, serial);
    assert.doesNotMatch(listed.body, /pin_hash|totp_seed|"publicKey"/);
    const bySubject = await call(
      'GET',
      `/api/admin/credentials?q=${encodeURIComponent('署名 花子')}`,
      'admin-1',
    );
    assert.equal((bySubject.json().credentials as unknown[]).length, 1);
    const none = await call('GET', '/api/admin/credentials?q=%25&status=suspended', 'admin-1');
    assert.deepEqual(none.json().credentials, []);
    assert.equal((await call('GET', '/api/admin/credentials?status=lost', 'operator-1')).statusCode, 400);
    const detail = await call('GET', `/api/admin/credentials/${credentialId}`, 'operator-1');
    assert.equal(detail.json().status, 'active');

    for (const user of ['auditor-1', 'so-1', 'ra-1']) {
      await refusedWith403('GET', '/api/admin/credentials', user);
      await refusedWith403('POST', `/api/admin/credentials/${credentialId}/suspend`, user);
    }
    // A member of another tenant, and the owner's own tenant colleague, reach no operator route.
    await refusedWith403('GET', '/api/admin/credentials', 'member-b', 'tenant-b');
    await refusedWith403('GET', `/api/admin/credentials/${credentialId}`, 'member-b', 'tenant-b');
    await refusedWith403('GET', `/api/admin/credentials/${credentialId}`, 'signer-a', 'tenant-a');
    const denied = await shomei.audit.search({ type: 'admin.access.denied', actor: 'member-b' });
    assert.ok(denied.length >= 2, 'refusals are audited');
    assert.ok(
      (await shomei.audit.search({ type: 'admin.credentials.read', actor: 'operator-1' })).length >= 1,
    );
  });

  it('suspends and resumes at once, and revokes a credential only after a second person approves', async () => {
    const suspended = await call('POST', `/api/admin/credentials/${credentialId}/suspend`, 'operator-1', {});
    assert.equal(suspended.statusCode, 200, suspended.body);
    assert.equal(suspended.json().status, 'suspended');
    const again = await call('POST', `/api/admin/credentials/${credentialId}/suspend`, 'operator-1', {});
    assert.equal(again.json().error.code, 'SHOMEI_RSSP_CREDENTIAL_STATE');
    assert.equal(
      (await call('POST', `/api/admin/credentials/${credentialId}/resume`, 'admin-1', {})).json().status,
      'active',
    );

    await refusedWith403('POST', `/api/admin/credentials/${credentialId}/revoke`, 'auditor-1');
    const requested = await call('POST', `/api/admin/credentials/${credentialId}/revoke`, 'operator-1', {
      reason: 'keyCompromise',
    });
    assert.equal(requested.statusCode, 202, requested.body);
    assert.equal(requested.json().kind, 'credential.revoke');
    assert.equal((await shomei.rssp.credentials.require(credentialId)).status, 'active', 'nothing yet');
    const self = await call('POST', `/api/admin/approvals/${requested.json().id}/approve`, 'operator-1', {});
    assert.equal(self.json().error.code, 'SHOMEI_APPROVAL_SELF');
    const approved = await call('POST', `/api/admin/approvals/${requested.json().id}/approve`, 'admin-1', {});
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(approved.json().status, 'approved');
    const after = await shomei.rssp.credentials.require(credentialId);
    assert.equal(after.status, 'revoked');
    assert.equal(after.key_id, null, 'the key is destroyed');
    assert.equal((await shomei.ca.get(serial))?.status, 'revoked');
  });

  it('lists certificates with filters and details; revocation goes through dual control', async () => {
    await refusedWith403('GET', '/api/admin/certificates', 'auditor-1');
    await refusedWith403('GET', '/api/admin/certificates', 'member-b', 'tenant-b');
    const revoked = await call('GET', '/api/admin/certificates?status=revoked&profile=signer', 'operator-1');
    assert.equal(revoked.statusCode, 200, revoked.body);
    const row = (revoked.json().certificates as Record<string, unknown>[]).find(
      (c) => c.serialNumber === serial,
    );
    assert.equal(row?.revocationReason, 'keyCompromise');
    const search = await call('GET', `/api/admin/certificates?q=${encodeURIComponent('花子')}`, 'operator-1');
    assert.deepEqual(
      (search.json().certificates as { serialNumber: string }[]).map((c) => c.serialNumber),
      [serial],
    );
    const detail = await call('GET', `/api/admin/certificates/${serial}`, 'admin-1');
    assert.match(detail.json().pem, /^-----BEGIN CERTIFICATE-----/);
    assert.equal(
      (await call('GET', '/api/admin/certificates/abcdef', 'admin-1')).json().error.code,
      'SHOMEI_CA_CERTIFICATE_NOT_FOUND',
    );
    const twice = await call('POST', `/api/admin/certificates/${serial}/revoke`, 'operator-1', {});
    assert.equal(twice.json().error.code, 'SHOMEI_CA_ALREADY_REVOKED');

    // A valid certificate: revoked only when an administrator approves the operator's request.
    const { csr } = await shomei.rssp.credentials.create({
      userId: 'signer-a',
      tenantId: 'tenant-a',
      algorithm: 'EC-P256',
      subject: 'CN=署名 次郎,O=株式会社エー,C=JP',
    });
    const issued = await shomei.ca.issue({ csr, profile: 'signer', actor: { kind: 'process', id: 'test' } });
    const requested = await call(
      'POST',
      `/api/admin/certificates/${issued.serialNumber}/revoke`,
      'operator-1',
      {
        reason: 'superseded',
      },
    );
    assert.equal(requested.statusCode, 202, requested.body);
    assert.equal((await shomei.ca.get(issued.serialNumber))?.status, 'valid');
    const approved = await call('POST', `/api/admin/approvals/${requested.json().id}/approve`, 'so-1', {});
    assert.equal(approved.json().status, 'approved', approved.body);
    assert.equal((await shomei.ca.get(issued.serialNumber))?.revocationReason, 'superseded');
  });

  it('creates and verifies backups on the server, and restores only with a second person', async () => {
    await refusedWith403('GET', '/api/admin/backups', 'auditor-1');
    await refusedWith403('POST', '/api/admin/backups', 'auditor-1');
    await refusedWith403('POST', '/api/admin/backups', 'member-b', 'tenant-b');
    const started = await call('POST', '/api/admin/backups', 'operator-1', {});
    assert.equal(started.statusCode, 202, started.body);
    const id = started.json().id as string;
    assert.equal(started.json().state, 'creating');
    await operatorConsole(shomei).backups.idle();
    const listed = await call('GET', '/api/admin/backups', 'admin-1');
    const record = (listed.json().backups as Record<string, unknown>[]).find((b) => b.id === id)!;
    assert.equal(record.state, 'ready');
    assert.deepEqual(record.createdBy, { id: 'operator-1', name: 'Name of operator-1' });
    assert.match(String(record.manifestSha256), /^[0-9a-f]{64}$/);
    assert.ok(Number(record.size) > 0);
    assert.equal((record.lastVerify as { valid: boolean }).valid, true);
    assert.doesNotMatch(listed.body, /token-pins|userPin|soPin/);

    const verifying = await call('POST', `/api/admin/backups/${id}/verify`, 'admin-1', {});
    assert.equal(verifying.statusCode, 202, verifying.body);
    await operatorConsole(shomei).backups.idle();
    const verified = (await call('GET', `/api/admin/backups/${id}`, 'operator-1')).json();
    assert.deepEqual(
      { by: verified.lastVerify.by, valid: verified.lastVerify.valid },
      { by: 'admin-1', valid: true },
    );
    assert.equal((await call('POST', '/api/admin/backups/backup-x/verify', 'admin-1', {})).statusCode, 404);
    const audited = await shomei.audit.search({ type: 'backup.*' });
    assert.ok(audited.some((e) => e.type === 'backup.create' && e.actor.id === 'operator-1'));
    assert.ok(audited.some((e) => e.type === 'backup.verify' && e.actor.id === 'admin-1'));

    await refusedWith403('POST', `/api/admin/backups/${id}/restore`, 'auditor-1');
    const requested = await call('POST', `/api/admin/backups/${id}/restore`, 'operator-1', {});
    assert.equal(requested.statusCode, 202, requested.body);
    assert.equal(requested.json().kind, 'backup.restore');
    const self = await call('POST', `/api/admin/approvals/${requested.json().id}/approve`, 'operator-1', {});
    assert.equal(self.json().error.code, 'SHOMEI_APPROVAL_SELF');
    const approved = await call('POST', `/api/admin/approvals/${requested.json().id}/approve`, 'so-1', {});
    assert.equal(approved.json().status, 'approved', approved.body);
    const into = approved.json().outcome.restoredInto as string;
    assert.ok(into.startsWith(path.join(shomei.home, 'restores')));
    assert.ok(existsSync(into), 'the restored data directory is in place for the offline switch');
  });
});
