/**
 * The cryptographic core shared by signatures and timestamp tokens (ETSI EN 319 102-1 §5.2.7
 * "cryptographic verification"): the signer certificate named by the SignerInfo and bound by the
 * ESS signing-certificate attribute, the message-digest over the signed content, and the signature
 * value over the signed attributes.
 */

import { createHash } from 'node:crypto';
import {
  cmsSignatureAlgorithm,
  type ParsedCertificate,
  signerCertificate,
  verifySignature,
} from '../pki/index.ts';
import { type HashName, messageDigestOf, type ParsedCms, signingCertificateReference } from './cms.ts';
import { factsOf } from './facts.ts';
import type { Indication, SubIndication } from './types.ts';

export type IntegrityFailure =
  | 'no-signer-certificate'
  | 'signing-certificate-mismatch'
  | 'unsupported-digest'
  | 'weak-digest'
  | 'no-message-digest'
  | 'hash-mismatch'
  | 'signature-invalid';

/**
 * What each integrity failure means, for a signature (ETSI EN 319 102-1 §5.2.7) and a timestamp token
 * (§5.4) alike; the words are in messages.ts.
 */
export const INTEGRITY_INDICATION: Record<IntegrityFailure, readonly [Indication, SubIndication]> = {
  'no-signer-certificate': ['INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND'],
  'signing-certificate-mismatch': ['INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND'],
  'unsupported-digest': ['TOTAL_FAILED', 'FORMAT_FAILURE'],
  'weak-digest': ['INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE'],
  'no-message-digest': ['TOTAL_FAILED', 'FORMAT_FAILURE'],
  'hash-mismatch': ['TOTAL_FAILED', 'HASH_FAILURE'],
  'signature-invalid': ['TOTAL_FAILED', 'SIG_CRYPTO_FAILURE'],
};

export type IntegrityOutcome =
  | { readonly ok: true; readonly signer: ParsedCertificate; readonly signingCertificateBound: boolean }
  | { readonly ok: false; readonly failure: IntegrityFailure; readonly signer?: ParsedCertificate };

/**
 * `contentDigest(hash)` gives the digest of the signed content (the byte ranges, the detached file
 * or the encapsulated TSTInfo); `content` is needed only for signatures without signed attributes.
 */
export function checkIntegrity(
  cms: ParsedCms,
  pool: readonly ParsedCertificate[],
  contentDigest: (hash: HashName) => Buffer,
  content?: () => Uint8Array,
): IntegrityOutcome {
  const info = cms.signerInfo;
  const signer = signerCertificate(info.sid, [...cms.certificates, ...pool], factsOf);
  if (signer === undefined) return { ok: false, failure: 'no-signer-certificate' };
  const reference = signingCertificateReference(info);
  if (reference === 'malformed') return { ok: false, failure: 'signing-certificate-mismatch', signer };
  if (reference !== undefined) {
    const hash = createHash(reference.hashAlgorithm).update(signer.der).digest();
    const serialOk =
      reference.serialNumber === undefined || reference.serialNumber === factsOf(signer).serialNumber;
    if (!hash.equals(reference.hash) || !serialOk)
      return { ok: false, failure: 'signing-certificate-mismatch', signer };
  }
  // SHA-1 is known but no longer acceptable (mutool 1.21 still signs with it): a crypto constraint, not a format error.
  if (cms.digestAlgorithm === 'sha1') {
    const claimed = messageDigestOf(info);
    const changed = claimed !== undefined && !claimed.equals(contentDigest('sha1'));
    return { ok: false, failure: changed ? 'hash-mismatch' : 'weak-digest', signer };
  }
  if (cms.digestAlgorithm === undefined) return { ok: false, failure: 'unsupported-digest', signer };
  let algorithm: ReturnType<typeof cmsSignatureAlgorithm>;
  try {
    algorithm = cmsSignatureAlgorithm(info.signatureAlgorithm, info.digestAlgorithm);
  } catch {
    return { ok: false, failure: 'unsupported-digest', signer };
  }
  const signature = new Uint8Array(info.signature.buffer);
  const publicKey = factsOf(signer).publicKey;
  const verify = (data: Uint8Array): boolean => {
    try {
      return verifySignature(publicKey, algorithm, data, signature);
    } catch {
      return false;
    }
  };
  if (cms.signedAttributes === undefined) {
    // A signature without attributes signs the content directly (openssl cms -noattr, old tools).
    if (content === undefined) return { ok: false, failure: 'no-message-digest', signer };
    return verify(content())
      ? { ok: true, signer, signingCertificateBound: false }
      : { ok: false, failure: 'signature-invalid', signer };
  }
  const messageDigest = messageDigestOf(info);
  if (messageDigest === undefined) return { ok: false, failure: 'no-message-digest', signer };
  if (!messageDigest.equals(contentDigest(cms.digestAlgorithm)))
    return { ok: false, failure: 'hash-mismatch', signer };
  if (!verify(cms.signedAttributes)) return { ok: false, failure: 'signature-invalid', signer };
  return { ok: true, signer, signingCertificateBound: reference !== undefined };
}
