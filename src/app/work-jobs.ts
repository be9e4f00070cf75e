/**
 * The jobs of the document work pool (ADR 016), run on a worker thread or, with SHOMEI_PDF_WORKERS=0,
 * on the calling thread. Every job reads its PDFs under one decode budget (src/pdf/budget.ts). Only
 * the PDF module is loaded up front (the validator on first use), so a worker starts without the
 * server's module graph.
 */
import {
  openPdf,
  type PdfBudgetLimits,
  pdfBudgetDefaults,
  setPdfBudgetDefaults,
  withPdfBudget,
} from '../pdf/index.ts';
import type { ValidationOptions, ValidationReport } from '../validation/index.ts';
import { type JobOutcome, outcomeOf } from '../work/index.ts';

/** Validation options that survive a structured clone (no fetcher function: online uses HTTP). */
export type PortableValidationOptions = Omit<ValidationOptions, 'fetcher'>;

export interface WorkJobs {
  /** A PDF or a detached CAdES signature (with its data) validated into a report. */
  validate(input: {
    document: Uint8Array;
    data?: Uint8Array;
    options: PortableValidationOptions;
  }): Promise<ValidationReport>;
  /** Pages of an uploaded PDF (opens and walks the page tree: the upload check). */
  pageCount(input: { bytes: Uint8Array; maxFileBytes: number }): Promise<number>;
}

const jobs: WorkJobs = {
  // Imported on first use: a worker that only checks uploads never loads the validator's graph.
  validate: async ({ document, data, options }) =>
    (await import('../validation/index.ts')).validateDocument(document, data, options),
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
export function configureWorker(settings: { readonly budget: PdfBudgetLimits }): void {
  setPdfBudgetDefaults(settings.budget);
}

export function runJob(job: string, input: unknown): Promise<JobOutcome> {
  const run = jobs[job as keyof WorkJobs] as ((input: unknown) => Promise<unknown>) | undefined;
  if (run === undefined) return outcomeOf(async () => Promise.reject(new Error(`unknown job ${job}`)));
  return outcomeOf(() => withPdfBudget(pdfBudgetDefaults(), () => run(input)));
}
