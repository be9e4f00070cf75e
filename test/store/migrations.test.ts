/**
 * Migrations across releases and failures: a module's new migration numbered below migrations an
 * installation already ran (0201 after 0733) is applied, not refused; a migration that fails half-way
 * leaves nothing behind, so the next start (with the fixed migration) succeeds — on both dialects.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { isShomeiError } from '../../src/errors/index.ts';
import { applyMigrations, type Database, type NamedMigrations, openDatabase } from '../../src/store/index.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

interface Backend {
  readonly name: string;
  open(): Promise<{ database: Database; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = mkdtempSync(path.join(tmpdir(), 'shomei-migrations-'));
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

const table = (name: string): NamedMigrations[string] => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable(name)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .execute();
  },
});

async function tables(database: Database): Promise<string[]> {
  const rows =
    database.dialect === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name like 't\\_%' escape '\\'`.execute(
          database.db,
        )
      : await sql<{
          name: string;
        }>`select tablename as name from pg_tables where tablename like 't\\_%'`.execute(database.db);
  return rows.rows.map((r) => r.name).sort();
}

for (const backend of backends) {
  describe(`migrations on ${backend.name}`, () => {
    test('a new migration numbered below ones already run is applied at the next start', async () => {
      const { database, cleanup } = await backend.open();
      try {
        await applyMigrations(database.db, [{ '0001_t_a': table('t_a'), '0733_t_c': table('t_c') }]);
        const applied = await applyMigrations(database.db, [
          { '0001_t_a': table('t_a'), '0733_t_c': table('t_c') },
          { '0201_t_b': table('t_b') },
        ]);
        assert.deepEqual(applied, ['0201_t_b']);
        assert.deepEqual(await tables(database), ['t_a', 't_b', 't_c']);
      } finally {
        await cleanup();
      }
    });

    test('a start with nothing pending applies nothing and leaves the record as it was', async () => {
      const { database, cleanup } = await backend.open();
      try {
        const release = { '0001_t_a': table('t_a'), '0733_t_c': table('t_c') };
        assert.deepEqual(await applyMigrations(database.db, [release]), ['0001_t_a', '0733_t_c']);
        const record = async () =>
          (
            await sql<{
              name: string;
              timestamp: string;
            }>`select name, timestamp from kysely_migration order by name`.execute(database.db)
          ).rows.map((r) => `${r.name} ${r.timestamp}`);
        const before = await record();
        assert.deepEqual(await applyMigrations(database.db, [release]), []);
        assert.deepEqual(await record(), before);
        assert.deepEqual(await tables(database), ['t_a', 't_c']);
      } finally {
        await cleanup();
      }
    });

    test('a migration failing half-way leaves nothing, and its fixed version then runs', async () => {
      const { database, cleanup } = await backend.open();
      try {
        await applyMigrations(database.db, [{ '0001_t_a': table('t_a') }]);
        const broken: NamedMigrations = {
          '0201_t_b': {
            async up(db: Kysely<unknown>) {
              await db.schema.createTable('t_b').addColumn('id', 'text').execute();
              await sql`select * from no_such_table`.execute(db);
            },
          },
        };
        await assert.rejects(
          applyMigrations(database.db, [{ '0001_t_a': table('t_a') }, broken]),
          (error: unknown) => isShomeiError(error) && error.code === 'SHOMEI_DB_MIGRATION_FAILED',
        );
        assert.deepEqual(await tables(database), ['t_a'], 'the half-run migration was rolled back');
        const applied = await applyMigrations(database.db, [
          { '0001_t_a': table('t_a') },
          { '0201_t_b': table('t_b') },
        ]);
        assert.deepEqual(applied, ['0201_t_b']);
        assert.deepEqual(await tables(database), ['t_a', 't_b']);
      } finally {
        await cleanup();
      }
    });
  });
}
