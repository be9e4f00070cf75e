/**
 * The jobs of the document work pool (ADR 016), run on a worker thread or, with SHOMEI_PDF_WORKERS=0,
 * on the calling thread. Every job reads its PDFs under one decode budget (src/pdf/budget.ts). Only
 * the PDF module is loaded up front (the validator and the contracts module on first use), so a
 * worker starts without the server's module graph.
 */

import type { MessagePort } from 'node:worker_threads';
import type { PreparedPdfSignature, RevocationInformation } from '../ades/index.ts';
import type { ActCompletion, ActPreparation, CompletionAssemblyInput } from '../contracts/index.ts';
import {
  openPdf,
  type PdfBudgetLimits,
  pdfBudgetDefaults,
  setPdfBudgetDefaults,
  withPdfBudget,
} from '../pdf/index.ts';
import type { ValidationOptions, ValidationReport } from '../validation/index.ts';
import { asBuffers, callerOn, type JobOutcome, outcomeOf } from '../work/index.ts';

/** Validation options that survive a structured clone (no fetcher function: online uses HTTP). */
export type PortableValidationOptions = Omit<ValidationOptions, 'fetcher'>;

export interface WorkJobs {
  /** A PDF or a detached CAdES signature (with its data) validated into a report. */
  validate(input: {
    document: Uint8Array;
    data?: Uint8Array | undefined;
    options: PortableValidationOptions;
  }): Promise<ValidationReport>;
  /** Pages of an uploaded PDF (opens and walks the page tree: the upload check). */
  pageCount(input: { bytes: Uint8Array; maxFileBytes: number }): Promise<number>;
  /** A completed document's PDF work; revocation and timestamps are asked of the caller on `port`. */
  assembleCompleted(input: {
    assembly: CompletionAssemblyInput;
    port: MessagePort;
    revocationCertificates: readonly Uint8Array[];
    issuerLookup: boolean;
  }): Promise<Uint8Array>;
  /** An act's signature revision up to the digest the main thread has the HSM sign (ADR 034). */
  prepareSignature(input: { preparation: ActPreparation }): Promise<PreparedPdfSignature>;
  /** An act's CMS embedded; the signature timestamp is asked of the caller on `port`. */
  completeSignature(input: { completion: ActCompletion; port: MessagePort }): Promise<Uint8Array>;
}

const jobs: WorkJobs = {
  // Imported on first use: a worker that only checks uploads never loads the validator's graph.
  validate: async ({ document, data, options }) =>
    (await import('../validation/index.ts')).validateDocument(document, data, options),
  assembleCompleted: async ({ assembly, port, revocationCertificates, issuerLookup }) => {
    const call = callerOn(port);
    const { assembleCompletedDocument } = await import('../contracts/index.ts');
    try {
      return await assembleCompletedDocument(asBuffers(assembly), {
        revocationSource: {
          revocationFor: (certificate, issuer) =>
            call('revocationFor', certificate, issuer) as Promise<RevocationInformation>,
          certificates: asBuffers(revocationCertificates),
          ...(issuerLookup
            ? { issuerOf: (certificate) => call('issuerOf', certificate) as Promise<Uint8Array | undefined> }
            : {}),
        },
        tsa: {
          timestamp: (digest, algorithm) => call('timestamp', digest, algorithm) as Promise<Uint8Array>,
        },
      });
    } finally {
      port.close();
    }
  },
  prepareSignature: async ({ preparation }) =>
    (await import('../contracts/index.ts')).prepareActSignature(asBuffers(preparation)),
  completeSignature: async ({ completion, port }) => {
    const call = callerOn(port);
    const { completeActSignature } = await import('../contracts/index.ts');
    try {
      return await completeActSignature(asBuffers(completion), {
        tsa: {
          timestamp: (digest, algorithm) => call('timestamp', digest, algorithm) as Promise<Uint8Array>,
        },
      });
    } finally {
      port.close();
    }
  },
  pageCount: async ({ bytes, maxFileBytes }) => {
    const reader = await openPdf(bytes, { limits: { maxFileBytes } });
    try {
      return reader.pageCount();
    } finally {
      reader.close();
    }
  },
};

/** Called once in each worker with the pool's settings. */
export function configureWorker(settings: {
  readonly budget: PdfBudgetLimits;
  readonly warmContracts?: boolean;
}): void {
  setPdfBudgetDefaults(settings.budget);
  // The signed-in users' pool loads the contracts module as it starts, not inside a user's first act,
  // where the seconds of loading counted against the job's deadline (ADR 034). A failure here is
  // the job's own import failing again, reported there.
  if (settings.warmContracts === true) import('../contracts/index.ts').catch(() => {});
}

/** Jobs on our own signed documents that wait for the HSM, CA or TSA between reads. */
const OWN_DOCUMENT_JOBS = new Set(['assembleCompleted', 'prepareSignature', 'completeSignature']);

export function runJob(job: string, input: unknown): Promise<JobOutcome> {
  const run = jobs[job as keyof WorkJobs] as ((input: unknown) => Promise<unknown>) | undefined;
  if (run === undefined) return outcomeOf(async () => Promise.reject(new Error(`unknown job ${job}`)));
  // Completion and the acts read our own signed documents and wait for the CA and TSA between reads:
  // no wall-time budget there (the pool's job deadline still applies); every other job reads untrusted input.
  const limits = OWN_DOCUMENT_JOBS.has(job)
    ? { ...pdfBudgetDefaults(), maxMillis: Number.POSITIVE_INFINITY }
    : pdfBudgetDefaults();
  return outcomeOf(() => withPdfBudget(limits, () => run(input)));
}
