/**
 * A rolling upgrade and its rollback on one PostgreSQL database (issue #22). Release N is this tree;
 * release N+1 is a copy of it with one more migration, an expand step (a new table). N and N+1 run
 * side by side; after N+1's expand step, N starts again (rollback) and serves; `upgrade check`
 * reports pending, unknown and compatibility for each; and when a newer release has contracted the
 * schema, N refuses to start, naming the schema version, instead of failing mid-migration.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase } from '../helpers/postgres.ts';
import { run, runShomei } from '../helpers/run.ts';
import { type RunningShomei, startExpectingFailure, startShomei } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXPAND = '0029_foundation_upgrade_probe';
const cleanups: Array<() => unknown> = [];
let env: Record<string, string>;
let databaseUrl: string;
let nextRelease: string;

/** Release N+1: this tree's sources with one more migration (an expand step) registered. */
function makeNextRelease(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-next-'));
  for (const part of ['src', 'bin', 'package.json', 'tsconfig.json'])
    cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  symlinkSync(path.join(ROOT, 'web'), path.join(dir, 'web'));
  const file = path.join(dir, 'src/app/migrations.ts');
  const source = readFileSync(file, 'utf8');
  const patched = source.replace(
    /return \[\n/,
    `return [\n    { '${EXPAND}': { kind: 'expand', up: async (db) => { await db.schema.createTable('upgrade_probe').addColumn('id', 'text').execute(); } } },\n`,
  );
  assert.notEqual(patched, source, 'the migration list was found');
  writeFileSync(file, patched);
  return dir;
}

function runNext(args: string[]): ReturnType<typeof run> {
  return run(process.execPath, [path.join(nextRelease, 'bin/shomei.js'), ...args], {
    env: { ...process.env, ...env },
  });
}

async function startNext(): Promise<RunningShomei> {
  return startShomei(env, path.join(nextRelease, 'bin/shomei.js'));
}

async function ready(instance: RunningShomei): Promise<number> {
  return (await fetch(`${instance.address}/readyz`)).status;
}

before(async () => {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  databaseUrl = database.url;
  const home = mkdtempSync(path.join(tmpdir(), 'shomei-upgrade-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  env = { SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'silent', SHOMEI_DATABASE_URL: databaseUrl };
  nextRelease = makeNextRelease();
  cleanups.push(() => rmSync(nextRelease, { recursive: true, force: true }));
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('upgrade N → N+1 and rollback', () => {
  test('N and N+1 side by side, N again after the expand step, N refused after a contract step', async () => {
    const n = await startShomei(env);
    try {
      const check = runNext(['upgrade', 'check']);
      assert.equal(check.status, 0, check.stderr);
      const before = JSON.parse(check.stdout) as { pending: string[]; compatible: boolean; action: string };
      assert.deepEqual(before.pending, [EXPAND]);
      assert.equal(before.action, 'migrate');

      const next = await startNext();
      try {
        assert.equal(await ready(next), 200);
        assert.equal(await ready(n), 200, 'N keeps serving on the expanded schema');
      } finally {
        await next.stop();
      }
    } finally {
      await n.stop();
    }

    // Rollback: N starts on the schema N+1 expanded, and says what it does not know.
    const rolledBack = await startShomei(env);
    try {
      assert.equal(await ready(rolledBack), 200);
    } finally {
      await rolledBack.stop();
    }
    const check = runShomei(['upgrade', 'check'], env);
    assert.equal(check.status, 0, check.stderr);
    const status = JSON.parse(check.stdout) as {
      unknown: Array<{ name: string; kind: string }>;
      compatible: boolean;
    };
    assert.deepEqual(status.unknown, [{ name: EXPAND, kind: 'expand' }]);
    assert.equal(status.compatible, true);

    // A later release contracted the schema (dropped what N uses): N stops at once, naming versions.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(
        "insert into kysely_migration (name, timestamp) values ('0999_foundation_drop_old', now()::text)",
      );
      await client.query(
        "insert into schema_migration_kinds (name, kind) values ('0999_foundation_drop_old', 'contract')",
      );
    } finally {
      await client.end();
    }
    const refused = await startExpectingFailure(env);
    assert.equal(refused.code, 1);
    assert.match(refused.output, /SHOMEI_SCHEMA_TOO_NEW/);
    assert.match(refused.output, /0999_foundation_drop_old/);
  });
});
