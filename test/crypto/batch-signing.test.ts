/**
 * Batches of signatures (signDigests): signed on worker threads from eight digests on, each result the
 * signature of its own digest, checked with Node's verifier (OpenSSL) against the public key from the
 * token; every signature passes the signing observer (clock guard and counters).
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { KeyAlgorithm, SignatureScheme } from '../../src/crypto/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { openTestShomei } from '../helpers/home.ts';

type TestShomei = Awaited<ReturnType<typeof openTestShomei>>;
let shomei: TestShomei;

before(async () => {
  shomei = await openTestShomei();
});
after(async () => {
  await shomei.close();
});

const cases: { algorithm: KeyAlgorithm; scheme?: SignatureScheme }[] = [
  { algorithm: 'EC-P256' },
  { algorithm: 'RSA-2048' },
  { algorithm: 'RSA-2048', scheme: 'RSASSA-PSS' },
];

describe('signDigests', () => {
  for (const { algorithm, scheme } of cases) {
    test(`${algorithm} ${scheme ?? 'default scheme'}: 25 digests, each signature verifies against its own digest`, async () => {
      const key = await shomei.crypto.generateSigningKey(algorithm, `batch ${algorithm}`);
      const publicKey = createPublicKey({ key: key.publicKey!, format: 'der', type: 'spki' });
      const messages = Array.from({ length: 25 }, (_, i) =>
        Buffer.from(`document ${i} ${randomBytes(4).toString('hex')}`),
      );
      const digests = messages.map((m) => createHash('sha256').update(m).digest());
      const signatures = await shomei.crypto.signDigests(key.id, digests, {
        digestAlgorithm: 'SHA-256',
        ...(scheme ? { scheme } : {}),
      });
      assert.equal(signatures.length, digests.length);
      const keyOptions =
        scheme === 'RSASSA-PSS'
          ? { key: publicKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }
          : { key: publicKey, dsaEncoding: 'der' as const };
      for (const [i, message] of messages.entries()) {
        assert.ok(
          verify('sha256', message, keyOptions, signatures[i]!),
          `signature ${i} is over digest ${i}`,
        );
        const other = messages[(i + 1) % messages.length]!;
        assert.ok(
          !verify('sha256', other, keyOptions, signatures[i]!),
          `signature ${i} is not over another digest`,
        );
      }
    });
  }

  test('every signature of a batch passes the observer; a refusal signs nothing', async () => {
    const key = await shomei.crypto.generateSigningKey('EC-P256', 'batch observed');
    const digests = Array.from({ length: 12 }, () => randomBytes(32));
    const seen: string[] = [];
    let refuse = false;
    shomei.crypto.observeSigning({
      beforeSign: (id) => {
        if (refuse) throw new Error('clock unsynchronised');
        seen.push(`before ${id}`);
      },
      afterSign: (id, outcome) => seen.push(`${outcome} ${id}`),
    });
    try {
      await shomei.crypto.signDigests(key.id, digests, { digestAlgorithm: 'SHA-256' });
      assert.equal(seen.filter((s) => s === `before ${key.id}`).length, 12);
      assert.equal(seen.filter((s) => s === `success ${key.id}`).length, 12);
      refuse = true;
      seen.length = 0;
      await assert.rejects(
        shomei.crypto.signDigests(key.id, digests, { digestAlgorithm: 'SHA-256' }),
        /clock/,
      );
      assert.deepEqual(seen, []);
    } finally {
      shomei.crypto.observeSigning({ beforeSign: () => undefined, afterSign: () => undefined });
    }
  });

  test('a digest of the wrong length or a scheme the key cannot use is refused with a typed error', async () => {
    const key = await shomei.crypto.generateSigningKey('EC-P256', 'batch refused');
    const digests = Array.from({ length: 10 }, () => randomBytes(32));
    const cases: [Promise<unknown>, string][] = [
      [
        shomei.crypto.signDigests(key.id, [...digests, randomBytes(31)], { digestAlgorithm: 'SHA-256' }),
        'SHOMEI_DIGEST_LENGTH_INVALID',
      ],
      [
        shomei.crypto.signDigests(key.id, digests, { digestAlgorithm: 'SHA-256', scheme: 'RSASSA-PSS' }),
        'SHOMEI_SIGNATURE_SCHEME_MISMATCH',
      ],
      [
        shomei.crypto.signDigests('00'.repeat(16), digests, { digestAlgorithm: 'SHA-256' }),
        'SHOMEI_KEY_NOT_FOUND',
      ],
    ];
    for (const [promise, code] of cases) {
      await assert.rejects(promise, (error: unknown) => isShomeiError(error) && error.code === code);
    }
  });
});
