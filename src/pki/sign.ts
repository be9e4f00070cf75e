/**
 * Signing a "to be signed" structure through the HSM: DER-encode it, digest it here, and let the
 * DigestSigner (src/crypto) produce the signature value inside the token.
 */
import { createHash } from 'node:crypto';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import {
  type DigestAlgorithm,
  type DigestSigner,
  nodeDigestName,
  type SignatureScheme,
} from '../crypto/index.ts';
import { defaultDigestFor, signatureAlgorithmFor } from './algorithms.ts';
import { encode } from './der.ts';

export interface SigningOptions {
  readonly digestAlgorithm?: DigestAlgorithm;
  readonly scheme?: SignatureScheme;
}

export interface SignedTbs {
  /** The exact bytes that were signed. */
  readonly tbsDer: Buffer;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Buffer;
}

/** The digest and scheme a signer will use under these options. */
export function resolveSigning(
  signer: DigestSigner,
  options: SigningOptions = {},
): { digestAlgorithm: DigestAlgorithm; scheme: SignatureScheme } {
  return {
    digestAlgorithm: options.digestAlgorithm ?? defaultDigestFor(signer.algorithm),
    scheme: options.scheme ?? signer.defaultScheme,
  };
}

/** The AlgorithmIdentifier to place inside a TBS structure before it is signed by `signer`. */
export function signingAlgorithm(signer: DigestSigner, options: SigningOptions = {}): AlgorithmIdentifier {
  const { digestAlgorithm, scheme } = resolveSigning(signer, options);
  return signatureAlgorithmFor(signer.algorithm, digestAlgorithm, scheme);
}

export function digest(algorithm: DigestAlgorithm, data: Uint8Array): Buffer {
  return createHash(nodeDigestName(algorithm)).update(data).digest();
}

/**
 * DER-encodes `tbs` (an @peculiar/asn1-* object, or bytes already encoded), digests it and signs
 * the digest with the HSM key behind `signer`.
 */
export async function signTbs(
  tbs: object | Uint8Array,
  signer: DigestSigner,
  options: SigningOptions = {},
): Promise<SignedTbs> {
  const { digestAlgorithm, scheme } = resolveSigning(signer, options);
  const tbsDer = tbs instanceof Uint8Array ? Buffer.from(tbs) : encode(tbs);
  const signature = await signer.signDigest(digest(digestAlgorithm, tbsDer), digestAlgorithm, scheme);
  return {
    tbsDer,
    signatureAlgorithm: signatureAlgorithmFor(signer.algorithm, digestAlgorithm, scheme),
    signature,
  };
}
