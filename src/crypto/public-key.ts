/** Building a SubjectPublicKeyInfo from PKCS#11 public-key attributes, and encoding signature values. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { ECDSASigValue } from '@peculiar/asn1-ecc';
import { DigestInfo } from '@peculiar/asn1-rsa';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { DIGEST_OID, type DigestAlgorithm, type KeyAlgorithm } from './algorithms.ts';

/** `params`: the DER of the curve's OBJECT IDENTIFIER (CKA_EC_PARAMS as namedCurve). */
export const CURVES = {
  'EC-P256': { oid: '1.2.840.10045.3.1.7', params: '06082a8648ce3d030107', jwk: 'P-256', size: 32 },
  'EC-P384': { oid: '1.3.132.0.34', params: '06052b81040022', jwk: 'P-384', size: 48 },
} as const;

export function ecParamsFor(algorithm: 'EC-P256' | 'EC-P384'): Buffer {
  return Buffer.from(CURVES[algorithm].params, 'hex');
}

/**
 * The curve CKA_EC_PARAMS names: its bytes compared with the two namedCurve encodings (a fixed
 * OID has one DER), not parsed; asn1js's parser was cold in every key description (ADR 051).
 */
export function curveFromParams(params: Buffer): 'EC-P256' | 'EC-P384' | undefined {
  const hex = params.toString('hex');
  if (hex === CURVES['EC-P256'].params) return 'EC-P256';
  if (hex === CURVES['EC-P384'].params) return 'EC-P384';
  return undefined;
}

/** The value of a DER OCTET STRING whose length fits one or two length octets, else undefined. */
function octetStringValue(der: Buffer): Buffer | undefined {
  if (der.length < 2 || der[0] !== 0x04) return undefined;
  if (der[1]! < 0x80) return der[1] === der.length - 2 ? der.subarray(2) : undefined;
  return der[1] === 0x81 && der[2] === der.length - 3 ? der.subarray(3) : undefined;
}

export function rsaPublicKey(modulus: Buffer, exponent: Buffer): KeyObject {
  return createPublicKey({
    key: {
      kty: 'RSA',
      n: stripLeadingZeros(modulus).toString('base64url'),
      e: exponent.toString('base64url'),
    },
    format: 'jwk',
  });
}

/** CKA_EC_POINT is a DER OCTET STRING holding the uncompressed point 04||X||Y. */
export function ecPublicKey(algorithm: 'EC-P256' | 'EC-P384', ecPoint: Buffer): KeyObject {
  // Some tokens give the bare point; the points of P-256 and P-384 fit a one-octet length.
  const point = octetStringValue(ecPoint) ?? ecPoint;
  const size = CURVES[algorithm].size;
  if (point.length !== 1 + 2 * size || point[0] !== 4) throw new Error('unsupported EC point encoding');
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: CURVES[algorithm].jwk,
      x: point.subarray(1, 1 + size).toString('base64url'),
      y: point.subarray(1 + size).toString('base64url'),
    },
    format: 'jwk',
  });
}

export function spkiDer(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/** The algorithm of a public key given as SPKI DER, when shomei supports it. */
export function algorithmOfPublicKey(spki: Buffer): KeyAlgorithm | undefined {
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details?.modulusLength;
    if (bits === 2048 || bits === 3072 || bits === 4096) return `RSA-${bits}`;
    return undefined;
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details?.namedCurve === 'prime256v1') return 'EC-P256';
    if (details?.namedCurve === 'secp384r1') return 'EC-P384';
  }
  return undefined;
}

/**
 * DER DigestInfo prefixes (RFC 8017 §9.2, note 1): the encoding up to the digest is fixed per
 * algorithm, so signing prepends constant bytes instead of re-encoding the structure per signature.
 */
const DIGEST_INFO_PREFIX: Record<DigestAlgorithm, Buffer> = {
  'SHA-256': Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  'SHA-384': Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  'SHA-512': Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

export function digestInfo(algorithm: DigestAlgorithm, digest: Buffer): Buffer {
  return Buffer.concat([DIGEST_INFO_PREFIX[algorithm], digest]);
}

/** The same DigestInfo through the ASN.1 library, to check the constant prefixes against. */
export function encodeDigestInfo(algorithm: DigestAlgorithm, digest: Buffer): Buffer {
  const info = new DigestInfo({
    digestAlgorithm: new AlgorithmIdentifier({ algorithm: DIGEST_OID[algorithm], parameters: null }),
    digest: new OctetString(new Uint8Array(digest)),
  });
  return Buffer.from(AsnConvert.serialize(info));
}

/**
 * PKCS#11 returns ECDSA signatures as r||s; CMS and X.509 want DER Ecdsa-Sig-Value, a SEQUENCE of two
 * INTEGERs. Encoded here directly (P-256/P-384 lengths always fit short-form lengths) because the
 * ASN.1 library's serializer cost a large share of a P-256 signature's time; the test suite checks
 * every signature with openssl and against the library encoding.
 */
export function ecdsaRawToDer(raw: Buffer): Buffer {
  const half = raw.length / 2;
  const r = derInteger(raw.subarray(0, half));
  const s = derInteger(raw.subarray(half));
  return Buffer.concat([Buffer.from([0x30, r.length + s.length]), r, s]);
}

function derInteger(bytes: Buffer): Buffer {
  const trimmed = stripLeadingZeros(bytes);
  const pad = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return Buffer.concat([
    Buffer.from([0x02, trimmed.length + (pad ? 1 : 0)]),
    pad ? Buffer.from([0]) : Buffer.alloc(0),
    trimmed,
  ]);
}

/** The library's encoding of the same value, to check ecdsaRawToDer against. */
export function encodeEcdsaSignature(raw: Buffer): Buffer {
  const half = raw.length / 2;
  const value = new ECDSASigValue({
    r: toAsnInteger(raw.subarray(0, half)),
    s: toAsnInteger(raw.subarray(half)),
  });
  return Buffer.from(AsnConvert.serialize(value));
}

function toAsnInteger(bytes: Buffer): ArrayBuffer {
  const trimmed = stripLeadingZeros(bytes);
  const needsPad = (trimmed[0] ?? 0) & 0x80;
  const out = needsPad ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return new Uint8Array(out).buffer;
}

function stripLeadingZeros(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i += 1;
  return bytes.subarray(i);
}
