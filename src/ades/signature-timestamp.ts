/**
 * B-T: the signature-time-stamp unsigned attribute (RFC 3161 appendix A, ETSI EN 319 122-1 5.3):
 * a timestamp over the octets of SignerInfo.signature.
 */
import { createHash } from 'node:crypto';
import { type DigestAlgorithm, nodeDigestName } from '../crypto/index.ts';
import { ADES_OID } from './oids.ts';
import {
  type SignedDataParts,
  signatureValue,
  soleSigner,
  unsignedAttribute,
  withUnsignedAttribute,
} from './signed-data.ts';
import { type CheckedTimestampToken, requestTimestamp, type TimestampAuthority } from './timestamp.ts';

export async function addSignatureTimestamp(
  parts: SignedDataParts,
  tsa: TimestampAuthority,
  digestAlgorithm: DigestAlgorithm = 'SHA-256',
): Promise<{ parts: SignedDataParts; token: CheckedTimestampToken }> {
  const value = signatureValue(soleSigner(parts));
  const digest = createHash(nodeDigestName(digestAlgorithm)).update(value).digest();
  const token = await requestTimestamp(tsa, digest, digestAlgorithm);
  return {
    parts: withUnsignedAttribute(parts, unsignedAttribute(ADES_OID.signatureTimeStampToken, token.der)),
    token,
  };
}
