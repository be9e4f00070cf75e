/**
 * Acceptance: changing, deleting or reordering audit rows directly in the database is refused by the
 * database, or — when a DBA removes the protection first — detected by verify naming the first bad record.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import type { Shomei } from '../../src/app/index.ts';
import { hashRecord } from '../../src/audit/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

type Dialect = 'sqlite' | 'postgres';

async function removeProtection(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`drop trigger audit_events_no_update`.execute(db);
    await sql`drop trigger audit_events_no_delete`.execute(db);
  } else {
    await sql`drop trigger audit_events_append_only on audit_events`.execute(db);
    await sql`grant update, delete on audit_events to current_user`.execute(db);
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`audit tamper evidence (${dialect})`, () => {
    let shomei: Shomei & TestHome;
    let dropDatabase: (() => Promise<void>) | undefined;
    let db: Kysely<unknown>;

    before(async () => {
      const env: Record<string, string> = { SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0' };
      if (dialect === 'postgres') {
        const created = await createTestDatabase();
        dropDatabase = created.drop;
        env.SHOMEI_DATABASE_URL = created.url;
      }
      shomei = await openTestShomei(env);
      db = shomei.audit.trail.db as unknown as Kysely<unknown>;
      for (let i = 0; i < 20; i++) {
        await shomei.audit.trail.append({
          type: 'key.use',
          actor: { kind: 'user', id: `u${i % 3}` },
          subject: { kind: 'key', id: `k${i}` },
          outcome: 'success',
        });
      }
      await shomei.audit.checkpointer.checkpoint('manual');
      assert.equal((await shomei.audit.verify()).ok, true);
    });
    after(async () => {
      await shomei.close();
      await dropDatabase?.();
    });

    it('the database refuses UPDATE, DELETE (and TRUNCATE) of audit records', async () => {
      await assert.rejects(sql`update audit_events set outcome = 'failure' where seq = 5`.execute(db));
      await assert.rejects(sql`delete from audit_events where seq = 5`.execute(db));
      await assert.rejects(sql`update audit_checkpoints set head_hash = 'x'`.execute(db));
      if (dialect === 'postgres') await assert.rejects(sql`truncate audit_events`.execute(db));
      if (dialect === 'sqlite') await assert.rejects(sql`delete from audit_events`.execute(db));
      assert.equal((await shomei.audit.verify()).ok, true);
    });

    it('after a DBA drops the protection, verify names the first reordered, deleted, changed or re-hashed record', async () => {
      await removeProtection(db, dialect);
      const expectBreak = async (seq: number, reason: string): Promise<void> => {
        const result = await shomei.audit.verify();
        assert.equal(result.ok, false);
        assert.deepEqual([result.firstBreak?.seq, result.firstBreak?.reason], [seq, reason]);
      };

      // Each step damages an earlier record than the last, so each becomes the first break.
      // Reorder: records 16 and 17 swap places.
      await sql`update audit_events set seq = -1 where seq = 16`.execute(db);
      await sql`update audit_events set seq = 16 where seq = 17`.execute(db);
      await sql`update audit_events set seq = 17 where seq = -1`.execute(db);
      await expectBreak(16, 'hash-mismatch');

      // Delete a record.
      await sql`delete from audit_events where seq = 12`.execute(db);
      await expectBreak(12, 'sequence-gap');

      // Inject a field into the details of a record.
      await sql`update audit_events set details = '{"injected":true}' where seq = 9`.execute(db);
      await expectBreak(9, 'hash-mismatch');

      // Change who acted.
      await sql`update audit_events set actor_id = 'mallory' where seq = 7`.execute(db);
      await expectBreak(7, 'hash-mismatch');

      // Re-hash the altered record: the next record no longer links to it.
      const altered = (await shomei.audit.trail.get(7))!;
      await sql`update audit_events set hash = ${hashRecord(altered)} where seq = 7`.execute(db);
      await expectBreak(8, 'prev-hash-mismatch');
    });

    it('a chain re-written from the altered record to the head is caught by the signed checkpoint', async () => {
      // The DBA re-links and re-hashes every record after 2 and moves the head: the chain itself is
      // consistent again, but the HSM-signed checkpoint still names the original head hash.
      const head = await shomei.audit.trail.head();
      let previous = (await shomei.audit.trail.get(2))!.hash;
      let expected = 3;
      for (let seq = 3; seq <= head.seq; seq++) {
        const record = await shomei.audit.trail.get(seq);
        if (record === undefined) continue;
        const relinked = { ...record, seq: expected, prevHash: previous };
        const hash = hashRecord(relinked);
        await sql`update audit_events set seq = ${-seq} where seq = ${seq}`.execute(db);
        await sql`update audit_events set seq = ${expected}, prev_hash = ${previous}, hash = ${hash} where seq = ${-seq}`.execute(
          db,
        );
        previous = hash;
        expected++;
      }
      await sql`update audit_chain_head set last_seq = ${expected - 1}, last_hash = ${previous}`.execute(db);
      const result = await shomei.audit.verify();
      assert.equal(result.firstBreak, null);
      assert.equal(result.ok, false);
      assert.equal(result.checkpoints.problems.length, 1);
      assert.match(
        result.checkpoints.problems[0]!.reason,
        /record \d+ (differs from the signed head|.*missing)/,
      );
    });
  });
}
