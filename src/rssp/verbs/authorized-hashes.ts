/** The hashes an authorisation is bound to: Base64 as sent, decoded with their algorithm (csc-api-v2 §11.6, §11.8). */
import { digestAlgorithmOf } from '../algorithms.ts';
import { CSC } from '../errors.ts';
import { decodeHashes } from '../hashes.ts';

export interface HashesAsSent {
  readonly hashes?: readonly string[] | null | undefined;
  readonly hashAlgorithmOid?: string | null | undefined;
}

export function authorizedHashes(sent: HashesAsSent): { hashes?: Buffer[]; hashAlgorithmOid?: string } {
  const raw = sent.hashes ?? undefined;
  const hashAlgorithmOid = sent.hashAlgorithmOid ?? undefined;
  if (raw === undefined) return hashAlgorithmOid === undefined ? {} : { hashAlgorithmOid };
  if (hashAlgorithmOid === undefined) throw CSC.missingString('hashAlgorithmOID');
  const digest = digestAlgorithmOf(hashAlgorithmOid);
  if (digest === undefined) throw CSC.invalidParameter('hashAlgorithmOID');
  return { hashes: decodeHashes(raw, digest), hashAlgorithmOid };
}
