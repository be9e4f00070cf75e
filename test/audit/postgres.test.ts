/**
 * The PostgreSQL-specific paths: pruning through the controlled path (DELETE granted back only
 * inside its transaction), alert scans under the cursor lock, and the revoked privileges.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Shomei } from '../../src/app/index.ts';
import { verifyAuditArchive } from '../../src/audit/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

describe('audit on PostgreSQL', () => {
  let shomei: Shomei & TestHome;
  let drop: () => Promise<void>;

  before(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    shomei = await openTestShomei({
      SHOMEI_DATABASE_URL: database.url,
      SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0',
      SHOMEI_ALERT_RATE: '3/60',
      // Development only: records of this run are past the retention floor, so prune can be tested.
      SHOMEI_RETENTION_YEARS: '0',
    });
    for (let i = 0; i < 12; i++) {
      await shomei.audit.trail.append({
        type: 'credential.info',
        actor: { kind: 'client-system', id: 'sca-1' },
        outcome: 'success',
      });
    }
  });
  after(async () => {
    await shomei.close();
    await drop();
  });

  it('refuses UPDATE, DELETE and TRUNCATE by privilege as well as by trigger', async () => {
    const db = shomei.audit.trail.db;
    await sql`drop trigger audit_events_append_only on audit_events`.execute(db);
    await assert.rejects(
      sql`update audit_events set outcome = 'failure' where seq = 2`.execute(db),
      /permission denied/,
    );
    await assert.rejects(sql`delete from audit_events where seq = 2`.execute(db), /permission denied/);
    await assert.rejects(sql`truncate audit_events`.execute(db), /permission denied|APPEND_ONLY/);
    // Put the trigger back for the rest of the file.
    await sql`create trigger audit_events_append_only before update or delete on audit_events for each row execute function shomei_audit_events_guard()`.execute(
      db,
    );
    assert.equal((await shomei.audit.verify()).ok, true);
  });

  it('prunes an exported range through the controlled path only', async () => {
    const file = path.join(shomei.home, 'pg-archive.jsonl');
    const exported = await shomei.audit.exportArchive(file, { throughSeq: 6 }, 'auditor-1');
    assert.equal(exported.verification.ok, true);
    const result = await shomei.audit.prune(6, 'auditor-1');
    assert.equal(result.deleted, 6);
    const verification = await shomei.audit.verify();
    assert.equal(verification.ok, true, JSON.stringify(verification));
    assert.equal(verification.firstSeq, 7);
    // DELETE is revoked again after the prune's transaction.
    await assert.rejects(
      sql`delete from audit_events where seq = 8`.execute(shomei.audit.trail.db),
      /permission denied|APPEND_ONLY/,
    );
    assert.equal(verifyAuditArchive(file).ok, true);
  });

  it('scans alerts under the cursor lock, once', async () => {
    const alerts = await shomei.audit.alerts.scan();
    assert.ok(alerts.some((a) => a.rule === 'abnormal-rate' && a.actorId === 'sca-1'));
    assert.deepEqual(await shomei.audit.alerts.scan(), []);
  });
});
