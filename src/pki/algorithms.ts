/**
 * Signature algorithm identifiers for the key algorithms shomei holds, and signature verification
 * against a SubjectPublicKeyInfo (verification only needs the public key; signing stays in the HSM).
 */
import { createPublicKey, type KeyObject, verify as nodeVerify } from 'node:crypto';
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import {
  DIGEST_ALGORITHMS,
  DIGEST_OID,
  type DigestAlgorithm,
  defaultScheme,
  isRsa,
  type KeyAlgorithm,
  nodeDigestName,
  type SignatureScheme,
} from '../crypto/index.ts';
import { malformed, unsupportedAlgorithm } from './errors.ts';
import { OID } from './oids.ts';

const RSA_PKCS1: Record<DigestAlgorithm, string> = {
  'SHA-256': OID.sha256WithRSAEncryption,
  'SHA-384': OID.sha384WithRSAEncryption,
  'SHA-512': OID.sha512WithRSAEncryption,
};
const ECDSA: Record<DigestAlgorithm, string> = {
  'SHA-256': OID.ecdsaWithSha256,
  'SHA-384': OID.ecdsaWithSha384,
  'SHA-512': OID.ecdsaWithSha512,
};
const SALT_LENGTH: Record<DigestAlgorithm, number> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

export interface SignatureAlgorithm {
  readonly digestAlgorithm: DigestAlgorithm;
  readonly scheme: SignatureScheme;
}

/** The digest we pair with a key by default: SHA-384 for P-384, SHA-256 otherwise. */
export function defaultDigestFor(algorithm: KeyAlgorithm): DigestAlgorithm {
  return algorithm === 'EC-P384' ? 'SHA-384' : 'SHA-256';
}

export function digestAlgorithmIdentifier(digest: DigestAlgorithm): AlgorithmIdentifier {
  // RFC 5754: the parameters of SHA-2 identifiers are absent.
  return new AlgorithmIdentifier({ algorithm: DIGEST_OID[digest] });
}

export function digestAlgorithmFromOid(oid: string): DigestAlgorithm | undefined {
  return DIGEST_ALGORITHMS.find((digest) => DIGEST_OID[digest] === oid);
}

/** The AlgorithmIdentifier for signing with a key of this algorithm (RFC 4055, RFC 5758). */
export function signatureAlgorithmFor(
  key: KeyAlgorithm,
  digest: DigestAlgorithm = defaultDigestFor(key),
  scheme: SignatureScheme = defaultScheme(key),
): AlgorithmIdentifier {
  if (isRsa(key) === (scheme === 'ECDSA')) {
    throw unsupportedAlgorithm(`${scheme} with ${key}`);
  }
  if (scheme === 'ECDSA') return new AlgorithmIdentifier({ algorithm: ECDSA[digest] });
  if (scheme === 'RSASSA-PKCS1-v1_5') {
    return new AlgorithmIdentifier({ algorithm: RSA_PKCS1[digest], parameters: null });
  }
  const hash = digestAlgorithmIdentifier(digest);
  const params = new RsaSaPssParams({
    hashAlgorithm: hash,
    maskGenAlgorithm: new AlgorithmIdentifier({
      algorithm: OID.mgf1,
      parameters: AsnConvert.serialize(hash),
    }),
    saltLength: SALT_LENGTH[digest],
  });
  return new AlgorithmIdentifier({ algorithm: OID.rsassaPss, parameters: AsnConvert.serialize(params) });
}

interface DescribedAlgorithm extends SignatureAlgorithm {
  readonly saltLength?: number;
}

/** What a signature AlgorithmIdentifier means; refuses anything shomei does not accept. */
export function describeSignatureAlgorithm(algorithm: AlgorithmIdentifier): DescribedAlgorithm {
  const oid = algorithm.algorithm;
  for (const digest of DIGEST_ALGORITHMS) {
    if (RSA_PKCS1[digest] === oid) return { digestAlgorithm: digest, scheme: 'RSASSA-PKCS1-v1_5' };
    if (ECDSA[digest] === oid) return { digestAlgorithm: digest, scheme: 'ECDSA' };
  }
  if (oid === OID.rsassaPss) {
    if (algorithm.parameters === null || algorithm.parameters === undefined) {
      throw malformed('RSASSA-PSS parameters', 'absent');
    }
    let params: RsaSaPssParams;
    try {
      params = AsnConvert.parse(algorithm.parameters, RsaSaPssParams);
    } catch (error) {
      throw malformed('RSASSA-PSS parameters', 'not RSASSA-PSS-params', error);
    }
    const digest = digestAlgorithmFromOid(params.hashAlgorithm.algorithm);
    if (digest === undefined) throw unsupportedAlgorithm(`RSASSA-PSS/${params.hashAlgorithm.algorithm}`);
    if (params.maskGenAlgorithm.algorithm !== OID.mgf1)
      throw unsupportedAlgorithm(params.maskGenAlgorithm.algorithm);
    if (params.maskGenAlgorithm.parameters) {
      const mgfHash = AsnConvert.parse(params.maskGenAlgorithm.parameters, AlgorithmIdentifier);
      if (mgfHash.algorithm !== params.hashAlgorithm.algorithm) {
        throw unsupportedAlgorithm(`RSASSA-PSS MGF1/${mgfHash.algorithm}`);
      }
    }
    return { digestAlgorithm: digest, scheme: 'RSASSA-PSS', saltLength: params.saltLength };
  }
  throw unsupportedAlgorithm(oid);
}

/**
 * Checks a signature over `data` with the public key `spki` (DER SubjectPublicKeyInfo) under the
 * algorithm named by `algorithm`. Returns false for a wrong signature; throws for unusable input.
 */
export function verifySignature(
  spki: Uint8Array,
  algorithm: AlgorithmIdentifier,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const described = describeSignatureAlgorithm(algorithm);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (error) {
    throw malformed('public key', 'not a usable SubjectPublicKeyInfo', error);
  }
  // An id-RSASSA-PSS key (RFC 4055 §1.2) is an RSA key restricted to PSS: never PKCS#1 v1.5.
  const pssOnly = key.asymmetricKeyType === 'rsa-pss';
  const isRsaKey = key.asymmetricKeyType === 'rsa' || pssOnly;
  if (isRsaKey === (described.scheme === 'ECDSA')) return false;
  if (pssOnly && described.scheme !== 'RSASSA-PSS') return false;
  const digestName = nodeDigestName(described.digestAlgorithm);
  try {
    if (described.scheme === 'RSASSA-PSS') {
      return nodeVerify(
        digestName,
        data,
        {
          key,
          padding: 6 /* RSA_PKCS1_PSS_PADDING */,
          saltLength: described.saltLength ?? 20,
        },
        signature,
      );
    }
    if (described.scheme === 'ECDSA') {
      return nodeVerify(digestName, data, { key, dsaEncoding: 'der' }, signature);
    }
    return nodeVerify(digestName, data, key, signature);
  } catch {
    // A malformed signature value (bad ECDSA DER, wrong length) is simply not a valid signature.
    return false;
  }
}

/**
 * CMS SignerInfo often names only the key type (rsaEncryption, RFC 5652 / RFC 3370) and leaves the
 * digest to `digestAlgorithm`; this gives the full signature algorithm in either case.
 */
export function cmsSignatureAlgorithm(
  signatureAlgorithm: AlgorithmIdentifier,
  digestAlgorithm: AlgorithmIdentifier,
): AlgorithmIdentifier {
  const oid = signatureAlgorithm.algorithm;
  if (oid !== OID.rsaEncryption && oid !== OID.ecPublicKey) return signatureAlgorithm;
  const digest = digestAlgorithmFromOid(digestAlgorithm.algorithm);
  if (digest === undefined) throw unsupportedAlgorithm(digestAlgorithm.algorithm);
  return new AlgorithmIdentifier(
    oid === OID.rsaEncryption
      ? { algorithm: RSA_PKCS1[digest], parameters: null }
      : { algorithm: ECDSA[digest] },
  );
}
