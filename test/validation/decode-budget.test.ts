/**
 * Issue #16 F3 written as the attack. The outside review's file — 2 MB, 20 object streams each
 * inflating to 100 MiB (every one under the per-stream cap) — once held the event loop for 24–30 s
 * and grew RSS by 900 MiB, as POST /api/verify (no login) and as an envelope upload. Here the same
 * file goes to the real server on loopback while /healthz is polled: /healthz must be answered while
 * the verification is still running (the parse happens on a worker thread), the answer is the typed
 * decode-budget error, RSS stays bounded, and the upload stores nothing. Then the per-address limit
 * of /api/verify. Latency figures are in bench/hostile-verify.ts, not here.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { DocumentWork } from '../../src/app/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { type ContractsHarness, createUser, json, login, samplePdf } from '../contracts/harness.ts';
import { openTestShomei } from '../helpers/home.ts';
import { objectStreamBomb } from '../helpers/object-stream-bomb.ts';
import { run } from '../helpers/run.ts';

const RATE_LIMIT = 6;
let shomei: Awaited<ReturnType<typeof openTestShomei>>;
let app: FastifyInstance;
let base: string;
let bomb: Buffer;
/** POST /api/verify requests sent so far (all count against the per-address limit). */
/** Set when the server hands a document to the work pool: health answers count from then on. */
let parsing = false;

before(async () => {
  bomb = objectStreamBomb();
  shomei = await openTestShomei({ SHOMEI_VERIFY_RATE_LIMIT: String(RATE_LIMIT) });
  // The pool's entry points, as the verify route and the contracts service call them, note the start
  // of the parse; if it ran on the event loop, no /healthz answer could arrive between start and end.
  const work = shomei.work as {
    validatePublic: DocumentWork['validatePublic'];
    pageCount: DocumentWork['pageCount'];
  };
  const { validatePublic, pageCount } = work;
  work.validatePublic = (input) => {
    parsing = true;
    return validatePublic(input);
  };
  work.pageCount = (input) => {
    parsing = true;
    return pageCount(input);
  };
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

function verify(body: Uint8Array): Promise<Response> {
  return fetch(`${base}/api/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/pdf' },
    body,
  });
}

/**
 * Polls /healthz until `work` settles; returns how many health answers arrived after the server
 * began parsing and before `work` settled, and the largest RSS seen meanwhile.
 */
async function whilePollingHealth<T>(
  work: Promise<T>,
): Promise<{ result: T; answered: number; peakRss: number }> {
  parsing = false;
  let settled = false;
  const done = work.finally(() => {
    settled = true;
  });
  let answered = 0;
  let peakRss = process.memoryUsage().rss;
  while (!settled) {
    const askedWhileParsing = parsing;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
    if (askedWhileParsing && !settled) answered += 1;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  return { result: await done, answered, peakRss };
}

const MiB = 1024 * 1024;

describe('a decompression-bomb PDF against the public verification endpoint and uploads', () => {
  it('is a well-formed PDF by qpdf (the same structure at 64 KiB per stream)', () => {
    const file = path.join(shomei.home, 'bomb-small.pdf');
    writeFileSync(file, objectStreamBomb({ inflatedBytes: 64 * 1024 }));
    const check = run('qpdf', ['--check', file]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /No syntax or stream encoding errors found/);
    assert.ok(bomb.length > 1.9 * MiB && bomb.length < 2.2 * MiB, `the file is ${bomb.length} bytes`);
  });

  it('POST /api/verify (no login): /healthz answers while it runs, a typed budget error, RSS bounded', async () => {
    // A first small document starts the worker pool, so that what follows is the attack alone.
    const warm = await verify(samplePdf());
    await warm.arrayBuffer();
    const rssBefore = process.memoryUsage().rss;
    const { result, answered, peakRss } = await whilePollingHealth(
      verify(bomb).then(async (response) => ({ status: response.status, body: await response.json() })),
    );
    assert.equal(result.status, 422, JSON.stringify(result.body));
    const error = (result.body as { error: { code: string; message: { ja: string; en: string } } }).error;
    assert.equal(error.code, 'SHOMEI_PDF_BUDGET_EXCEEDED');
    assert.match(error.message.ja, /上限/);
    assert.match(error.message.en, /decoded bytes/);
    assert.ok(answered >= 1, 'no /healthz answer arrived while the verification was running');
    // Before the budget: 2 GiB inflated, 900 MiB more RSS. Now one worker inflates at most the budget.
    const growth = (peakRss - rssBefore) / MiB;
    assert.ok(growth < 400, `RSS grew by ${growth.toFixed(0)} MiB`);
  });

  it('the same file as an envelope upload: the typed error, and the envelope holds no document', async () => {
    const user = await createUser({ shomei } as unknown as ContractsHarness, {
      email: 'sender@bomb.example',
      tenantSlug: 'bomb',
    });
    const sender = await login(app, user.email);
    const created = json<{ id: string }>(
      await sender.send('POST', '/api/envelopes', {
        title: '覚書',
        counterparty: 'W株式会社',
        signingOrder: 'parallel',
        parties: [
          { role: 'signer', signingMode: 'witness-type', email: 'w@bomb.example', name: '佐藤 花子' },
        ],
      }),
    );
    const { result, answered } = await whilePollingHealth(
      sender.send('POST', `/api/envelopes/${created.id}/documents?name=bomb.pdf`, undefined, {
        contentType: 'application/pdf',
        raw: bomb,
      }),
    );
    assert.equal(result.statusCode, 422, result.body);
    assert.equal(json<{ error: { code: string } }>(result).error.code, 'SHOMEI_PDF_BUDGET_EXCEEDED');
    assert.ok(answered >= 1, 'no /healthz answer arrived while the upload was being parsed');
    const view = json<{ documents: unknown[] }>(await sender.send('GET', `/api/envelopes/${created.id}`));
    assert.deepEqual(view.documents, []);
  });

  it('POST /api/verify is limited per address: beyond the limit a typed 429 with Retry-After', async () => {
    // Earlier tests' requests may or may not still count (a slow machine moves them out of the
    // minute), so send until refused: at most the limit is answered, the next one never is.
    let answered = 0;
    for (;;) {
      const response = await verify(Buffer.from('not a pdf'));
      await response.arrayBuffer();
      if (response.status === 429) break;
      assert.equal(response.status, 422);
      answered += 1;
      assert.ok(answered <= RATE_LIMIT, 'more requests answered than the limit allows');
    }
    const refused = await verify(samplePdf());
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const body = (await refused.json()) as { error: { code: string; message: { ja: string; en: string } } };
    assert.equal(body.error.code, 'SHOMEI_RATE_LIMITED');
    assert.ok(body.error.message.ja.length > 0 && body.error.message.en.length > 0);
    // Other endpoints are not limited by it.
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  });
});
