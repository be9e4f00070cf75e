/**
 * A signing key seen from the outside: its public key and a way to sign digests. CA, TSA, OCSP,
 * CMS and audit checkpoints all sign through this, so none of them touches PKCS#11 directly.
 */

import { shomeiError } from '../errors/index.ts';
import type { DigestAlgorithm, KeyAlgorithm, SignatureScheme } from './algorithms.ts';
import { defaultScheme } from './algorithms.ts';
import type { CryptoModule } from './crypto-module.ts';

export interface DigestSigner {
  readonly keyId: string;
  readonly algorithm: KeyAlgorithm;
  /** SubjectPublicKeyInfo, DER. */
  readonly publicKey: Buffer;
  /** The scheme used when the caller does not choose one (PKCS#1 v1.5 for RSA, ECDSA for EC). */
  readonly defaultScheme: SignatureScheme;
  signDigest(digest: Uint8Array, digestAlgorithm: DigestAlgorithm, scheme?: SignatureScheme): Promise<Buffer>;
}

export async function digestSignerFor(crypto: CryptoModule, keyId: string): Promise<DigestSigner> {
  const key = await crypto.getKey(keyId, { toSign: true });
  if (key.kind !== 'signing' || key.publicKey === undefined || key.algorithm === 'AES-256') {
    throw shomeiError(
      'SHOMEI_KEY_USAGE_NOT_PERMITTED',
      `鍵 ${keyId} は署名鍵ではありません。`,
      `Key ${keyId} is not a signing key.`,
      { status: 403, details: { keyId } },
    );
  }
  const algorithm = key.algorithm;
  return {
    keyId,
    algorithm,
    publicKey: key.publicKey,
    defaultScheme: defaultScheme(algorithm),
    signDigest: (digest, digestAlgorithm, scheme) =>
      crypto.signDigest(keyId, digest, { digestAlgorithm, scheme }),
  };
}
