/**
 * Issue #16's load test (bounded, loopback only): 50 hostile PDFs — the review's 2 MB file of 20
 * object streams inflating to 100 MiB each — posted to POST /api/verify while a user completes
 * envelopes (witness-type act, which completes the envelope: certificate of completion, B-LT, B-LTA).
 * Prints the signing request's p95 with and without the attack (measured in the same run), the
 * largest RSS of the process, /healthz latency under attack against idle, and what the hostile
 * requests got. The per-address limit is off here (SHOMEI_VERIFY_RATE_LIMIT=0) so that the pool and
 * the decode budget carry the whole attack; with the default limit most of the 50 would get 429.
 *
 *   npx tsx bench/hostile-verify.ts [hostile-requests=50] [in-flight=10] [envelopes-per-side=12] [rounds=3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
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
const PER_PHASE = Number(process.argv[4] ?? 12);
const ROUNDS = Number(process.argv[5] ?? 3);
const PASSWORD = 'correct horse battery staple 署名';
const MiB = 1024 * 1024;

const home = mkdtempSync(path.join(tmpdir(), 'shomei-bench-hostile-'));
// SHOMEI_PDF_… from the environment (e.g. SHOMEI_PDF_PUBLIC_NICE=0 to compare) reach the server.
const pdfSettings = Object.fromEntries(
  Object.entries(process.env).filter(([k, v]) => k.startsWith('SHOMEI_PDF_') && v !== undefined),
) as Record<string, string>;
const config = loadConfig({
  ...pdfSettings,
  SHOMEI_HOME: home,
  SHOMEI_LOG_LEVEL: 'silent',
  SHOMEI_VERIFY_RATE_LIMIT: '0',
});
const loadAtStart = loadavg()[0]!;
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
/** CPU time of this process (every thread) since `since`, ms. */
const cpuMillis = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
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

  // Rounds of signing alone, then signing while a burst of hostile PDFs arrives (IN_FLIGHT at a
  // time), interleaved: on a shared machine whose load drifts, both sides of the ratio then see the
  // same drift instead of one phase getting a quieter minute than the other.
  const bomb = objectStreamBomb();
  const quiet: number[] = [];
  const loaded: number[] = [];
  const idleHealth: number[] = [];
  const underAttack: number[] = [];
  const outcomes = new Map<string, number>();
  const cpu = { quiet: 0, quietWall: 0, attack: 0, attackWall: 0 };
  const rssBefore = process.memoryUsage().rss;
  let peakUnderAttack = 0;
  let attackSeconds = 0;
  const perRound = Math.max(1, Math.ceil(PER_PHASE / ROUNDS));
  for (let round = 0; round < ROUNDS; round += 1) {
    let quietDone = false;
    const quietHealth = healthLatencies(() => quietDone);
    let wall = performance.now();
    let used = process.cpuUsage();
    for (let i = 0; i < perRound; i += 1) quiet.push(await signOne());
    cpu.quiet += cpuMillis(used);
    cpu.quietWall += performance.now() - wall;
    quietDone = true;
    idleHealth.push(...(await quietHealth));

    peakRss = process.memoryUsage().rss;
    const burst = Math.ceil(HOSTILE / ROUNDS);
    let sent = 0;
    let attackDone = false;
    const attack = Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (sent < burst) {
          sent += 1;
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
    wall = performance.now();
    used = process.cpuUsage();
    const attackHealth = healthLatencies(() => attackDone);
    let signed = 0;
    while (!attackDone || signed < perRound) {
      loaded.push(await signOne());
      signed += 1;
    }
    await attack;
    cpu.attack += cpuMillis(used);
    cpu.attackWall += performance.now() - wall;
    attackSeconds += (performance.now() - wall) / 1000;
    underAttack.push(...(await attackHealth));
    peakUnderAttack = Math.max(peakUnderAttack, peakRss);
  }

  console.log(
    `shomei hostile-verify bench: ${HOSTILE} × ${(bomb.length / MiB).toFixed(1)} MB object-stream bombs (20 × 100 MiB inflated) in ${ROUNDS} bursts, ${IN_FLIGHT} in flight, Node ${process.version}, ${availableParallelism()} cores, ${shomei.work.threads} PDF workers, decode budget ${(config.work.budget.maxDecodedBytes / MiB).toFixed(0)} MiB; public lane: queue ${config.work.publicLane.queue}, budget ${(config.work.publicLane.maxDecodedBytes / MiB).toFixed(0)} MiB, heap ${config.work.publicLane.workerHeapMb} MiB, nice ${config.work.publicLane.nice}; machine load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end`,
  );
  console.log(
    `  hostile answers: ${[...outcomes].map(([k, n]) => `${n} × ${k}`).join(', ')} in ${attackSeconds.toFixed(1)} s`,
  );
  console.log(
    `  signing act (witness-type, completes the envelope): p95 ${(p95(quiet) / 1000).toFixed(2)} s alone (${quiet.length}), p95 ${(p95(loaded) / 1000).toFixed(2)} s under attack (${loaded.length}); ratio ${(p95(loaded) / p95(quiet)).toFixed(2)}; median ${(median(quiet) / 1000).toFixed(2)} → ${(median(loaded) / 1000).toFixed(2)} s; target p95 < 2 s: ${p95(loaded) < 2000 ? 'met' : 'NOT met'}`,
  );
  console.log(
    `  CPU this process got: ${(cpu.quiet / cpu.quietWall).toFixed(2)} cores while signing alone, ${(cpu.attack / cpu.attackWall).toFixed(2)} under attack (of ${availableParallelism()})`,
  );
  console.log(
    `  RSS: ${(rssBefore / MiB).toFixed(0)} MiB before the first burst, peak ${(peakUnderAttack / MiB).toFixed(0)} MiB during the bursts; target < 600 MiB: ${peakUnderAttack < 600 * MiB ? 'met' : 'NOT met'}`,
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
