/**
 * The document work pool of this process (ADR 016) and its typed jobs, for the server routes, the
 * contracts service and the CLI.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot, type ShomeiConfig } from '../config/index.ts';
import { setPdfBudgetDefaults } from '../pdf/index.ts';
import type { ValidationReport } from '../validation/index.ts';
import { WorkPool } from '../work/index.ts';
import { type PortableValidationOptions, runJob, type WorkJobs } from './work-jobs.ts';

export interface DocumentWork extends WorkJobs {
  /** Threads doing the work (0: the calling thread). */
  readonly threads: number;
  close(): Promise<void>;
}

export function openDocumentWork(config: ShomeiConfig): DocumentWork {
  // PDFs read on this thread (signing, completion) spend from the same per-document budget.
  setPdfBudgetDefaults(config.work.budget);
  const pool = new WorkPool(
    { ...config.work },
    // From the package root, not import.meta.url: this file may run from the CLI bundle (dist/).
    { url: pathToFileURL(path.join(packageRoot(), 'src', 'app', 'work-jobs.ts')).href, runInline: runJob },
  );
  return {
    threads: pool.threads,
    validate: (input) => pool.run<ValidationReport>('validate', input),
    pageCount: (input) => pool.run<number>('pageCount', input),
    close: () => pool.close(),
  };
}

export type { PortableValidationOptions };
