/**
 * The SQL of issue #15's renewal and signing policy on PostgreSQL (migrations 0611 and 0741): two
 * instances checking expiry at once send one notice, a renewal waiting for the RA silences the next,
 * and the policy's upserts in contracts and rssp read back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setPermission } from '../../src/contracts/index.ts';
import { type ContractsHarness, createUser, openContractsHarness } from './harness.ts';

let pg: ContractsHarness;
before(async () => {
  pg = await openContractsHarness({ dialect: 'postgres' });
});
after(async () => {
  await pg?.close();
});

const DAY = 24 * 3600 * 1000;

describe('on PostgreSQL', () => {
  it('the notice claim, the renewal exclusion and the policy upsert work there too', async () => {
    {
      const user = await createUser(pg, { email: 'abe@a.example', tenantSlug: 'tenant-a' });
      const operator = await createUser(pg, { email: 'ra4@ops.example', tenantSlug: 'ops' });
      const rssp = pg.shomei.rssp;
      const application = await rssp.applications.apply(
        { userId: user.id, tenantId: user.tenantId },
        { commonName: 'Abe Jiro', algorithm: 'EC-P256' },
      );
      await rssp.applications.approve(application.id, operator.id, {
        identityCheck: { method: 'in-person', reference: 'RA-PG-1' },
      });
      const credential = await rssp.credentials.require(application.credentialId);
      const notAfter = new Date(credential.cert_not_after!).getTime();
      // Two instances checking at once: one notice between them.
      const [first, second] = await Promise.all([
        rssp.expiryNotices.check(new Date(notAfter - 10 * DAY)),
        rssp.expiryNotices.check(new Date(notAfter - 10 * DAY)),
      ]);
      assert.equal(first!.length + second!.length, 1);
      // A renewal waiting for the RA silences the next notice.
      await rssp.applications.renew(
        { userId: user.id, tenantId: user.tenantId },
        credential.credential_id,
        {},
      );
      assert.deepEqual(await rssp.expiryNotices.check(new Date(notAfter - 2 * DAY)), []);
      const admin = await createUser(pg, { email: 'kanri@a.example', tenantSlug: 'tenant-a' });
      await setPermission(pg.contracts.context, { kind: 'operator', id: 'test' }, admin.tenantId, {
        userId: admin.id,
        permission: 'tenant.admin',
        granted: true,
      });
      const actor = {
        kind: 'user',
        tenantId: admin.tenantId,
        userId: admin.id,
        email: admin.email,
        authentication: 'password+totp',
      } as const;
      for (const factor of ['login-totp', 'credential-otp'] as const) {
        await pg.contracts.setSigningPolicy(actor, { allowedModes: ['witness-type'], signingFactor: factor });
        assert.deepEqual(await pg.contracts.signingPolicy(actor), {
          allowedModes: ['witness-type'],
          signingFactor: factor,
        });
      }
    }
  });
});
