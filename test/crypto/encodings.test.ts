import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import * as asn1js from 'asn1js';
import {
  CURVES,
  curveFromParams,
  digestInfo,
  ecdsaRawToDer,
  ecParamsFor,
  ecPublicKey,
  encodeDigestInfo,
  encodeEcdsaSignature,
  spkiDer,
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

test('EC parameters are the ASN.1 library encoding of the curve OIDs, and the public point reads wrapped or bare', () => {
  for (const [algorithm, curve] of [
    ['EC-P256', 'prime256v1'],
    ['EC-P384', 'secp384r1'],
  ] as const) {
    const params = ecParamsFor(algorithm);
    const library = Buffer.from(new asn1js.ObjectIdentifier({ value: CURVES[algorithm].oid }).toBER());
    assert.deepEqual(params, library);
    assert.equal(curveFromParams(params), algorithm);
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const jwk = publicKey.export({ format: 'jwk' });
    const bare = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x ?? '', 'base64url'),
      Buffer.from(jwk.y ?? '', 'base64url'),
    ]);
    assert.equal(bare.length, 1 + 2 * CURVES[algorithm].size);
    const wrapped = Buffer.from(new asn1js.OctetString({ valueHex: bare }).toBER());
    assert.deepEqual(spkiDer(ecPublicKey(algorithm, wrapped)), spki);
    assert.deepEqual(spkiDer(ecPublicKey(algorithm, bare)), spki);
    assert.throws(() => ecPublicKey(algorithm, wrapped.subarray(0, wrapped.length - 1)));
  }
  assert.equal(curveFromParams(Buffer.from('06082a8648ce3d030108', 'hex')), undefined);
  assert.equal(
    curveFromParams(Buffer.from(new asn1js.PrintableString({ value: 'prime256v1' }).toBER())),
    undefined,
  );
});
