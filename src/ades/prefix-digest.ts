/**
 * Hashing a large PDF once for several signatures of one signing run. Every revision we append
 * leaves the bytes before it untouched, so the digest state after the original file can be copied
 * (node's Hash.copy) and completed with only the bytes that follow — for the signature and again for
 * the document timestamp — instead of reading 100 MB twice.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ByteRange } from '../pdf/index.ts';
import { adesMalformed } from './errors.ts';

export type NodeDigestName = 'sha256' | 'sha384' | 'sha512';

export interface PrefixDigest {
  readonly algorithm: NodeDigestName;
  /** How many leading bytes the state has absorbed. */
  readonly length: number;
  readonly state: Hash;
}

async function update(hash: Hash, file: string, start: number, end: number): Promise<void> {
  if (end <= start) return;
  for await (const chunk of createReadStream(file, { start, end: end - 1, highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
  }
}

export async function digestPrefix(
  source: string | Uint8Array,
  algorithm: NodeDigestName,
): Promise<PrefixDigest> {
  const state = createHash(algorithm);
  if (typeof source !== 'string') {
    state.update(source);
    return { algorithm, length: source.length, state };
  }
  let length = 0;
  for await (const chunk of createReadStream(source, { highWaterMark: 1024 * 1024 })) {
    state.update(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  return { algorithm, length, state };
}

/** Digest of a signature's byte ranges in `file`, whose first `prefix.length` bytes were hashed already. */
export async function digestRangesAfterPrefix(
  file: string,
  byteRange: ByteRange,
  prefix: PrefixDigest,
): Promise<Buffer> {
  const [start, firstLength, second, secondLength] = byteRange;
  if (start !== 0 || firstLength < prefix.length)
    throw adesMalformed('byte range', 'does not extend the prefix');
  const hash = prefix.state.copy();
  await update(hash, file, prefix.length, firstLength);
  await update(hash, file, second, second + secondLength);
  return hash.digest();
}
