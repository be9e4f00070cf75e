/** Entry points: validate a PDF or a detached CAdES signature and build the report. */

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isShomeiError } from '../errors/index.ts';
import type { ParsedCertificate } from '../pki/index.ts';
import { validateCadesSignature } from './cades.ts';
import { summarise } from './certificates.ts';
import { newContext } from './context.ts';
import { detachedDataMissing, inputTooLarge, unusableInput } from './errors.ts';
import { parseCertificateOnce } from './facts.ts';
import { validatePdfSignatures } from './pdf.ts';
import type { ValidationPolicy } from './policy.ts';
import { DEFAULT_POLICY, sortFindings } from './policy.ts';
import { httpRevocationFetcher } from './revocation.ts';
import type { Indication, SignatureValidationResult, ValidationOptions, ValidationReport } from './types.ts';

/** Largest document or signature accepted for validation. */
export const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

const RANK: Record<Indication, number> = { TOTAL_PASSED: 0, INDETERMINATE: 1, TOTAL_FAILED: 2 };

function anchorsOf(options: ValidationOptions): ParsedCertificate[] {
  return options.trustAnchors.map((der) => {
    try {
      return parseCertificateOnce(der);
    } catch (error) {
      throw unusableInput('a trust anchor is not a certificate', {
        cause: isShomeiError(error) ? error.code : 'parse',
      });
    }
  });
}

function report(
  type: 'pdf' | 'cades',
  bytes: Uint8Array,
  anchors: readonly ParsedCertificate[],
  options: ValidationOptions,
  validationTime: Date,
  results: SignatureValidationResult[],
  revisions?: number,
): ValidationReport {
  const policy = options.policy ?? DEFAULT_POLICY;
  const signatures = results.map((result) => settleWarnings(result, policy));
  const worst = signatures.reduce<Indication>(
    (w, s) => (RANK[s.indication] > RANK[w] ? s.indication : w),
    'TOTAL_PASSED',
  );
  return {
    schema: 'https://shomei.example/schemas/validation-report/v1',
    validationTime: validationTime.toISOString(),
    document: {
      type,
      ...(options.name ? { name: options.name } : {}),
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      revisions,
    },
    policy: {
      name: policy.name,
      digest: policy.digest,
      trustAnchors: anchors.map(summarise),
      online: options.online === true,
    },
    indication: worst,
    signatures,
  };
}

/**
 * The policy's word on each result's warnings (failures were sorted where they were found): INFORM
 * moves a warning to information, FAIL makes it a failed acceptance constraint, the worse indication winning.
 */
function settleWarnings(
  result: SignatureValidationResult,
  policy: ValidationPolicy,
): SignatureValidationResult {
  const sorted = sortFindings(policy, [], result.warnings, result.information);
  const { information: _, ...rest } = result;
  const settled = {
    ...rest,
    warnings: sorted.warnings,
    ...(sorted.information.length > 0 ? { information: sorted.information } : {}),
  };
  const raised = sorted.verdicts[0];
  if (raised === undefined) return settled;
  if (RANK[raised.indication] <= RANK[settled.indication] && settled.indication !== 'TOTAL_PASSED')
    return { ...settled, reasons: [...settled.reasons, ...sorted.verdicts.map((v) => v.reason)] };
  return {
    ...settled,
    indication: raised.indication,
    subIndication: raised.subIndication,
    reasons: [...sorted.verdicts.map((v) => v.reason), ...settled.reasons],
  };
}

function contextFor(options: ValidationOptions) {
  const anchors = anchorsOf(options);
  const time = options.validationTime ?? new Date();
  const fetcher = options.online ? (options.fetcher ?? httpRevocationFetcher) : undefined;
  const context = newContext(anchors, fetcher, time, options.policy ?? DEFAULT_POLICY);
  context.pool.add(...anchors);
  return { anchors, time, context };
}

/** Any failure that is not already typed (a library's TypeError, a stack overflow) becomes one typed error. */
async function typed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isShomeiError(error)) throw error;
    throw unusableInput(`${what} could not be processed`, { error: (error as Error)?.name ?? 'unknown' });
  }
}

export async function validatePdf(bytes: Uint8Array, options: ValidationOptions): Promise<ValidationReport> {
  if (bytes.length > MAX_DOCUMENT_BYTES) throw inputTooLarge('PDF', bytes.length, MAX_DOCUMENT_BYTES);
  const { anchors, time, context } = contextFor(options);
  const { results, revisions } = await typed('the PDF', () => validatePdfSignatures(bytes, context));
  return report('pdf', bytes, anchors, options, time, results, revisions);
}

export async function validateCades(
  signature: Uint8Array,
  data: Uint8Array | undefined,
  options: ValidationOptions,
): Promise<ValidationReport> {
  if (data === undefined) throw detachedDataMissing();
  if (data.length > MAX_DOCUMENT_BYTES) throw inputTooLarge('data', data.length, MAX_DOCUMENT_BYTES);
  const { anchors, time, context } = contextFor(options);
  const result = await typed('the CAdES signature', () => validateCadesSignature(signature, data, context));
  return report('cades', signature, anchors, options, time, [result]);
}

/** A PDF by its header, anything else as a CAdES signature. */
export async function validateDocument(
  document: Uint8Array,
  data: Uint8Array | undefined,
  options: ValidationOptions,
): Promise<ValidationReport> {
  const head = Buffer.from(document.subarray(0, 1024)).toString('latin1');
  if (head.includes('%PDF-')) return validatePdf(document, options);
  if (document[0] === 0x30) return validateCades(document, data, options);
  throw unusableInput('neither a PDF nor a DER CMS signature');
}

export async function readLimited(file: string, what: string): Promise<Buffer> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw unusableInput(`${what} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'I/O error'})`);
  }
  if (size > MAX_DOCUMENT_BYTES) throw inputTooLarge(what, size, MAX_DOCUMENT_BYTES);
  return readFile(file);
}

/** Exit status of `shomei verify`: 0 all passed, 1 otherwise. */
export const exitCodeOf = (report: ValidationReport): number =>
  report.indication === 'TOTAL_PASSED' ? 0 : 1;
