import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  digestInfo,
  ecdsaRawToDer,
  encodeDigestInfo,
  encodeEcdsaSignature,
} from '../../src/crypto/public-key.ts';

test('the constant DigestInfo prefixes equal the ASN.1 library encoding', () => {
  for (const [algorithm, length] of [
    ['SHA-256', 32],
    ['SHA-384', 48],
    ['SHA-512', 64],
  ] as const) {
    const digest = randomBytes(length);
    assert.deepEqual(digestInfo(algorithm, digest), encodeDigestInfo(algorithm, digest));
  }
});

test('the direct ECDSA DER encoding equals the ASN.1 library encoding, edge cases included', () => {
  const cases: Buffer[] = [];
  for (const size of [32, 48]) {
    for (let i = 0; i < 200; i += 1) cases.push(randomBytes(size * 2));
    const highBits = Buffer.alloc(size * 2, 0xff);
    const leadingZeros = Buffer.concat([
      Buffer.alloc(3),
      randomBytes(size - 3),
      Buffer.alloc(size - 1),
      Buffer.from([1]),
    ]);
    const zeroThenHigh = Buffer.concat([Buffer.from([0, 0x80]), randomBytes(size * 2 - 2)]);
    cases.push(highBits, leadingZeros, zeroThenHigh);
  }
  for (const raw of cases)
    assert.deepEqual(ecdsaRawToDer(raw), encodeEcdsaSignature(raw), raw.toString('hex'));
});
