/** The key and signature algorithms shomei accepts (CRYPTREC list, 電子署名法施行規則 第2条). */

export const KEY_ALGORITHMS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'EC-P256', 'EC-P384'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export const DIGEST_ALGORITHMS = ['SHA-256', 'SHA-384', 'SHA-512'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** How a pre-computed digest is turned into a signature value. */
export type SignatureScheme = 'RSASSA-PKCS1-v1_5' | 'RSASSA-PSS' | 'ECDSA';

export const DIGEST_LENGTH: Record<DigestAlgorithm, number> = {
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
};

export const DIGEST_OID: Record<DigestAlgorithm, string> = {
  'SHA-256': '2.16.840.1.101.3.4.2.1',
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
};

export function isRsa(algorithm: KeyAlgorithm): boolean {
  return algorithm.startsWith('RSA-');
}

export function rsaModulusBits(algorithm: KeyAlgorithm): number {
  return Number(algorithm.slice(4));
}

/** Node's name for a digest algorithm ("sha256"), for hashing and verification helpers. */
export function nodeDigestName(algorithm: DigestAlgorithm): string {
  return algorithm.replace('-', '').toLowerCase();
}

export function defaultScheme(algorithm: KeyAlgorithm): SignatureScheme {
  return isRsa(algorithm) ? 'RSASSA-PKCS1-v1_5' : 'ECDSA';
}
