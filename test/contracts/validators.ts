/** Outside validators on final PDFs: pdfsig (NSS database trusting the embedded root), qpdf, openssl cms. */
import { opensslCmsVerify, signedRangeFiles } from '../ades/validators.ts';
import { run, runAsync } from '../helpers/run.ts';

export { qpdfCheck, trustingNssDb } from '../ades/validators.ts';

export function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

export interface PdfsigReport {
  readonly blocks: string[];
  readonly raw: string;
}

function pdfsigBlocks(result: { stdout: string; stderr: string }): PdfsigReport {
  return { blocks: result.stdout.split(/^Signature #\d+:$/m).slice(1), raw: result.stdout + result.stderr };
}

export function pdfsigReport(file: string, nssDb: string): PdfsigReport {
  return pdfsigBlocks(run('pdfsig', ['-nssdir', nssDb, file]));
}

/** pdfsig while a server in this process answers the OCSP requests it makes (see runAsync). */
export async function pdfsigReportAsync(file: string, nssDb: string): Promise<PdfsigReport> {
  return pdfsigBlocks(await runAsync('pdfsig', ['-nssdir', nssDb, file]));
}

/** openssl cms -verify of signature `index` over exactly the bytes its /ByteRange covers. */
export async function opensslVerifySignature(
  file: string,
  index: number,
  dir: string,
  caFile: string,
): Promise<{ status: number; output: string }> {
  const files = await signedRangeFiles(file, index, dir);
  return opensslCmsVerify(files.cms, files.content, caFile);
}
