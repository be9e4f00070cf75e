/**
 * Signing keys kept outside the token (ADR 017): generated in SoftHSM2, wrapped under the user-signing
 * KEK bound to owner, purpose and key id, unwrapped into a bounded LRU of session objects. Signatures
 * are judged by openssl; the token's object count by pkcs11-tool.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { contentKeyAad } from '../../src/contracts/index.ts';
import type { KeyAlgorithm } from '../../src/crypto/index.ts';
import { openTestShomei } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import { listTokenObjects, rejectsWithCode, spkiPem } from '../helpers/token.ts';

type TestShomei = Awaited<ReturnType<typeof openTestShomei>>;
let shomei: TestShomei;
let work: string;

before(async () => {
  shomei = await openTestShomei();
  work = mkdtempSync(path.join(tmpdir(), 'shomei-wrapped-'));
});
after(async () => {
  await shomei.close();
});

/** Objects in the token as pkcs11-tool (another process) sees them: session objects never show. */
function tokenObjectCount(): number {
  return (listTokenObjects(shomei).match(/^(Private Key|Public Key|Secret Key) Object/gm) ?? []).length;
}

/** openssl verifies a signature over `message` with the key's SubjectPublicKeyInfo. */
function opensslVerifies(spki: Buffer, message: Buffer, signature: Buffer): boolean {
  const id = randomBytes(4).toString('hex');
  const pub = path.join(work, `${id}.pem`);
  writeFileSync(pub, spkiPem(spki));
  writeFileSync(path.join(work, `${id}.msg`), message);
  writeFileSync(path.join(work, `${id}.sig`), signature);
  const result = run('openssl', [
    'dgst',
    '-sha256',
    '-verify',
    pub,
    '-signature',
    path.join(work, `${id}.sig`),
    path.join(work, `${id}.msg`),
  ]);
  return result.status === 0 && /Verified OK/.test(result.stdout);
}

async function newKey(owner: string, algorithm: KeyAlgorithm = 'EC-P256') {
  return shomei.crypto.generateSigningKey(algorithm, `rssp:${owner}`, { purpose: 'user-signing', owner });
}

async function sign(keyId: string, message: Buffer): Promise<Buffer> {
  const digest = createHash('sha256').update(message).digest();
  return shomei.crypto.signDigest(keyId, digest, { digestAlgorithm: 'SHA-256' });
}

const expectCode = rejectsWithCode;

/** Replaces columns of a wrapped-key row, as someone with write access to the database could. */
async function changeRow(keyId: string, values: { wrapped?: Buffer; owner?: string; purpose?: string }) {
  await shomei.database.db
    .withTables<{ wrapped_keys: { key_id: string; wrapped: Uint8Array; owner: string; purpose: string } }>()
    .updateTable('wrapped_keys')
    .set(values)
    .where('key_id', '=', keyId)
    .execute();
}

describe('wrapped signing keys', () => {
  test('round trip: keys are rows, not token objects, and sign what openssl verifies', async () => {
    const before = tokenObjectCount();
    const keys = [];
    for (const [i, algorithm] of (['EC-P256', 'RSA-2048', 'EC-P384', 'EC-P256'] as const).entries()) {
      keys.push(await newKey(`cred-round-${i}`, algorithm));
    }
    assert.equal(tokenObjectCount(), before, 'no token object per key');
    for (const key of keys) {
      assert.deepEqual(
        { extractable: key.attributes.extractable, sensitive: key.attributes.sensitive },
        { extractable: false, sensitive: true },
      );
      const message = randomBytes(64);
      assert.ok(opensslVerifies(key.publicKey!, message, await sign(key.id, message)), key.algorithm);
      // The same key through getKey (what digestSignerFor and CSR building use).
      assert.ok((await shomei.crypto.getKey(key.id)).publicKey!.equals(key.publicKey!));
    }
    const row = await shomei.keyHierarchy.find(keys[0]!.id);
    assert.ok(row !== undefined);
    assert.equal(
      row.wrapped.includes(row.publicKey.subarray(-32)),
      false,
      'the blob is not the key in clear',
    );
    assert.equal((await shomei.keys.get(row.kekId))?.purpose, 'kek:user-signing');
  });

  test('a tampered wrapped key is refused inside the HSM', async () => {
    const key = await newKey('cred-tamper');
    const row = (await shomei.keyHierarchy.find(key.id))!;
    const changed = Buffer.from(row.wrapped);
    changed[changed.length >> 1]! ^= 0x01;
    await changeRow(key.id, { wrapped: changed });
    await expectCode(sign(key.id, Buffer.from('x')), 'SHOMEI_KEY_IMPORT_INVALID');
    await changeRow(key.id, { wrapped: changed.subarray(0, changed.length - 8) });
    await expectCode(sign(key.id, Buffer.from('x')), 'SHOMEI_KEY_IMPORT_INVALID');
  });

  test("another owner's key, or a key moved to another purpose, does not unwrap", async () => {
    const alice = await newKey('cred-alice');
    const bob = await newKey('cred-bob');
    const aliceRow = (await shomei.keyHierarchy.find(alice.id))!;
    // Alice's blob copied into Bob's row: bound to Alice, it does not open as Bob's key.
    await changeRow(bob.id, { wrapped: aliceRow.wrapped });
    await expectCode(sign(bob.id, Buffer.from('x')), 'SHOMEI_KEY_IMPORT_INVALID');
    // Alice's row relabelled to Bob, or to another purpose.
    const carol = await newKey('cred-carol');
    await changeRow(carol.id, { owner: 'cred-bob' });
    await expectCode(sign(carol.id, Buffer.from('x')), 'SHOMEI_KEY_IMPORT_INVALID');
    const dave = await newKey('cred-dave');
    await changeRow(dave.id, { purpose: 'contract-document' });
    await expectCode(sign(dave.id, Buffer.from('x')), 'SHOMEI_KEY_IMPORT_INVALID');
    // Alice's own key is untouched by all this.
    const message = randomBytes(32);
    assert.ok(opensslVerifies(alice.publicKey!, message, await sign(alice.id, message)));
  });

  test('LRU of session objects: bounded under concurrent signing on more keys than it holds', async () => {
    shomei.crypto.attachWrappedKeyStore(shomei.keyHierarchy, { cacheSize: 3 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const baseline = (await shomei.crypto.objectCounts()).session;
    const keys = [];
    for (let i = 0; i < 8; i += 1)
      keys.push(await newKey(`cred-lru-${i}`, i % 4 === 0 ? 'RSA-2048' : 'EC-P256'));
    const message = randomBytes(48);
    const digest = createHash('sha256').update(message).digest();
    // 8 keys × (6 single signatures + one batch of 10 on the signing workers), all at once.
    const work = keys.flatMap((key) => [
      ...Array.from({ length: 6 }, () =>
        shomei.crypto
          .signDigest(key.id, digest, { digestAlgorithm: 'SHA-256' })
          .then((s) => ({ key, s: [s] })),
      ),
      shomei.crypto
        .signDigests(key.id, Array(10).fill(digest), { digestAlgorithm: 'SHA-256' })
        .then((s) => ({ key, s })),
    ]);
    const results = await Promise.all(work);
    let verified = 0;
    const judged = new Set<string>();
    for (const { key, s } of results) {
      for (const signature of s) {
        const spki = { key: key.publicKey!, format: 'der' as const, type: 'spki' as const };
        assert.ok(verify('sha256', message, spki, signature), key.id);
        verified += 1;
      }
      // openssl judges one single and one batch signature of every key (a process each: kept few).
      const kind = `${key.id}:${s.length}`;
      if (!judged.has(kind)) {
        judged.add(kind);
        assert.ok(opensslVerifies(key.publicKey!, message, s.at(-1)!), key.id);
      }
    }
    assert.equal(verified, 8 * 16);
    assert.equal(judged.size, 16);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const cache = shomei.crypto.sessionKeyCache;
    assert.ok(cache.size <= 3, `cache holds ${cache.size}`);
    assert.ok(cache.evicted >= 5, `evicted ${cache.evicted}`);
    // What the module itself holds: the evicted copies were destroyed, not just forgotten.
    const session = (await shomei.crypto.objectCounts()).session;
    assert.ok(session <= baseline + 3, `${session} session objects, ${baseline} before`);

    // One after another with nothing in between (a loop that never waits on a timer or I/O): the
    // bound holds after every signature, not only once the process is idle.
    for (const key of keys) {
      await shomei.crypto.signDigest(key.id, digest, { digestAlgorithm: 'SHA-256' });
      const held = shomei.crypto.sessionKeyCache.size;
      assert.ok(held <= 3, `cache holds ${held} after signing with ${key.id}`);
    }
  });

  test("a document's content key sealed under the document KEK opens for that document only", async () => {
    const kek = await shomei.keyHierarchy.keks.currentKek('contract-document');
    const contentKey = randomBytes(32);
    const sealed = await shomei.crypto.encryptWithKey(kek, contentKey, contentKeyAad('doc-a'));
    assert.ok((await shomei.crypto.decryptWithKey(kek, sealed, contentKeyAad('doc-a'))).equals(contentKey));
    await assert.rejects(shomei.crypto.decryptWithKey(kek, sealed, contentKeyAad('doc-b')));
    await assert.rejects(shomei.crypto.decryptWithKey(kek, sealed));
    const flipped = Buffer.from(sealed);
    flipped[20]! ^= 1;
    await assert.rejects(shomei.crypto.decryptWithKey(kek, flipped, contentKeyAad('doc-a')));
  });

  test('destroying a wrapped key removes its row; it signs no more', async () => {
    const key = await newKey('cred-gone');
    await sign(key.id, Buffer.from('warm the cache'));
    assert.equal(await shomei.crypto.hasKey(key.id), true);
    assert.equal(await shomei.crypto.destroyKey(key.id), 1);
    assert.equal(await shomei.keyHierarchy.find(key.id), undefined);
    assert.equal(await shomei.crypto.hasKey(key.id), false);
    await expectCode(sign(key.id, Buffer.from('x')), 'SHOMEI_KEY_NOT_FOUND');
  });
});
