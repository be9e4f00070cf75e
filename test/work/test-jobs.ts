/** Jobs for test/work/pool.test.ts: who runs me, a job that never ends, a typed failure. */
import { threadId } from 'node:worker_threads';
import { shomeiError } from '../../src/errors/index.ts';
import { type JobOutcome, outcomeOf } from '../../src/work/index.ts';

export function configureWorker(): void {}

export function runJob(job: string, input: unknown): Promise<JobOutcome> {
  return outcomeOf(async () => {
    if (job === 'whoami') return threadId;
    if (job === 'spin') for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    if (job === 'echo') return input;
    throw shomeiError('SHOMEI_TEST_REFUSED', 'テストの拒否', 'refused by the test', {
      status: 409,
      details: { job },
    });
  });
}
