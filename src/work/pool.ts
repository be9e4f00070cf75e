/**
 * The document work pool (ADR 016): PDF parsing, validation and assembly on a bounded set of worker
 * threads, so that one hostile or heavy document cannot stall the event loop that answers every other
 * request, and so that a second core does PDF work. Each job has a deadline from its start on a
 * worker; a job still running then is stopped by terminating its worker (Piscina starts a fresh one). The queue is
 * bounded: beyond it callers get SHOMEI_WORK_BUSY at once instead of waiting behind an attack.
 * With `workers: 0` jobs run on the calling thread (the baseline of bench/envelopes.ts).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type TransferListItem } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { packageRoot } from '../config/index.ts';
import type { PdfBudgetLimits } from '../pdf/index.ts';
import { workBusy, workFailed, workTimedOut } from './errors.ts';
import { type JobOutcome, unwrapOutcome } from './protocol.ts';

export interface WorkSettings {
  /** Worker threads; 0 runs every job on the calling thread. */
  readonly workers: number;
  /** Jobs waiting for a worker before new ones are refused (SHOMEI_WORK_BUSY). */
  readonly queue: number;
  /** Deadline of one job from its start on a worker; a worker past it is terminated. */
  readonly jobSeconds: number;
  /** Longest wait for a worker (a cold worker's start included) before SHOMEI_WORK_BUSY. */
  readonly queueSeconds: number;
  /** JavaScript heap of one worker (MiB); a worker beyond it dies and its job fails. */
  readonly workerHeapMb: number;
  /** The per-document decode budget every job reads PDFs under. */
  readonly budget: PdfBudgetLimits;
  /** Niceness of each worker thread (Linux: per thread; elsewhere ignored); 0 or absent: unchanged. */
  readonly nice?: number;
  /** A full garbage collection in the worker after each job (the anonymous lane: bombs' buffers). */
  readonly collectAfterJob?: boolean;
}

/** Runs one named job on the calling thread (the jobs module's `runJob`). */
export type JobRunner = (job: string, input: unknown) => Promise<JobOutcome>;

export interface WorkerJobsModule {
  /** File URL of a module exporting `configureWorker(settings)` and `runJob(job, input)`. */
  readonly url: string;
  readonly runInline: JobRunner;
}

export class WorkPool {
  private pool: Piscina | undefined;
  private starting: Promise<Piscina> | undefined;
  private closed = false;

  constructor(
    readonly settings: WorkSettings,
    private readonly jobs: WorkerJobsModule,
  ) {}

  /** Threads doing document work (0: the calling thread does it). */
  get threads(): number {
    return this.settings.workers;
  }

  /** Runs `job`; `transfer` (e.g. a MessagePort inside `input`) moves to the worker instead of a copy. */
  async run<T>(job: string, input: unknown, transfer: readonly TransferListItem[] = []): Promise<T> {
    if (this.closed) throw workFailed('closed');
    if (this.settings.workers === 0) return unwrapOutcome(await this.jobs.runInline(job, input)) as T;
    const pool = await this.started();
    if (pool.queueSize >= this.settings.queue) throw workBusy(pool.queueSize);
    // The deadline runs from the job's start on a worker (reported through a port), so that a
    // worker's own start-up or a wait in the bounded queue is not counted against the document.
    // A job that waits in the queue longer than queueSeconds is refused as busy instead.
    const deadline = new AbortController();
    const { port1: started, port2: startedPort } = new MessageChannel();
    let running = false;
    let timer = setTimeout(() => deadline.abort(), this.settings.queueSeconds * 1000);
    started.once('message', () => {
      running = true;
      clearTimeout(timer);
      timer = setTimeout(() => deadline.abort(), this.settings.jobSeconds * 1000);
    });
    let outcome: JobOutcome;
    try {
      outcome = await pool.run(
        { job, input, started: startedPort },
        { signal: deadline.signal, transferList: [startedPort, ...transfer] as never },
      );
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'AbortError')
        throw running ? workTimedOut(this.settings.jobSeconds) : workBusy(pool.queueSize);
      if ((error as Error)?.message === 'Task queue is at limit') throw workBusy(pool.queueSize);
      // A worker that died (heap limit, crash) takes its job with it; Piscina replaces the worker.
      throw workFailed((error as { code?: string })?.code ?? name ?? 'worker');
    } finally {
      clearTimeout(timer);
      started.close();
    }
    return unwrapOutcome(outcome) as T;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool ?? (await this.starting?.catch(() => undefined));
    this.pool = undefined;
    this.starting = undefined;
    await pool?.destroy();
  }

  /**
   * Workers start on first use: a CLI command or test that never parses a PDF pays nothing, and an idle
   * server does not hold piscina's modules either (ADR 045); concurrent first jobs share one start.
   */
  private started(): Promise<Piscina> {
    if (this.pool !== undefined) return Promise.resolve(this.pool);
    this.starting ??= import('piscina').then(({ Piscina }) => {
      this.pool = this.create(Piscina);
      return this.pool;
    });
    return this.starting;
  }

  private create(Pool: typeof Piscina): Piscina {
    const pool = new Pool({
      // From the package root: this file may run from the CLI bundle (dist/), the worker never does.
      filename: pathToFileURL(path.join(packageRoot(), 'src', 'work', 'worker.mjs')).href,
      // Started on first use, then kept: a thread loads the PDF code (and the validator or contracts
      // module on its first such job) afresh, seconds of CPU that an idle timeout would pay again.
      minThreads: this.settings.workers,
      maxThreads: this.settings.workers,
      maxQueue: this.settings.queue,
      idleTimeout: 60_000,
      // A small young generation: a worker's short-lived garbage is collected sooner, ~40 MiB less RSS
      // over three workers with the validator loaded (issue #16 load test), at no measurable cost.
      resourceLimits: { maxOldGenerationSizeMb: this.settings.workerHeapMb, maxYoungGenerationSizeMb: 8 },
      workerData: { jobsModule: this.jobs.url, settings: this.settings },
    });
    // A worker that dies (heap limit, terminated at a deadline) fails its own job; the pool's
    // 'error' event must not take the process down with it.
    pool.on('error', () => {});
    return pool;
  }
}
