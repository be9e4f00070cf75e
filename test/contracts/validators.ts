/** Outside validators on final PDFs: pdfsig (NSS database trusting the embedded root), qpdf, openssl cms. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listSignatures } from '../../src/pdf/index.ts';
import { run } from '../helpers/run.ts';

export function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

export function trustingNssDb(directory: string, rootPemPath: string): string {
  mkdirSync(directory, { recursive: true });
  const db = `sql:${directory}`;
  const created = run('certutil', ['-N', '--empty-password', '-d', db]);
  if (created.status !== 0) throw new Error(`certutil -N failed: ${created.stderr}`);
  const added = run('certutil', ['-A', '-d', db, '-n', 'root', '-t', 'CT,C,C', '-i', rootPemPath]);
  if (added.status !== 0) throw new Error(`certutil -A failed: ${added.stderr}`);
  return db;
}

export function pdfsigReport(file: string, nssDb: string): { blocks: string[]; raw: string } {
  const result = run('pdfsig', ['-nssdir', nssDb, file]);
  return { blocks: result.stdout.split(/^Signature #\d+:$/m).slice(1), raw: result.stdout + result.stderr };
}

export function qpdfCheck(file: string): { status: number; output: string } {
  const result = run('qpdf', ['--check', file]);
  return { status: result.status, output: result.stdout + result.stderr };
}

/** openssl cms -verify of signature `index` over exactly the bytes its /ByteRange covers. */
export async function opensslVerifySignature(
  file: string,
  index: number,
  dir: string,
  caFile: string,
): Promise<{ status: number; output: string }> {
  const signature = (await listSignatures(file))[index];
  if (signature?.byteRange === undefined) throw new Error(`no signature #${index}`);
  const bytes = readFileSync(file);
  const [a, b, c, d] = signature.byteRange as [number, number, number, number];
  const content = path.join(dir, `range-${index}.bin`);
  const cms = path.join(dir, `sig-${index}.der`);
  writeFileSync(content, Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]));
  writeFileSync(cms, signature.cms);
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
