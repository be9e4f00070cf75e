import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  digestSignerFor,
  type KeyAlgorithm,
  readPinFile,
  type SignatureScheme,
} from '../../src/crypto/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { openTestShomei, softHsmEnv } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import { listTokenObjects, rejectsWithCode, spkiPem } from '../helpers/token.ts';

type TestShomei = Awaited<ReturnType<typeof openTestShomei>>;
let shomei: TestShomei;
let work: string;

before(async () => {
  shomei = await openTestShomei();
  work = mkdtempSync(path.join(tmpdir(), 'shomei-crypto-'));
});
after(async () => {
  await shomei.close();
});

function pem(spki: Buffer): string {
  const file = path.join(work, `pub-${randomBytes(4).toString('hex')}.pem`);
  writeFileSync(file, spkiPem(spki));
  return file;
}

const listObjects = () => listTokenObjects(shomei);

/** The block pkcs11-tool prints for the private key with this id. */
function privateKeyBlock(listing: string, id: string): string {
  const blocks = listing.split(/\n(?=\S)/);
  const block = blocks.find((b) => b.startsWith('Private Key Object') && b.includes(`ID:         ${id}`));
  assert.ok(block, `private key ${id} not listed by pkcs11-tool`);
  return block;
}

const expectCode = rejectsWithCode;

describe('keys generated in the token', () => {
  const cases: Array<{ algorithm: KeyAlgorithm; scheme: SignatureScheme; pkeyopt: string[] }> = [
    { algorithm: 'RSA-2048', scheme: 'RSASSA-PKCS1-v1_5', pkeyopt: [] },
    {
      algorithm: 'RSA-2048',
      scheme: 'RSASSA-PSS',
      pkeyopt: [
        '-pkeyopt',
        'rsa_padding_mode:pss',
        '-pkeyopt',
        'rsa_pss_saltlen:32',
        '-pkeyopt',
        'digest:sha256',
      ],
    },
    { algorithm: 'RSA-3072', scheme: 'RSASSA-PKCS1-v1_5', pkeyopt: [] },
    { algorithm: 'EC-P256', scheme: 'ECDSA', pkeyopt: [] },
    { algorithm: 'EC-P384', scheme: 'ECDSA', pkeyopt: [] },
  ];

  for (const { algorithm, scheme, pkeyopt } of cases) {
    test(`${algorithm} ${scheme}: sensitive, never extractable, sign-only; signature verifies with openssl`, async () => {
      const key = await shomei.crypto.generateSigningKey(algorithm, `t-${algorithm}-${scheme}`);
      assert.equal(key.algorithm, algorithm);
      assert.deepEqual(
        { ...key.attributes },
        {
          sensitive: true,
          extractable: false,
          sign: true,
          decrypt: false,
          encrypt: false,
          wrap: false,
          unwrap: false,
          derive: false,
        },
      );
      const block = privateKeyBlock(listObjects(), key.id);
      assert.match(block, /Usage:\s+sign\s*$/m);
      assert.match(block, /sensitive/);
      assert.match(block, /never extractable/);

      const message = randomBytes(200);
      const digest = createHash('sha256').update(message).digest();
      const signature = await shomei.crypto.signDigest(key.id, digest, {
        digestAlgorithm: 'SHA-256',
        scheme,
      });
      const digestFile = path.join(work, 'digest.bin');
      const sigFile = path.join(work, 'sig.bin');
      writeFileSync(digestFile, digest);
      writeFileSync(sigFile, signature);
      const verify = run('openssl', [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        pem(key.publicKey!),
        '-in',
        digestFile,
        '-sigfile',
        sigFile,
        ...(algorithm.startsWith('RSA') && scheme === 'RSASSA-PKCS1-v1_5'
          ? ['-pkeyopt', 'digest:sha256']
          : []),
        ...pkeyopt,
      ]);
      assert.equal(verify.status, 0, `openssl pkeyutl -verify failed: ${verify.stdout}${verify.stderr}`);
      assert.match(verify.stdout, /Signature Verified Successfully/);

      // A signature over a different digest does not verify: the check above can fail.
      writeFileSync(digestFile, createHash('sha256').update('other').digest());
      const wrong = run('openssl', [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        pem(key.publicKey!),
        '-in',
        digestFile,
        '-sigfile',
        sigFile,
        ...pkeyopt,
      ]);
      assert.notEqual(wrong.status, 0);
    });
  }

  test('SHA-384 and SHA-512 digests sign with DigestInfo and verify', async () => {
    const key = await shomei.crypto.generateSigningKey('RSA-2048', 't-digests');
    for (const [alg, name] of [
      ['SHA-384', 'sha384'],
      ['SHA-512', 'sha512'],
    ] as const) {
      const data = randomBytes(64);
      const signature = await shomei.crypto.signDigest(key.id, createHash(name).update(data).digest(), {
        digestAlgorithm: alg,
      });
      const dataFile = path.join(work, `data-${name}.bin`);
      const sigFile = path.join(work, `sig-${name}.bin`);
      writeFileSync(dataFile, data);
      writeFileSync(sigFile, signature);
      const verify = run('openssl', [
        'dgst',
        `-${name}`,
        '-verify',
        pem(key.publicKey!),
        '-signature',
        sigFile,
        dataFile,
      ]);
      assert.equal(verify.status, 0, verify.stderr);
    }
  });

  test('a digest of the wrong length and a scheme that does not fit the key are refused', async () => {
    const rsa = await shomei.crypto.generateSigningKey('RSA-2048', 't-wrong-input');
    await expectCode(
      shomei.crypto.signDigest(rsa.id, Buffer.alloc(20), { digestAlgorithm: 'SHA-256' }),
      'SHOMEI_DIGEST_LENGTH_INVALID',
    );
    await expectCode(
      shomei.crypto.signDigest(rsa.id, Buffer.alloc(32), { digestAlgorithm: 'SHA-256', scheme: 'ECDSA' }),
      'SHOMEI_SIGNATURE_SCHEME_MISMATCH',
    );
    await expectCode(
      shomei.crypto.signDigest('00112233', Buffer.alloc(32), { digestAlgorithm: 'SHA-256' }),
      'SHOMEI_KEY_NOT_FOUND',
    );
  });

  test('concurrent signatures through the session pool all verify', async () => {
    const key = await shomei.crypto.generateSigningKey('EC-P256', 't-concurrent');
    const messages = Array.from({ length: 64 }, () => randomBytes(32));
    const signatures = await Promise.all(
      messages.map((m) =>
        shomei.crypto.signDigest(key.id, createHash('sha256').update(m).digest(), {
          digestAlgorithm: 'SHA-256',
        }),
      ),
    );
    const { verify } = await import('node:crypto');
    messages.forEach((m, i) => {
      assert.ok(verify('sha256', m, { key: key.publicKey!, format: 'der', type: 'spki' }, signatures[i]!));
    });
    assert.ok(shomei.crypto.sessionCount >= 2);
  });
});

describe('a signing key never leaves the module and does nothing but sign', () => {
  test('wrapping (export) a signing key fails with SHOMEI_KEY_NOT_EXTRACTABLE', async () => {
    const key = await shomei.crypto.generateSigningKey('RSA-2048', 't-export');
    const wrapping = await shomei.crypto.createSecretKey('wrapping', 't-export-wrap');
    await expectCode(shomei.crypto.wrapKey(key.id, wrapping.id), 'SHOMEI_KEY_NOT_EXTRACTABLE');
  });

  test('decrypting with a signing key fails with SHOMEI_KEY_USAGE_NOT_PERMITTED', async () => {
    const key = await shomei.crypto.generateSigningKey('RSA-2048', 't-decrypt');
    await expectCode(shomei.crypto.decryptWithKey(key.id, randomBytes(64)), 'SHOMEI_KEY_USAGE_NOT_PERMITTED');
  });

  test('a data-encryption key seals and opens a document key; tampering is detected', async () => {
    const kek = await shomei.crypto.createSecretKey('data-encryption', 't-kek');
    assert.equal(kek.kind, 'data-encryption');
    assert.equal(kek.attributes.extractable, false);
    const documentKey = randomBytes(32);
    const sealed = await shomei.crypto.encryptWithKey(kek.id, documentKey);
    assert.ok(!sealed.includes(documentKey));
    assert.deepEqual(await shomei.crypto.decryptWithKey(kek.id, sealed), documentKey);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    await assert.rejects(shomei.crypto.decryptWithKey(kek.id, tampered), (e: unknown) => isShomeiError(e));
  });
});

describe('importing a key delivered wrapped by a trusted CA', () => {
  function opensslKey(algorithm: 'RSA' | 'EC'): { pkcs8: Buffer; spki: Buffer } {
    const keyFile = path.join(work, `imported-${randomBytes(4).toString('hex')}.pem`);
    const args =
      algorithm === 'RSA'
        ? ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile]
        : ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile];
    assert.equal(run('openssl', args).status, 0);
    const pkcs8 = run(
      'openssl',
      ['pkcs8', '-topk8', '-nocrypt', '-in', keyFile, '-outform', 'DER'],
      {},
    ).stdout;
    void pkcs8;
    const der = Buffer.from(
      run('sh', ['-c', `openssl pkcs8 -topk8 -nocrypt -in ${keyFile} -outform DER | base64 -w0`]).stdout,
      'base64',
    );
    const spki = Buffer.from(
      run('sh', ['-c', `openssl pkey -in ${keyFile} -pubout -outform DER | base64 -w0`]).stdout,
      'base64',
    );
    return { pkcs8: der, spki };
  }

  /** RFC 5649 AES key wrap with padding, as the CA does with the shared transport key. */
  function wrap(kek: Buffer, plaintext: Buffer): Buffer {
    const cipher = createCipheriv('id-aes256-wrap-pad', kek, Buffer.from('a65959a6', 'hex'));
    return Buffer.concat([cipher.update(plaintext), cipher.final()]);
  }

  for (const algorithm of ['RSA', 'EC'] as const) {
    test(`${algorithm}: round trip, use, verify; a second import of the same key is refused`, async () => {
      const transportKey = randomBytes(32);
      const wrapping = await shomei.crypto.createSecretKey(
        'wrapping',
        `t-transport-${algorithm}`,
        transportKey,
      );
      const { pkcs8, spki } = opensslKey(algorithm);
      const wrapped = wrap(transportKey, pkcs8);
      const imported = await shomei.crypto.importWrappedSigningKey({
        wrappingKeyId: wrapping.id,
        wrappedKey: wrapped,
        publicKey: spki,
        label: `t-imported-${algorithm}`,
      });
      assert.deepEqual(imported.publicKey, spki);
      assert.equal(imported.attributes.extractable, false);
      assert.equal(imported.attributes.sensitive, true);
      assert.match(privateKeyBlock(listObjects(), imported.id), /sensitive/);

      const data = randomBytes(100);
      const signature = await shomei.crypto.signDigest(
        imported.id,
        createHash('sha256').update(data).digest(),
        {
          digestAlgorithm: 'SHA-256',
        },
      );
      const dataFile = path.join(work, 'import-data.bin');
      const sigFile = path.join(work, 'import-sig.bin');
      writeFileSync(dataFile, data);
      writeFileSync(sigFile, signature);
      const verify = run('openssl', [
        'dgst',
        '-sha256',
        '-verify',
        pem(spki),
        '-signature',
        sigFile,
        dataFile,
      ]);
      assert.equal(verify.status, 0, verify.stderr);

      await expectCode(
        shomei.crypto.importWrappedSigningKey({
          wrappingKeyId: wrapping.id,
          wrappedKey: wrapped,
          publicKey: spki,
          label: 'again',
        }),
        'SHOMEI_KEY_ALREADY_PRESENT',
      );
    });
  }

  test('a key that does not match the announced public key is refused and not kept', async () => {
    const transportKey = randomBytes(32);
    const wrapping = await shomei.crypto.createSecretKey('wrapping', 't-transport-mismatch', transportKey);
    const first = opensslKey('EC');
    const second = opensslKey('EC');
    const before = (await shomei.crypto.listKeys()).length;
    await expectCode(
      shomei.crypto.importWrappedSigningKey({
        wrappingKeyId: wrapping.id,
        wrappedKey: wrap(transportKey, first.pkcs8),
        publicKey: second.spki,
        label: 'mismatch',
      }),
      'SHOMEI_KEY_MISMATCH',
    );
    assert.equal((await shomei.crypto.listKeys()).length, before);
  });

  test('a corrupted or wrongly wrapped key is refused', async () => {
    const transportKey = randomBytes(32);
    const wrapping = await shomei.crypto.createSecretKey('wrapping', 't-transport-bad', transportKey);
    const { pkcs8, spki } = opensslKey('RSA');
    const wrapped = wrap(randomBytes(32), pkcs8);
    await expectCode(
      shomei.crypto.importWrappedSigningKey({
        wrappingKeyId: wrapping.id,
        wrappedKey: wrapped,
        publicKey: spki,
        label: 'x',
      }),
      'SHOMEI_KEY_IMPORT_INVALID',
    );
    await expectCode(
      shomei.crypto.importWrappedSigningKey({
        wrappingKeyId: wrapping.id,
        wrappedKey: wrap(transportKey, pkcs8),
        publicKey: Buffer.from('not a public key'),
        label: 'x',
      }),
      'SHOMEI_KEY_ALGORITHM_UNSUPPORTED',
    );
  });
});

describe('destroying keys', () => {
  test('a destroyed key is gone from the token and cannot sign', async () => {
    const key = await shomei.crypto.generateSigningKey('EC-P256', 't-destroy');
    assert.match(listObjects(), new RegExp(key.id));
    assert.equal(await shomei.crypto.destroyKey(key.id), 2);
    assert.doesNotMatch(listObjects(), new RegExp(key.id));
    assert.equal(await shomei.crypto.hasKey(key.id), false);
    await expectCode(
      shomei.crypto.signDigest(key.id, Buffer.alloc(32), { digestAlgorithm: 'SHA-256' }),
      'SHOMEI_KEY_NOT_FOUND',
    );
    await expectCode(shomei.crypto.destroyKey(key.id), 'SHOMEI_KEY_NOT_FOUND');
  });

  test('a key made ready to sign (its handle kept) and then destroyed, here or by pkcs11-tool, cannot sign', async () => {
    const digest = Buffer.alloc(32, 7);
    const here = await shomei.crypto.generateSigningKey('EC-P256', 't-destroy-ready-here');
    const hereSigner = await digestSignerFor(shomei.crypto, here.id);
    assert.equal(await shomei.crypto.destroyKey(here.id), 2);
    await expectCode(hereSigner.signDigest(digest, 'SHA-256'), 'SHOMEI_KEY_NOT_FOUND');

    const elsewhere = await shomei.crypto.generateSigningKey('RSA-2048', 't-destroy-ready-elsewhere');
    const bystander = await shomei.crypto.generateSigningKey('EC-P256', 't-destroy-ready-bystander');
    const elsewhereSigner = await digestSignerFor(shomei.crypto, elsewhere.id);
    const bystanderSigner = await digestSignerFor(shomei.crypto, bystander.id);
    const deleted = run(
      'pkcs11-tool',
      [
        ...['--module', shomei.config.pkcs11.modulePath, '--token-label', shomei.config.pkcs11.tokenLabel],
        ...['--login', '--pin', readPinFile(shomei.config.pkcs11.pinFile).userPin],
        ...['--delete-object', '--type', 'privkey', '--id', elsewhere.id],
      ],
      { env: softHsmEnv(shomei.home) },
    );
    assert.equal(deleted.status, 0, deleted.stderr);
    await expectCode(elsewhereSigner.signDigest(digest, 'SHA-256'), 'SHOMEI_KEY_NOT_FOUND');
    // The other kept key still signs, and openssl accepts the signature with its public key.
    const signature = path.join(work, 'bystander.sig');
    const digestFile = path.join(work, 'bystander.digest');
    writeFileSync(signature, await bystanderSigner.signDigest(digest, 'SHA-256'));
    writeFileSync(digestFile, digest);
    const verified = run('openssl', [
      ...['pkeyutl', '-verify', '-pubin', '-inkey', pem(bystander.publicKey!)],
      ...['-in', digestFile, '-sigfile', signature],
    ]);
    assert.equal(verified.status, 0, verified.stderr);
  });
});

describe('a data-encryption key destroyed after use (crypto-shredding with cached key handles)', () => {
  /** A KEK in use: it sealed a content key and opened it, so this process holds its handle. */
  async function kekInUse(label: string): Promise<{ id: string; sealed: Buffer }> {
    const kek = await shomei.crypto.createSecretKey('data-encryption', label);
    const sealed = await shomei.crypto.encryptWithKey(kek.id, randomBytes(32));
    for (let i = 0; i < 2; i += 1)
      assert.equal((await shomei.crypto.decryptWithKey(kek.id, sealed)).length, 32);
    return { id: kek.id, sealed };
  }

  test('destroyed by this process: nothing opens or seals under it any more', async () => {
    const kek = await kekInUse('t-shred-here');
    assert.equal(await shomei.crypto.destroyKey(kek.id), 1);
    await expectCode(shomei.crypto.decryptWithKey(kek.id, kek.sealed), 'SHOMEI_KEY_NOT_FOUND');
    await expectCode(shomei.crypto.encryptWithKey(kek.id, randomBytes(32)), 'SHOMEI_KEY_NOT_FOUND');
  });

  test('destroyed by another process (pkcs11-tool, as shomei keys rotate-kek would): refused here too', async () => {
    const kek = await kekInUse('t-shred-elsewhere');
    const other = await kekInUse('t-shred-bystander');
    const deleted = run(
      'pkcs11-tool',
      [
        ...['--module', shomei.config.pkcs11.modulePath, '--token-label', shomei.config.pkcs11.tokenLabel],
        ...['--login', '--pin', readPinFile(shomei.config.pkcs11.pinFile).userPin],
        ...['--delete-object', '--type', 'secrkey', '--id', kek.id],
      ],
      { env: softHsmEnv(shomei.home) },
    );
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.doesNotMatch(listObjects(), new RegExp(kek.id));
    for (let i = 0; i < 2; i += 1) {
      await expectCode(shomei.crypto.decryptWithKey(kek.id, kek.sealed), 'SHOMEI_KEY_NOT_FOUND');
      await expectCode(shomei.crypto.encryptWithKey(kek.id, randomBytes(32)), 'SHOMEI_KEY_NOT_FOUND');
    }
    // The other key's handle still works.
    assert.equal((await shomei.crypto.decryptWithKey(other.id, other.sealed)).length, 32);
  });
});

describe('the signing observer', () => {
  test('a refusing guard stops every signature before the HSM is used; outcomes are reported', async () => {
    const key = await shomei.crypto.generateSigningKey('EC-P256', 't-observer');
    const outcomes: string[] = [];
    let refuse = true;
    shomei.crypto.observeSigning({
      beforeSign: () => {
        if (refuse) throw new Error('clock out of bounds');
      },
      afterSign: (_keyId, outcome) => outcomes.push(outcome),
    });
    const digest = createHash('sha256').update('x').digest();
    await assert.rejects(
      shomei.crypto.signDigest(key.id, digest, { digestAlgorithm: 'SHA-256' }),
      /clock out of bounds/,
    );
    assert.deepEqual(outcomes, []);
    refuse = false;
    await shomei.crypto.signDigest(key.id, digest, { digestAlgorithm: 'SHA-256' });
    assert.deepEqual(outcomes, ['success']);
    shomei.crypto.observeSigning({ beforeSign: () => {}, afterSign: () => {} });
  });
});
