/**
 * The document work pool of this process (ADR 016) and its typed jobs, for the server routes, the
 * contracts service and the CLI.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import type { PreparedPdfSignature, TimestampAuthority } from '../ades/index.ts';
import { packageRoot, prebuiltEntry, type ShomeiConfig } from '../config/index.ts';
import type {
  ActCompletion,
  ActPreparation,
  CompletionAssemblyInput,
  CompletionProvider,
} from '../contracts/index.ts';
import { setPdfBudgetDefaults } from '../pdf/index.ts';
import type { ValidationReport } from '../validation/index.ts';
import { asBuffers, serveCalls, WorkPool, type WorkSettings } from '../work/index.ts';
import { type PortableValidationOptions, runJob, type WorkJobs } from './work-jobs.ts';

export interface DocumentWork
  extends Omit<WorkJobs, 'assembleCompleted' | 'prepareSignature' | 'completeSignature'> {
  /** Threads doing the work (0: the calling thread). */
  readonly threads: number;
  /** `validate` for anonymous callers (POST /api/verify), on a pool and queue of their own. */
  readonly validatePublic: WorkJobs['validate'];
  /** The contracts module's completion PDF work on a worker (absent without workers). */
  readonly assembleCompleted?: (
    assembly: CompletionAssemblyInput,
    provider: CompletionProvider,
  ) => Promise<Buffer>;
  /** A signature act's PDF halves on a worker (absent without workers); the HSM signs in between here. */
  readonly prepareSignature?: (preparation: ActPreparation) => Promise<PreparedPdfSignature>;
  readonly completeSignature?: (
    completion: ActCompletion,
    provider: { readonly tsa: TimestampAuthority },
  ) => Promise<Buffer>;
  close(): Promise<void>;
}

export function openDocumentWork(config: ShomeiConfig): DocumentWork {
  // PDFs read on this thread (signing, completion) spend from the same per-document budget.
  setPdfBudgetDefaults(config.work.budget);
  // Workers load the prebuilt jobs module when it is current (no TypeScript loader per thread, ADR 031);
  // the sources otherwise. From the package root, not import.meta.url: this file may run from dist/.
  const jobs = {
    url:
      prebuiltEntry('work-jobs') ??
      pathToFileURL(path.join(packageRoot(), 'src', 'app', 'work-jobs.ts')).href,
    runInline: runJob,
  };
  // Passed on to configureWorker in each thread (work-jobs.ts): users' acts and completions run here.
  const settings: WorkSettings & { readonly warmContracts: boolean } = {
    ...config.work,
    warmContracts: true,
  };
  const pool = new WorkPool(settings, jobs);
  // Anonymous verification gets its own threads and queue (half of them, at least one): a flood of
  // hostile documents then waits or is refused there, never in front of users' uploads and completions.
  // Its queue is short (503 beyond it), its heap and decode budget smaller, its threads niced, so the
  // flood neither holds much memory nor takes the CPU from signed-in users (issue #16 load test).
  const lane = config.work.publicLane;
  const publicPool = new WorkPool(
    {
      ...config.work,
      workers: config.work.workers === 0 ? 0 : Math.max(1, Math.floor(config.work.workers / 2)),
      queue: lane.queue,
      workerHeapMb: lane.workerHeapMb,
      budget: { ...config.work.budget, maxDecodedBytes: lane.maxDecodedBytes },
      nice: lane.nice,
      collectAfterJob: true,
    },
    jobs,
  );
  return {
    threads: pool.threads,
    validate: (input) => pool.run<ValidationReport>('validate', input),
    validatePublic: (input) => publicPool.run<ValidationReport>('validate', input),
    pageCount: (input) => pool.run<number>('pageCount', input),
    // Without workers the contracts module assembles on this thread itself (no calls to proxy).
    ...(pool.threads === 0
      ? {}
      : {
          assembleCompleted: (assembly, provider) => assemble(pool, assembly, provider),
          prepareSignature: async (preparation) =>
            asBuffers(await pool.run<PreparedPdfSignature>('prepareSignature', { preparation })),
          completeSignature: (completion, provider) => completeSignature(pool, completion, provider.tsa),
        }),
    close: async () => {
      await Promise.all([pool.close(), publicPool.close()]);
    },
  };
}

/** The completion's PDF work on a worker; its revocation and timestamp requests are served here. */
async function assemble(
  pool: WorkPool,
  assembly: CompletionAssemblyInput,
  provider: CompletionProvider,
): Promise<Buffer> {
  const { port1, port2 } = new MessageChannel();
  const source = provider.revocationSource;
  serveCalls(port1, {
    revocationFor: (certificate: Uint8Array, issuer: Uint8Array) => source.revocationFor(certificate, issuer),
    issuerOf: async (certificate: Uint8Array) => source.issuerOf?.(certificate),
    timestamp: (digest: Uint8Array, algorithm: Parameters<TimestampAuthority['timestamp']>[1]) =>
      provider.tsa.timestamp(digest, algorithm),
  });
  try {
    const bytes = await pool.run<Uint8Array>(
      'assembleCompleted',
      {
        assembly,
        port: port2,
        revocationCertificates: source.certificates ?? [],
        issuerLookup: source.issuerOf !== undefined,
      },
      [port2],
    );
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } finally {
    port1.close();
  }
}

/** An act's CMS embedded on a worker; its signature timestamp request is served here. */
async function completeSignature(
  pool: WorkPool,
  completion: ActCompletion,
  tsa: TimestampAuthority,
): Promise<Buffer> {
  const { port1, port2 } = new MessageChannel();
  serveCalls(port1, {
    timestamp: (digest: Uint8Array, algorithm: Parameters<TimestampAuthority['timestamp']>[1]) =>
      tsa.timestamp(digest, algorithm),
  });
  try {
    const bytes = await pool.run<Uint8Array>('completeSignature', { completion, port: port2 }, [port2]);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } finally {
    port1.close();
  }
}

export type { PortableValidationOptions };
