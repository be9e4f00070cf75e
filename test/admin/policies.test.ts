/**
 * Published policy versions on PostgreSQL (ADR 033; the e2e test covers SQLite): versions number on,
 * the one in force is the newest already effective, a future one waits at its own number, items are
 * replaced, and a row changed behind the service's back is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { type AdminTables, adminMigrations, PolicyRegistry } from '../../src/admin/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { applyMigrations, type Database, openDatabase } from '../../src/store/index.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

describe('policy versions on PostgreSQL', () => {
  let database: Database;
  let drop: () => Promise<void>;
  let now = new Date('2027-01-10T00:00:00Z');
  let policies: PolicyRegistry;
  const by = { publishedBy: 'admin-1', approvalId: 'req-1' };

  before(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    database = openDatabase(created.url);
    await applyMigrations(database.db, [adminMigrations('postgres')]);
    const db = database.db.withTables<AdminTables>() as unknown as Kysely<AdminTables>;
    policies = new PolicyRegistry(db, () => now);
  });
  after(async () => {
    await database.close();
    await drop();
  });

  test('the newest effective version is in force; a later one waits; earlier ones stay', async () => {
    await assert.rejects(
      policies.text('terms-of-use'),
      (e) => isShomeiError(e) && e.code === 'SHOMEI_POLICY_NOT_PUBLISHED',
    );
    const v1 = await policies.publish('terms-of-use', '# v1', now.toISOString(), by);
    const v2 = await policies.publish('terms-of-use', '# v2', '2027-04-01T00:00:00.000Z', by);
    assert.deepEqual([v1.version, v2.version], [1, 2]);
    assert.equal((await policies.text('terms-of-use')).markdown, '# v1');
    assert.equal((await policies.text('terms-of-use', 2)).markdown, '# v2');
    now = new Date('2027-04-02T00:00:00Z');
    assert.equal((await policies.text('terms-of-use')).version, 2);
    assert.equal((await policies.text('terms-of-use', 1)).markdown, '# v1');
    assert.deepEqual(
      (await policies.versions('terms-of-use')).map((v) => v.version),
      [2, 1],
    );
    await assert.rejects(
      policies.text('terms-of-use', 3),
      (e) => isShomeiError(e) && e.code === 'SHOMEI_POLICY_NOT_PUBLISHED',
    );
  });

  test('items are replaced, unset ones reported as such, and a forged version is refused', async () => {
    await policies.setItems({ PROVIDER_NAME: 'A 社' }, 'ciso-1');
    await policies.setItems({ PROVIDER_NAME: 'B 社', PROVIDER_CONTACT: 'desk@b.example' }, 'ciso-1');
    const items = await policies.items();
    assert.equal(items.find((i) => i.name === 'PROVIDER_NAME')?.value, 'B 社');
    assert.equal(items.find((i) => i.name === 'LIABILITY')?.value, null);
    await sql`update admin_policy_versions set markdown = '# forged' where version = 1`.execute(database.db);
    await assert.rejects(
      policies.text('terms-of-use', 1),
      (e) => isShomeiError(e) && e.code === 'SHOMEI_POLICY_TAMPERED',
    );
  });
});
