/** signatures/timestamp (csc-api-v2 §11.12): an RFC 3161 token over the caller's hash from the service's TSA. */
import { digestAlgorithmOf } from '../algorithms.ts';
import { CSC } from '../errors.ts';
import { decodeHashes } from '../hashes.ts';
import type { TimestampAuthority } from '../ports.ts';

export interface TimestampDependencies {
  readonly timestamps: TimestampAuthority;
}

export interface TimestampRequest {
  /** Base64, as sent. */
  readonly hash: string;
  readonly hashAlgorithmOid: string;
  /** Hexadecimal. */
  readonly nonce?: string | null | undefined;
}

export async function timestamp(deps: TimestampDependencies, request: TimestampRequest): Promise<Buffer> {
  const digest = digestAlgorithmOf(request.hashAlgorithmOid);
  if (digest === undefined) throw CSC.invalidParameter('hashAlgo');
  const [bytes] = decodeHashes([request.hash], digest);
  const { nonce } = request;
  return deps.timestamps.timestamp({
    hash: bytes!,
    hashAlgorithmOid: request.hashAlgorithmOid,
    ...(nonce == null ? {} : { nonce: BigInt(`0x${nonce}`) }),
  });
}
