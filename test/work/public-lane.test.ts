/**
 * The anonymous verification lane (issue #16 load test): POST /api/verify runs on threads of its own
 * whose queue is short — beyond it a typed 503 at once, not a wait behind the flood — whose decode
 * budget is smaller than signed-in users', and which run at a lower CPU priority (the kernel's
 * niceness of the worker thread, read from /proc, is the judge).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/index.ts';
import { openTestShomei } from '../helpers/home.ts';
import { objectStreamBomb } from '../helpers/object-stream-bomb.ts';

const MiB = 1024 * 1024;
let shomei: Awaited<ReturnType<typeof openTestShomei>>;
let app: FastifyInstance;
let base: string;

before(async () => {
  shomei = await openTestShomei({
    SHOMEI_VERIFY_RATE_LIMIT: '0',
    SHOMEI_PDF_WORKERS: '2',
    SHOMEI_PDF_PUBLIC_QUEUE: '1',
    SHOMEI_PDF_PUBLIC_NICE: '12',
  });
  app = await buildServer(shomei);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
});
after(async () => {
  await app?.close();
  await shomei?.close();
});

/** Niceness of each thread of this process (field 19 of /proc/self/task/<tid>/stat). */
function threadNiceness(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('the public verification lane', () => {
  it('refuses beyond its short queue with 503 at once, reads under the smaller budget, and runs niced', async () => {
    const bomb = objectStreamBomb();
    assert.ok(!threadNiceness().includes(12), 'no niced thread before the lane starts');
    const answers = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const response = await fetch(`${base}/api/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/pdf' },
          body: bomb,
        });
        return {
          status: response.status,
          error: ((await response.json()) as { error: { code: string; message: { en: string } } }).error,
        };
      }),
    );
    // One worker and one place in the queue: of six at once, at most two are read, the rest refused.
    const busy = answers.filter((a) => a.status === 503);
    assert.ok(busy.length >= 4, JSON.stringify(answers));
    assert.ok(busy.every((a) => a.error.code === 'SHOMEI_WORK_BUSY'));
    const read = answers.filter((a) => a.status === 422);
    assert.ok(read.length >= 1, JSON.stringify(answers));
    for (const a of read) {
      assert.equal(a.error.code, 'SHOMEI_PDF_BUDGET_EXCEEDED');
      // The lane's budget, half of signed-in users' (the limit is named in the message).
      assert.match(a.error.message.en, new RegExp(`decoded bytes: limit ${64 * MiB}\\)`));
    }
    assert.equal(shomei.config.work.budget.maxDecodedBytes, 128 * MiB);
    // The lane's thread runs at the configured niceness; the event loop's thread does not.
    const niceness = threadNiceness();
    assert.equal(niceness.filter((n) => n === 12).length, 1, JSON.stringify(niceness));
    assert.equal(niceness[0], 0);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });
});
