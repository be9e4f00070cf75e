import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { allMigrations } from '../../src/app/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { applyMigrations, type Database, KeyRegistry, openDatabase } from '../../src/store/index.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

interface Backend {
  readonly name: string;
  open(): Promise<{ database: Database; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), 'shomei-store-'));
      const database = openDatabase(`sqlite:${path.join(dir, 'test.db')}`);
      return {
        database,
        async cleanup() {
          await database.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const created = await createTestDatabase();
      const database = openDatabase(created.url);
      return {
        database,
        async cleanup() {
          await database.close();
          await created.drop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`store on ${backend.name}`, () => {
    test('migrations apply once and are idempotent', async () => {
      const { database, cleanup } = await backend.open();
      try {
        const first = await applyMigrations(database.db, allMigrations(database.dialect));
        assert.ok(first.includes('0001_foundation'));
        const second = await applyMigrations(database.db, allMigrations(database.dialect));
        assert.deepEqual(second, []);
      } finally {
        await cleanup();
      }
    });

    test('key registry records, lists and marks keys destroyed, keeping the record', async () => {
      const { database, cleanup } = await backend.open();
      try {
        await applyMigrations(database.db, allMigrations(database.dialect));
        const registry = new KeyRegistry(database.db);
        const publicKey = randomBytes(91);
        await registry.record({
          keyId: 'aa01',
          label: 'seal',
          kind: 'signing',
          algorithm: 'EC-P256',
          purpose: 'provider-seal',
          publicKey,
        });
        await registry.record({
          keyId: 'aa02',
          label: 'kek',
          kind: 'data-encryption',
          algorithm: 'AES-256',
          purpose: 'kek',
        });
        assert.equal((await registry.findActiveByPurpose('provider-seal')).length, 1);

        await registry.markDestroyed('aa01', 'renewed', new Date('2026-01-02T03:04:05Z'));
        const destroyed = await registry.get('aa01');
        assert.equal(destroyed?.status, 'destroyed');
        assert.equal(destroyed?.destroy_reason, 'renewed');
        assert.equal(destroyed?.destroyed_at, '2026-01-02T03:04:05.000Z');
        assert.equal((await registry.findActiveByPurpose('provider-seal')).length, 0);
        assert.deepEqual(
          (await registry.list({ status: 'active' })).map((r) => r.key_id),
          ['aa02'],
        );
        await assert.rejects(registry.markDestroyed('aa01', 'again'), (e: unknown) => {
          return isShomeiError(e) && e.code === 'SHOMEI_KEY_NOT_FOUND';
        });
      } finally {
        await cleanup();
      }
    });

    test('the same public key cannot be registered twice while active, but may after destruction', async () => {
      const { database, cleanup } = await backend.open();
      try {
        await applyMigrations(database.db, allMigrations(database.dialect));
        const registry = new KeyRegistry(database.db);
        const publicKey = randomBytes(70);
        const key = { label: 'k', kind: 'signing', algorithm: 'EC-P256', purpose: 'user-signing', publicKey };
        await registry.record({ ...key, keyId: 'bb01' });
        await assert.rejects(registry.record({ ...key, keyId: 'bb02' }), (e: unknown) => {
          return isShomeiError(e) && e.code === 'SHOMEI_KEY_ALREADY_PRESENT';
        });
        await registry.markDestroyed('bb01', 'revoked');
        await registry.record({ ...key, keyId: 'bb03' });
        assert.equal((await registry.list()).length, 2);
      } finally {
        await cleanup();
      }
    });
  });
}
