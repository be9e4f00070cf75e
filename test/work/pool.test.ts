/**
 * The document work pool (ADR 016): jobs run on worker threads, a job past its deadline is stopped by
 * terminating its worker (the next job runs on a fresh one), the queue is bounded, typed errors
 * cross the thread boundary intact, and with no workers jobs run on the calling thread.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import { DEFAULT_PDF_BUDGET } from '../../src/pdf/index.ts';
import { WorkPool, type WorkSettings } from '../../src/work/index.ts';
import { runJob } from './test-jobs.ts';

const jobs = {
  url: pathToFileURL(path.join(import.meta.dirname, 'test-jobs.ts')).href,
  runInline: runJob,
};
const settings: WorkSettings = {
  workers: 1,
  queue: 1,
  jobSeconds: 1,
  queueSeconds: 60,
  workerHeapMb: 128,
  budget: DEFAULT_PDF_BUDGET,
};
const pool = new WorkPool(settings, jobs);
after(() => pool.close());

const typed = (code: string) => (error: unknown) => {
  const e = error as { code?: string; messages?: { ja: string; en: string } };
  assert.equal(e.code, code);
  assert.ok((e.messages?.ja.length ?? 0) > 0 && (e.messages?.en.length ?? 0) > 0);
  return true;
};

describe('document work pool', () => {
  it('runs a job on a worker thread and returns its result', async () => {
    const worker = await pool.run<number>('whoami', undefined);
    assert.notEqual(worker, threadId);
    assert.deepEqual(await pool.run('echo', { a: [1, 2], b: new Uint8Array([7]) }), {
      a: [1, 2],
      b: new Uint8Array([7]),
    });
  });

  it('a typed error of a job arrives with its code, texts, status and details', async () => {
    await assert.rejects(pool.run('refuse', undefined), (error: unknown) => {
      typed('SHOMEI_TEST_REFUSED')(error);
      const e = error as { status: number; details: Record<string, unknown> };
      assert.equal(e.status, 409);
      assert.deepEqual(e.details, { job: 'refuse' });
      return true;
    });
  });

  it('a job past its deadline fails typed and its worker is replaced; beyond the queue, busy at once', async () => {
    const before = await pool.run<number>('whoami', undefined);
    const running = pool.run('spin', undefined);
    const queued = pool.run('spin', undefined);
    // One running and one queued: the next is refused without waiting for either.
    await assert.rejects(pool.run('whoami', undefined), typed('SHOMEI_WORK_BUSY'));
    await assert.rejects(running, typed('SHOMEI_WORK_TIMEOUT'));
    await assert.rejects(queued, typed('SHOMEI_WORK_TIMEOUT'));
    const afterwards = await pool.run<number>('whoami', undefined);
    assert.notEqual(afterwards, before, 'the spinning worker was terminated, a fresh one answers');
  });

  it('a job that waits in the queue longer than queueSeconds is refused as busy', async () => {
    const short = new WorkPool({ ...settings, queue: 4, jobSeconds: 5, queueSeconds: 0.5 }, jobs);
    try {
      // A cold worker's start counts as waiting: ask until one is up.
      for (let tries = 0; ; tries += 1) {
        try {
          await short.run('whoami', undefined);
          break;
        } catch (error) {
          if (tries > 60 || (error as { code?: string }).code !== 'SHOMEI_WORK_BUSY') throw error;
        }
      }
      const spinning = short.run('spin', undefined);
      await assert.rejects(short.run('whoami', undefined), typed('SHOMEI_WORK_BUSY'));
      await assert.rejects(spinning, typed('SHOMEI_WORK_TIMEOUT'));
    } finally {
      await short.close();
    }
  });

  it('with no workers, jobs run on the calling thread', async () => {
    const inline = new WorkPool({ ...settings, workers: 0 }, jobs);
    assert.equal(await inline.run<number>('whoami', undefined), threadId);
    await assert.rejects(inline.run('refuse', undefined), typed('SHOMEI_TEST_REFUSED'));
    await inline.close();
  });
});
