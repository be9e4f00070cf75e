/**
 * Wrapped keys created while other requests write (issue #20): a bench run creating 8 credentials at
 * once failed with SQLITE_BUSY from KeyHierarchy.save. On SQLite the wrapped-key lookups have a
 * connection of their own; better-sqlite3 waits for a lock synchronously, so a save on that
 * connection while the main connection held an open write transaction (an audit append between two
 * statements) stopped the very event loop that transaction needed to commit, until busy_timeout
 * gave up. Every key is judged by a signature openssl verifies.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { KeyInfo } from '../../src/crypto/index.ts';
import { openTestShomei } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import { spkiPem } from '../helpers/token.ts';

type TestShomei = Awaited<ReturnType<typeof openTestShomei>>;
let shomei: TestShomei;
let work: string;

before(async () => {
  shomei = await openTestShomei();
  work = mkdtempSync(path.join(tmpdir(), 'shomei-kh-concurrency-'));
});
after(async () => {
  await shomei.close();
});

function newKey(owner: string): Promise<KeyInfo> {
  return shomei.crypto.generateSigningKey('EC-P256', `rssp:${owner}`, { purpose: 'user-signing', owner });
}

/** The key signs, and openssl verifies the signature with the public key the store returned. */
async function assertSigns(key: KeyInfo): Promise<void> {
  const message = randomBytes(64);
  const digest = createHash('sha256').update(message).digest();
  const signature = await shomei.crypto.signDigest(key.id, digest, { digestAlgorithm: 'SHA-256' });
  const base = path.join(work, key.id);
  writeFileSync(`${base}.pem`, spkiPem(key.publicKey!));
  writeFileSync(`${base}.msg`, message);
  writeFileSync(`${base}.sig`, signature);
  const result = run('openssl', [
    'dgst',
    '-sha256',
    '-verify',
    `${base}.pem`,
    '-signature',
    `${base}.sig`,
    `${base}.msg`,
  ]);
  assert.match(result.stdout, /Verified OK/, result.stderr);
}

test('a wrapped key is saved while another request holds an open write transaction', async () => {
  await newKey('cred-warm'); // the KEK epoch exists before the race
  const hierarchy = shomei.keyHierarchy;
  const save = hierarchy.save.bind(hierarchy);
  let saveStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    saveStarted = resolve;
  });
  hierarchy.save = (key) => {
    saveStarted();
    return save(key);
  };
  try {
    // Another request's transaction: it has written (holds SQLite's write lock) and commits only
    // once the key's save has begun, as an audit append interleaved with a credential creation.
    const holder = shomei.database.db.transaction().execute(async (trx) => {
      await trx.updateTable('installation').set({ environment: shomei.config.environment }).execute();
      await started;
    });
    const [key] = await Promise.all([newKey('cred-during-write'), holder]);
    assert.equal((await hierarchy.find(key.id))?.owner, 'cred-during-write');
    await assertSigns(key);
  } finally {
    hierarchy.save = save;
  }
});

test('eight credentials’ keys created at once, amid audit appends, all succeed', async () => {
  const owners = Array.from({ length: 8 }, (_, i) => `cred-burst-${i}`);
  const keys = await Promise.all(
    owners.map(async (owner) => {
      const appended = shomei.audit.trail.append({
        type: 'credential.create',
        actor: { kind: 'process', id: 'key-hierarchy-concurrency-test' },
        subject: { kind: 'credential', id: owner },
        outcome: 'success',
      });
      const [key] = await Promise.all([newKey(owner), appended]);
      return key;
    }),
  );
  const saved = await Promise.all(keys.map((key) => shomei.keyHierarchy.find(key.id)));
  assert.deepEqual(
    saved.map((key) => key?.owner),
    owners,
  );
  for (const key of keys) await assertSigns(key);
});
