/** Outside validators for the ades tests: pdfsig with an NSS database, qpdf, openssl cms / ts. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listSignatures } from '../../src/pdf/index.ts';
import { run } from '../helpers/run.ts';

/** An NSS database in which the given root certificate is a trusted CA. */
export function trustingNssDb(directory: string, rootPemPath: string): string {
  mkdirSync(directory, { recursive: true });
  const db = `sql:${directory}`;
  const created = run('certutil', ['-N', '--empty-password', '-d', db]);
  if (created.status !== 0) throw new Error(`certutil -N failed: ${created.stderr}`);
  const added = run('certutil', ['-A', '-d', db, '-n', 'root', '-t', 'CT,C,C', '-i', rootPemPath]);
  if (added.status !== 0) throw new Error(`certutil -A failed: ${added.stderr}`);
  return db;
}

export interface PdfsigSignature {
  readonly text: string;
  readonly valid: boolean;
  readonly trusted: boolean;
  readonly signatureType: string | undefined;
}

/**
 * pdfsig's report per signature. Not with -no-ocsp: poppler 22.12 then reports every chain as
 * "Unknown issue with Certificate" (even for its own -add-signature output). With OCSP on it judges
 * the chain only for certificates without an OCSP URL; for the others it reports the same
 * "Unknown issue" (vfychain accepts those chains), so tests judge such chains with openssl.
 */
export function pdfsig(
  file: string,
  nssDb: string,
): { status: number; signatures: PdfsigSignature[]; raw: string } {
  const result = run('pdfsig', ['-nssdir', nssDb, file]);
  const blocks = result.stdout.split(/^Signature #\d+:$/m).slice(1);
  return {
    status: result.status,
    raw: result.stdout + result.stderr,
    signatures: blocks.map((text) => ({
      text,
      valid: /Signature Validation: Signature is Valid\./.test(text),
      trusted: /Certificate Validation: Certificate is Trusted\./.test(text),
      signatureType: /Signature Type: (.*)/.exec(text)?.[1]?.trim(),
    })),
  };
}

export function qpdfCheck(file: string): { status: number; output: string } {
  const result = run('qpdf', ['--check', file]);
  return { status: result.status, output: result.stdout + result.stderr };
}

/** The bytes a PDF signature covers (its /ByteRange concatenated) and its CMS, written to `dir`. */
export async function signedRangeFiles(
  file: string,
  index: number,
  dir: string,
): Promise<{
  content: string;
  contentLength: number;
  cms: string;
  cmsBytes: Buffer;
  subFilter: string | undefined;
}> {
  const signatures = await listSignatures(file);
  const signature = signatures[index];
  if (signature?.byteRange === undefined) throw new Error(`no signature #${index}`);
  const bytes = readFileSync(file);
  const [a, b, c, d] = signature.byteRange as [number, number, number, number];
  const content = path.join(dir, `range-${index}.bin`);
  const cms = path.join(dir, `sig-${index}.der`);
  writeFileSync(content, Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]));
  writeFileSync(cms, signature.cms);
  return {
    content,
    contentLength: a + b,
    cms,
    cmsBytes: Buffer.from(signature.cms),
    subFilter: signature.subFilter,
  };
}

export function opensslCmsVerify(
  cms: string,
  content: string,
  caFile: string,
): { status: number; output: string } {
  const result = run('openssl', [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    cms,
    '-content',
    content,
    '-CAfile',
    caFile,
    '-purpose',
    'any',
    '-out',
    '/dev/null',
  ]);
  return { status: result.status, output: result.stdout + result.stderr };
}

/** openssl ts -verify of a bare token against a digest (hex) or a data file. */
export function opensslTsVerify(
  token: string,
  against: { digest: string } | { data: string },
  caFile: string,
  untrusted?: string,
): { status: number; output: string } {
  const args = ['ts', '-verify', '-token_in', '-in', token, '-CAfile', caFile];
  if ('digest' in against) args.push('-digest', against.digest);
  else args.push('-data', against.data);
  if (untrusted) args.push('-untrusted', untrusted);
  const result = run('openssl', args);
  return { status: result.status, output: result.stdout + result.stderr };
}
