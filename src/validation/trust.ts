/** Trust anchors from a PEM (or DER) file, size-limited. */
import { readFileSync, statSync } from 'node:fs';
import { type ParsedCertificate, parseCertificates } from '../pki/index.ts';
import { trustStoreInvalid } from './errors.ts';

const MAX_TRUST_FILE = 1024 * 1024;

export function readTrustAnchors(file: string): Buffer[] {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw trustStoreInvalid((error as NodeJS.ErrnoException).code ?? 'unreadable');
  }
  if (size > MAX_TRUST_FILE) throw trustStoreInvalid(`larger than ${MAX_TRUST_FILE} bytes`);
  return parseAnchors(readFileSync(file)).map((c) => c.der);
}

export function parseAnchors(input: Uint8Array): ParsedCertificate[] {
  try {
    return parseCertificates(input);
  } catch (error) {
    throw trustStoreInvalid((error as Error).message);
  }
}
