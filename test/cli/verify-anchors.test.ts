/**
 * `shomei verify`'s default trust anchor, the installation's embedded root, read with the database
 * driver itself (ADR 047): on PostgreSQL the certificate the CA serves (checked by openssl), on a
 * closed SQLite WAL database (made by the sqlite3 tool) the row it holds, with no -wal/-shm files
 * left behind; no anchor and nothing created where there is no installation. One home per file
 * (SoftHSM2), so SQLite installations are left to test/validation/cli.test.ts, which verifies
 * against the default root end to end.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Shomei } from '../../src/app/index.ts';
import { installationRoot } from '../../src/cli/commands/verify-anchors.ts';
import { toPem } from '../../src/pki/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { run } from '../helpers/run.ts';

let postgres: Shomei & TestHome;
let drop: () => Promise<void>;
const scratch = mkdtempSync(path.join(tmpdir(), 'shomei-verify-anchors-'));

before(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  postgres = await openTestShomei({ SHOMEI_DATABASE_URL: database.url });
});

after(async () => {
  await postgres?.close();
  await drop();
  rmSync(scratch, { recursive: true, force: true });
});

/** openssl reads the anchor as the self-signed root that verifies itself. */
function assertSelfSignedRoot(der: Uint8Array, name: string): void {
  const file = path.join(scratch, `${name}.pem`);
  writeFileSync(file, toPem(der, 'CERTIFICATE'));
  const verified = run('openssl', ['verify', '-CAfile', file, file]);
  assert.equal(verified.status, 0, verified.stderr);
}

describe("shomei verify's installation root", () => {
  it('on PostgreSQL: the CA root', async () => {
    assert.equal(postgres.database.dialect, 'postgres');
    const anchors = await installationRoot(postgres.config.databaseUrl);
    assert.equal(anchors.length, 1);
    assert.deepEqual(Buffer.from(anchors[0]!), Buffer.from(await postgres.ca.certificate('root')));
    assertSelfSignedRoot(anchors[0]!, 'postgres-root');
  });

  it('on a closed SQLite WAL database: the root row, and no -wal/-shm files left beside it', async () => {
    const root = Buffer.from(await postgres.ca.certificate('root'));
    const closed = path.join(scratch, 'closed.db');
    const made = run('sqlite3', [
      closed,
      `PRAGMA journal_mode = WAL; CREATE TABLE ca_authorities (name TEXT PRIMARY KEY, certificate BLOB); INSERT INTO ca_authorities VALUES ('issuing', X'00'), ('root', X'${root.toString('hex')}');`,
    ]);
    assert.equal(made.status, 0, made.stderr);
    assert.equal(run('sqlite3', [closed, 'PRAGMA journal_mode']).stdout.trim(), 'wal');
    const anchors = await installationRoot(`sqlite:${closed}`);
    assert.deepEqual(
      anchors.map((a) => Buffer.from(a)),
      [root],
    );
    assert.deepEqual(
      readdirSync(scratch).filter((f) => f.startsWith('closed')),
      ['closed.db'],
    );
  });

  it('no installation: no anchor, and no database file created', async () => {
    const missing = path.join(scratch, 'none', 'shomei.db');
    assert.deepEqual(await installationRoot(`sqlite:${missing}`), []);
    assert.equal(existsSync(path.dirname(missing)), false);
    const notADatabase = path.join(scratch, 'garbage.db');
    writeFileSync(notADatabase, 'not sqlite');
    assert.deepEqual(await installationRoot(`sqlite:${notADatabase}`), []);
    assert.deepEqual(await installationRoot('postgres://shomei:wrong@127.0.0.1:1/none'), []);
    assert.deepEqual(
      readdirSync(scratch).filter((f) => f.startsWith('garbage')),
      ['garbage.db'],
    );
  });
});
