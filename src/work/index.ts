/**
 * The document work pool: heavy PDF work on bounded worker threads with a deadline per job (ADR 016).
 * Jobs themselves are named functions of a jobs module given by the composition root.
 */
export { workBusy, workFailed, workTimedOut } from './errors.ts';
export { type JobRunner, type WorkerJobsModule, WorkPool, type WorkSettings } from './pool.ts';
export { type JobOutcome, outcomeOf, unwrapOutcome } from './protocol.ts';
export { asBuffers, callerOn, serveCalls } from './rpc.ts';
