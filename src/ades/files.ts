/** File handling shared by the CAdES and PAdES flows: streamed hashing and atomic replacement. */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type DigestAlgorithm, nodeDigestName } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import { adesInputTooLarge } from './errors.ts';

/** Largest detached file signed with CAdES by default (streamed, so memory stays flat). */
export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024 * 1024;

export function inputNotFound(file: string): Error {
  return shomeiError(
    'SHOMEI_ADES_INPUT_UNREADABLE',
    `入力ファイルを読めません: ${path.basename(file)}`,
    `The input file cannot be read: ${path.basename(file)}`,
    { status: 400, details: { file: path.basename(file) } },
  );
}

export async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw inputNotFound(file);
    return info.size;
  } catch {
    throw inputNotFound(file);
  }
}

/** Digests of a file or bytes under several algorithms in one pass. */
export async function digestContent(
  content: string | Uint8Array,
  algorithms: readonly DigestAlgorithm[],
  maxBytes = DEFAULT_MAX_FILE_BYTES,
): Promise<Map<DigestAlgorithm, Buffer>> {
  const unique = [...new Set(algorithms)];
  const hashes = unique.map((a) => createHash(nodeDigestName(a)));
  if (typeof content === 'string') {
    const size = await fileSize(content);
    if (size > maxBytes) throw adesInputTooLarge('input file', size, maxBytes);
    for await (const chunk of createReadStream(content, { highWaterMark: 1024 * 1024 })) {
      for (const hash of hashes) hash.update(chunk as Buffer);
    }
  } else {
    if (content.length > maxBytes) throw adesInputTooLarge('input', content.length, maxBytes);
    for (const hash of hashes) hash.update(content);
  }
  return new Map(unique.map((a, i) => [a, hashes[i]!.digest()]));
}

/** A temporary name next to `target`, on the same file system so that rename is atomic. */
export function temporaryPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Writes bytes to a temporary file and renames it over `target`: readers never see half a file. */
export async function writeFileAtomic(target: string, data: Uint8Array): Promise<void> {
  const temporary = temporaryPathFor(target);
  try {
    await writeFile(temporary, data, { mode: 0o644 });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
