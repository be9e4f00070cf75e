/**
 * Settings of the document work pool and the per-document PDF decode budget (issue #16 F3, ADR 016),
 * and the per-address limit of the public verification endpoint. Read with the rest of the
 * configuration by loadConfig.
 */
import { availableParallelism } from 'node:os';
import * as z from 'zod';
import { parseSettings } from './parse.ts';

export interface WorkConfig {
  /** Worker threads for PDF work (SHOMEI_PDF_WORKERS; 0: on the main thread). */
  readonly workers: number;
  /** Jobs waiting for a worker before new ones are refused with 503 (SHOMEI_PDF_WORK_QUEUE). */
  readonly queue: number;
  /** Deadline of one job; its worker is terminated after it (SHOMEI_PDF_JOB_SECONDS). */
  readonly jobSeconds: number;
  /** Longest wait in the queue before 503 (SHOMEI_PDF_QUEUE_SECONDS). */
  readonly queueSeconds: number;
  /** JavaScript heap of one worker, MiB (SHOMEI_PDF_WORKER_HEAP_MB). */
  readonly workerHeapMb: number;
  readonly budget: {
    /** Bytes inflated over all streams of one document (SHOMEI_PDF_MAX_DECODED_BYTES). */
    readonly maxDecodedBytes: number;
    /** Indirect objects parsed for one document (SHOMEI_PDF_MAX_OBJECTS_PARSED). */
    readonly maxObjectsParsed: number;
    /** Wall time reading one document, ms (SHOMEI_PDF_PARSE_SECONDS × 1000). */
    readonly maxMillis: number;
  };
  /** POST /api/verify per client address (SHOMEI_VERIFY_RATE_LIMIT, requests/minute; 0: off). */
  readonly verifyPerMinute: number;
  /**
   * The anonymous verification lane (POST /api/verify): its own threads, a short queue, a smaller
   * heap and decode budget, and a lower CPU priority than the threads that serve signed-in users.
   */
  readonly publicLane: {
    /** Jobs waiting before 503 SHOMEI_WORK_BUSY (SHOMEI_PDF_PUBLIC_QUEUE). */
    readonly queue: number;
    /** JavaScript heap of a public worker, MiB (SHOMEI_PDF_PUBLIC_HEAP_MB). */
    readonly workerHeapMb: number;
    /** Bytes inflated over all streams of one anonymous document (SHOMEI_PDF_PUBLIC_MAX_DECODED_BYTES). */
    readonly maxDecodedBytes: number;
    /** Niceness of a public worker thread, 0–19 (SHOMEI_PDF_PUBLIC_NICE; Linux per-thread). */
    readonly nice: number;
  };
}

const schema = z.object({
  SHOMEI_PDF_WORKERS: z.coerce.number().int().min(0).max(64).optional(),
  SHOMEI_PDF_WORK_QUEUE: z.coerce.number().int().min(1).max(10_000).default(64),
  SHOMEI_PDF_JOB_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  SHOMEI_PDF_QUEUE_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  SHOMEI_PDF_WORKER_HEAP_MB: z.coerce.number().int().min(64).max(16_384).default(512),
  SHOMEI_PDF_MAX_DECODED_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .max(8 * 1024 * 1024 * 1024)
    .default(128 * 1024 * 1024),
  SHOMEI_PDF_MAX_OBJECTS_PARSED: z.coerce.number().int().min(1000).max(100_000_000).default(1_000_000),
  SHOMEI_PDF_PARSE_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  SHOMEI_VERIFY_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000).default(30),
  SHOMEI_PDF_PUBLIC_QUEUE: z.coerce.number().int().min(1).max(10_000).default(8),
  SHOMEI_PDF_PUBLIC_HEAP_MB: z.coerce.number().int().min(64).max(16_384).default(192),
  SHOMEI_PDF_PUBLIC_MAX_DECODED_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .max(8 * 1024 * 1024 * 1024)
    .default(64 * 1024 * 1024),
  SHOMEI_PDF_PUBLIC_NICE: z.coerce.number().int().min(0).max(19).default(10),
});

/** The work settings of `env`; a bad one stops start-up naming it (SHOMEI_CONFIG_INVALID). */
export function workConfig(env: NodeJS.ProcessEnv): WorkConfig {
  const e = parseSettings(schema, env);
  return {
    // Both cores by default: one worker per core (the main thread mostly waits on I/O and the HSM).
    workers: e.SHOMEI_PDF_WORKERS ?? Math.max(1, availableParallelism()),
    queue: e.SHOMEI_PDF_WORK_QUEUE,
    jobSeconds: e.SHOMEI_PDF_JOB_SECONDS,
    queueSeconds: e.SHOMEI_PDF_QUEUE_SECONDS,
    workerHeapMb: e.SHOMEI_PDF_WORKER_HEAP_MB,
    budget: {
      maxDecodedBytes: e.SHOMEI_PDF_MAX_DECODED_BYTES,
      maxObjectsParsed: e.SHOMEI_PDF_MAX_OBJECTS_PARSED,
      maxMillis: e.SHOMEI_PDF_PARSE_SECONDS * 1000,
    },
    verifyPerMinute: e.SHOMEI_VERIFY_RATE_LIMIT,
    publicLane: {
      queue: e.SHOMEI_PDF_PUBLIC_QUEUE,
      workerHeapMb: e.SHOMEI_PDF_PUBLIC_HEAP_MB,
      // Never above the document budget of signed-in users.
      maxDecodedBytes: Math.min(e.SHOMEI_PDF_PUBLIC_MAX_DECODED_BYTES, e.SHOMEI_PDF_MAX_DECODED_BYTES),
      nice: e.SHOMEI_PDF_PUBLIC_NICE,
    },
  };
}

/** The variables this file reads, for the settings catalogue (src/app/settings-catalogue.ts). */
export { schema as workSettingsSchema };
