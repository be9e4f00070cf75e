/** Digests from the wire: strict Base64 (or base64url for oauth2/authorize), lengths checked, compared as bytes. */
import { DIGEST_LENGTH, type DigestAlgorithm } from '../crypto/index.ts';
import { CSC } from './errors.ts';

/** Most hashes one request may carry (a batch, JT2A appendix 1 method 1). */
export const MAX_HASHES_PER_REQUEST = 1000;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

export function decodeHashes(
  values: readonly string[],
  digest: DigestAlgorithm,
  encoding: 'base64' | 'base64url' = 'base64',
): Buffer[] {
  if (values.length === 0) throw CSC.emptyHashArray();
  if (values.length > MAX_HASHES_PER_REQUEST) throw CSC.invalidParameter('hashes');
  const decoded = values.map((value) => {
    const pattern = encoding === 'base64' ? BASE64 : BASE64URL;
    if (value.length === 0 || value.length > 128 || !pattern.test(value)) throw CSC.invalidBase64Hash();
    const bytes = Buffer.from(value, encoding);
    if (bytes.length !== DIGEST_LENGTH[digest]) throw CSC.invalidDigestLength();
    return bytes;
  });
  // One authorization or request covers each digest once: signing the same digest twice is never needed.
  if (new Set(decoded.map((d) => d.toString('hex'))).size !== decoded.length) {
    throw CSC.invalidParameter('hashes');
  }
  return decoded;
}
