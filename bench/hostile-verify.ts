/**
 * Issue #16's load test (bounded, loopback only): 50 hostile PDFs — the review's 2 MB file of 20
 * object streams inflating to 100 MiB each — posted to POST /api/verify while a user completes
 * envelopes (witness-type act, which completes the envelope: certificate of completion, B-LT, B-LTA).
 * Prints the signing request's p95 with and without the attack (measured in the same run), the
 * largest RSS of the process, /healthz latency under attack against idle, and what the hostile
 * requests got. The per-address limit is off here (SHOMEI_VERIFY_RATE_LIMIT=0) so that the pool and
 * the decode budget carry the whole attack; with the default limit most of the 50 would get 429.
 *
 *   npx tsx bench/hostile-verify.ts [hostile-requests=50] [in-flight=10] [envelopes-per-phase=8]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from 'otplib';
import { initialise, openShomei } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/index.ts';
import { buildServer } from '../src/server/index.ts';
import { samplePdf } from '../test/contracts/harness.ts';
import { objectStreamBomb } from '../test/helpers/object-stream-bomb.ts';
import { HttpClient, type HttpResponse } from '../test/ops/http-client.ts';

const HOSTILE = Number(process.argv[2] ?? 50);
const IN_FLIGHT = Number(process.argv[3] ?? 10);
const PER_PHASE = Number(process.argv[4] ?? 8);
const PASSWORD = 'correct horse battery staple 署名';
const MiB = 1024 * 1024;

const home = mkdtempSync(path.join(tmpdir(), 'shomei-bench-hostile-'));
const config = loadConfig({ SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'silent', SHOMEI_VERIFY_RATE_LIMIT: '0' });
await initialise(config);
const shomei = await openShomei(config, createLogger({ level: 'silent' }));
const app = await buildServer(shomei);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no address');
const base = `http://127.0.0.1:${address.port}`;

function expect(response: HttpResponse, status: number, what: string): HttpResponse {
  if (response.status !== status) throw new Error(`${what}: ${response.status} ${response.text()}`);
  return response;
}
const p95 = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.95) - 1] ?? 0;
const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

let peakRss = process.memoryUsage().rss;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

try {
  const tenant = await shomei.identity.accounts.createTenant({ slug: 'bench', name: 'A株式会社' });
  const created = await shomei.identity.accounts.createUser({
    tenantId: tenant.id,
    email: 'sender@a.example',
    displayName: '山田 太郎',
    familyName: '山田',
    givenName: '太郎',
  });
  const sender = await shomei.identity.activate(
    (await shomei.identity.applications.issueActivationToken(created.id)).token,
    PASSWORD,
    {},
  );
  const enrolment = await shomei.identity.totp.begin(sender.id, sender.email);
  const step = Math.floor(Date.now() / 30_000);
  await shomei.identity.totp.confirm(
    sender.id,
    await generate({ secret: enrolment.secret, epoch: (step - 1) * 30 + 1 }),
  );
  const a = new HttpClient();
  expect(
    await a.send(base, 'POST', '/api/auth/login', { email: sender.email, password: PASSWORD }),
    200,
    'login',
  );
  expect(
    await a.send(base, 'POST', '/api/auth/login/totp', {
      code: await generate({ secret: enrolment.secret, epoch: step * 30 + 1 }),
    }),
    200,
    'login TOTP',
  );
  const pdf = samplePdf();
  let serial = 0;

  /** One envelope to completion; returns the wall time of the witness act (which completes it). */
  async function signOne(): Promise<number> {
    serial += 1;
    const witness = `w${serial}@b.example`;
    const { id } = expect(
      await a.send(base, 'POST', '/api/envelopes', {
        title: `覚書 ${serial}`,
        counterparty: 'B株式会社',
        signingOrder: 'parallel',
        parties: [{ role: 'signer', signingMode: 'witness-type', email: witness, name: '佐藤 花子' }],
      }),
      201,
      'create',
    ).json<{ id: string }>();
    expect(
      await a.send(base, 'POST', `/api/envelopes/${id}/documents?name=c.pdf`, undefined, {
        raw: pdf,
        contentType: 'application/pdf',
      }),
      201,
      'upload',
    );
    const sent = expect(await a.send(base, 'POST', `/api/envelopes/${id}/send`), 200, 'send');
    const accessCode = sent.json<{ accessCodes: { accessCode: string }[] }>().accessCodes[0]!.accessCode;
    const outbox = expect(await a.send(base, 'GET', '/dev/outbox?format=json&limit=100'), 200, 'outbox');
    const mail = outbox
      .json<{ messages: { to: string; text: string }[] }>()
      .messages.find((m) => m.to === witness);
    const token = /\/sign\/([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
    if (token === undefined) throw new Error(`no link for ${witness}`);
    const b = new HttpClient();
    const opened = expect(await b.send(base, 'POST', '/api/sign/open', { token, accessCode }), 200, 'open');
    b.headers['x-shomei-party'] = opened.json<{ partyToken: string }>().partyToken;
    const confirmation = expect(
      await b.send(base, 'GET', `/api/envelopes/${id}/witness-confirmation`),
      200,
      'confirmation',
    );
    const documentSha256 = confirmation
      .json<{ documents: { sha256: string }[] }>()
      .documents.map((d) => d.sha256);
    const start = performance.now();
    expect(
      await b.send(base, 'POST', `/api/envelopes/${id}/sign/witness`, {
        confirmed: true,
        lang: 'ja',
        documentSha256,
      }),
      200,
      'sign/witness',
    );
    return performance.now() - start;
  }

  let healthFailures = 0;
  async function healthLatencies(until: () => boolean): Promise<number[]> {
    const out: number[] = [];
    while (!until()) {
      const start = performance.now();
      try {
        await (await fetch(`${base}/healthz`)).arrayBuffer();
      } catch {
        healthFailures += 1;
        continue;
      }
      out.push(performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return out;
  }

  // Warm: JIT, worker threads, CA/TSA set-up.
  await signOne();
  await (
    await fetch(`${base}/api/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/pdf' },
      body: pdf,
    })
  ).arrayBuffer();

  // Phase 1: signing alone.
  let quietDone = false;
  const quietHealth = healthLatencies(() => quietDone);
  const quiet: number[] = [];
  for (let i = 0; i < PER_PHASE; i += 1) quiet.push(await signOne());
  quietDone = true;
  const idleHealth = await quietHealth;

  // Phase 2: the same signing while the hostile PDFs arrive, IN_FLIGHT at a time.
  const bomb = objectStreamBomb();
  const rssBefore = process.memoryUsage().rss;
  peakRss = rssBefore;
  const outcomes = new Map<string, number>();
  let sentHostile = 0;
  let attackDone = false;
  const attack = Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (sentHostile < HOSTILE) {
        sentHostile += 1;
        let key: string;
        try {
          const response = await fetch(`${base}/api/verify`, {
            method: 'POST',
            headers: { 'content-type': 'application/pdf' },
            body: bomb,
          });
          const body = (await response.json().catch(() => ({}))) as { error?: { code?: string } };
          key = `${response.status} ${body.error?.code ?? 'report'}`;
        } catch (error) {
          key = `no answer (${(error as { cause?: { code?: string } }).cause?.code ?? 'fetch failed'})`;
        }
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }),
  ).finally(() => {
    attackDone = true;
  });
  const attackStart = performance.now();
  const attackHealth = healthLatencies(() => attackDone);
  const loaded: number[] = [];
  while (!attackDone || loaded.length < PER_PHASE) loaded.push(await signOne());
  await attack;
  const attackSeconds = (performance.now() - attackStart) / 1000;
  const underAttack = await attackHealth;

  console.log(
    `shomei hostile-verify bench: ${HOSTILE} × ${(bomb.length / MiB).toFixed(1)} MB object-stream bombs (20 × 100 MiB inflated), ${IN_FLIGHT} in flight, Node ${process.version}, ${availableParallelism()} cores, ${shomei.work.threads} PDF workers, decode budget ${(config.work.budget.maxDecodedBytes / MiB).toFixed(0)} MiB`,
  );
  console.log(
    `  hostile answers: ${[...outcomes].map(([k, n]) => `${n} × ${k}`).join(', ')} in ${attackSeconds.toFixed(1)} s`,
  );
  console.log(
    `  signing act (witness-type, completes the envelope): p95 ${(p95(quiet) / 1000).toFixed(2)} s alone (${quiet.length}), p95 ${(p95(loaded) / 1000).toFixed(2)} s under attack (${loaded.length}); ratio ${(p95(loaded) / p95(quiet)).toFixed(2)}; target p95 < 2 s: ${p95(loaded) < 2000 ? 'met' : 'NOT met'}`,
  );
  console.log(
    `  RSS: ${(rssBefore / MiB).toFixed(0)} MiB before the attack, peak ${(peakRss / MiB).toFixed(0)} MiB during it; target < 600 MiB: ${peakRss < 600 * MiB ? 'met' : 'NOT met'}`,
  );
  console.log(
    `  /healthz: median ${median(idleHealth).toFixed(1)} ms / p95 ${p95(idleHealth).toFixed(1)} ms idle, median ${median(underAttack).toFixed(1)} ms / p95 ${p95(underAttack).toFixed(1)} ms / max ${Math.max(...underAttack).toFixed(1)} ms under attack (${underAttack.length} probes, ${healthFailures} without an answer)`,
  );
} finally {
  clearInterval(rssTimer);
  await app.close();
  await shomei.close();
  rmSync(home, { recursive: true, force: true });
}
