/**
 * Envelopes completed per minute through the HTTP API, with enough in flight to keep the server process
 * busy (its event loop is the limit, see the CPU line), next to the raw rate of
 * CryptoModule.signDigest (RSA-2048 on 2 sessions, 16 in flight) measured in alternating slices of
 * the same run, so that both see the same load on a shared machine.
 *
 * One installation in a temporary SHOMEI_HOME (SQLite, SoftHSM2 with SHOMEI_PKCS11_SESSIONS=2, the
 * development outbox), the real server (buildServer) on 127.0.0.1 with an ephemeral port, spoken to
 * only by fetch on loopback. Each envelope is what a customer does: the sender (tenant A, signed in
 * with password + TOTP) creates it with one small PDF and two parties in sequential order, uploads,
 * sends; party A signs **signer-type** (当事者型: A's own RSA-2048 credential in the in-process
 * RSSP, PIN (argon2id) + TOTP per act, a SAD for exactly this digest), then party B — an outside
 * address — takes the link from the outbox (GET /dev/outbox), opens it with the access code from
 * the send response, reads the witness confirmation and signs **witness-type** (立会人型, the
 * provider's RSA-2048 e-seal). Both signatures are B-T; B's act completes the envelope inline
 * (certificate of completion, validation data B-LT, document timestamp B-LTA), the product's normal
 * completion. Signer-type was chosen for A because it is the more expensive and the more
 * interesting path (PIN + OTP + SAD + RSSP signHash per act). A TOTP code is accepted once per
 * 30-second step per credential, so A's acts rotate over a pool of credentials of the same user
 * (SHOMEI_BENCH_CREDENTIALS, default 96, i.e. at most ~190 acts a minute in the long run); the bench
 * prints how long envelopes waited for a credential, which should be 0.
 *
 * HSM signatures per envelope are counted, not assumed: from the shomei_signatures_total metric
 * (every signDigest) and, by key purpose and algorithm, from a tally around CryptoModule.signDigest.
 * Ratio = (envelopes/min × HSM signatures per envelope) / (raw signDigest/min). The other signatures
 * the envelope causes (OCSP responses by the embedded CA, EC P-256) are cheaper than RSA-2048, so
 * the ratio slightly flatters the HSM's share; the RSA-only ratio is printed too. CPU time is that of
 * this one process (server, client, SoftHSM2 and argon2/scrypt on libuv's threads alike).
 *
 * Before/after (issue #20 Deliver 3): the envelope slices alternate between the PDF work on the
 * document work pool (ADR 016, 034: upload checks, each act's prepare and embed, completion) and the
 * same jobs on the main thread (the pool's methods swapped for a pool without workers), with the main
 * thread's event-loop delay p99 of each.
 *
 * At the end one completed PDF is downloaded and checked with pdfsig (NSS database trusting the
 * embedded root), so the figures are those of real completions.
 *
 *   npx tsx bench/envelopes.ts [seconds-per-measurement]   (SHOMEI_BENCH_IN_FLIGHT, default 6)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { generate } from 'otplib';
import { type DocumentWork, initialise, openDocumentWork, openShomei } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import type { KeyAlgorithm } from '../src/crypto/index.ts';
import { createLogger } from '../src/log/index.ts';
import { opsMetrics } from '../src/ops/index.ts';
import { buildServer } from '../src/server/index.ts';
import { writeSamplePdf } from '../test/ades/sample-pdf.ts';
import { HttpClient, type HttpResponse } from '../test/ops/http-client.ts';

const seconds = Number(process.argv[2] ?? 30);
const IN_FLIGHT = Number(process.env.SHOMEI_BENCH_IN_FLIGHT ?? 6);
const CREDENTIALS = Number(process.env.SHOMEI_BENCH_CREDENTIALS ?? 96);
const RAW_IN_FLIGHT = 16;
const SLICES = 4;
const ALGORITHM: KeyAlgorithm = 'RSA-2048';
const PASSWORD = 'correct horse battery staple 署名';
const PIN = '246810';

const home = mkdtempSync(path.join(tmpdir(), 'shomei-bench-envelopes-'));
// SHOMEI_PDF_JOB_SECONDS passes through: on a starved shared machine a cold worker's first act (it
// loads the contracts module inside the job) can pass the 60 s meant for hostile documents.
const config = loadConfig({
  SHOMEI_HOME: home,
  SHOMEI_PKCS11_SESSIONS: '2',
  SHOMEI_LOG_LEVEL: 'silent',
  ...(process.env.SHOMEI_PDF_JOB_SECONDS === undefined
    ? {}
    : { SHOMEI_PDF_JOB_SECONDS: process.env.SHOMEI_PDF_JOB_SECONDS }),
});
await initialise(config);
const shomei = await openShomei(config, createLogger({ level: 'silent' }));

// Every HSM signature, by key: a tally around signDigest (the only signing entry of CryptoModule).
const signedBy = new Map<string, number>();
const rawSignDigest = shomei.crypto.signDigest.bind(shomei.crypto);
shomei.crypto.signDigest = (keyId, digest, options) => {
  signedBy.set(keyId, (signedBy.get(keyId) ?? 0) + 1);
  return rawSignDigest(keyId, digest, options);
};
const tally = (): Map<string, number> => new Map(signedBy);
async function metricSignatures(): Promise<number> {
  const values = (await opsMetrics().signatures.get()).values;
  return values.filter((v) => v.labels.outcome === 'success').reduce((sum, v) => sum + v.value, 0);
}

const app = await buildServer(shomei);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no address');
const base = `http://127.0.0.1:${address.port}`;

function expect(response: HttpResponse, status: number, what: string): HttpResponse {
  if (response.status !== status) throw new Error(`${what}: ${response.status} ${response.text()}`);
  return response;
}

/** The TOTP code of a given 30-second step. */
const codeAt = (secret: string, step: number): Promise<string> => generate({ secret, epoch: step * 30 + 1 });
const stepNow = (): number => Math.floor(Date.now() / 30_000);

// Sender A: tenant A, account with TOTP, and a pool of signing credentials (RSA-2048, embedded CA).
const identity = shomei.identity;
const tenant = await identity.accounts.createTenant({ slug: 'bench-a', name: 'A株式会社' });
const created = await identity.accounts.createUser({
  tenantId: tenant.id,
  email: 'sender@a.example',
  displayName: '山田 太郎',
  familyName: '山田',
  givenName: '太郎',
});
const sender = await identity.activate(
  (await identity.applications.issueActivationToken(created.id)).token,
  PASSWORD,
  {},
);
const enrolment = await identity.totp.begin(sender.id, sender.email);
if (!(await identity.totp.confirm(sender.id, await codeAt(enrolment.secret, stepNow() - 1))))
  throw new Error('TOTP enrolment failed');

interface PooledCredential {
  readonly id: string;
  readonly totp: string;
  lastStep: number;
  busy: boolean;
}
const setupStart = performance.now();
const pool: PooledCredential[] = [];
async function addCredential(i: number): Promise<void> {
  const { credential, csr } = await shomei.rssp.credentials.create({
    userId: sender.id,
    tenantId: sender.tenantId,
    algorithm: ALGORITHM,
    subject: `CN=山田 太郎 ${i}, O=A株式会社, C=JP`,
  });
  if (credential.status === 'pending-certificate') {
    const issued = await shomei.ca.issue({ csr, profile: 'signer', actor: { kind: 'process', id: 'bench' } });
    await shomei.rssp.credentials.installCertificate(
      credential.credential_id,
      issued.der,
      await shomei.ca.chain(),
      sender.id,
    );
  }
  await shomei.rssp.credentials.setPin(credential.credential_id, sender.id, PIN);
  const { secret } = await shomei.rssp.credentials.enrolTotp(credential.credential_id, sender.id);
  pool.push({ id: credential.credential_id, totp: secret, lastStep: 0, busy: false });
}
for (let i = 0; i < CREDENTIALS; i += 8)
  await Promise.all(Array.from({ length: Math.min(8, CREDENTIALS - i) }, (_, k) => addCredential(i + k)));
const setupSeconds = (performance.now() - setupStart) / 1000;

let credentialWaitMs = 0;
/** A credential whose next TOTP step (now or the next one, both accepted ±1 step) is unused. */
async function acquireCredential(): Promise<PooledCredential> {
  const start = performance.now();
  for (;;) {
    const now = stepNow();
    const free = pool.filter((c) => !c.busy && c.lastStep <= now).sort((a, b) => a.lastStep - b.lastStep)[0];
    if (free !== undefined) {
      free.busy = true;
      credentialWaitMs += performance.now() - start;
      return free;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const a = new HttpClient();
expect(
  await a.send(base, 'POST', '/api/auth/login', { email: sender.email, password: PASSWORD }),
  200,
  'login',
);
expect(
  await a.send(base, 'POST', '/api/auth/login/totp', { code: await codeAt(enrolment.secret, stepNow()) }),
  200,
  'login TOTP',
);

const pdfFile = path.join(home, 'contract.pdf');
writeSamplePdf(pdfFile, { pages: 1 });
const pdf = readFileSync(pdfFile);

let serial = 0;
let latencySeconds = 0;
/** Wall time per step of an envelope (queueing included), summed over the measured envelopes. */
const stepSeconds = new Map<string, number>();
async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    stepSeconds.set(name, (stepSeconds.get(name) ?? 0) + (performance.now() - start) / 1000);
  }
}
let lastCompleted: { envelopeId: string; documentId: string } | undefined;

/** One envelope from creation to completion, through the API only. */
async function envelope(): Promise<void> {
  serial += 1;
  const n = serial;
  const started = performance.now();
  const witness = `party${n}@b.example`;
  const credential = await acquireCredential();
  try {
    const made = await timed('create', () =>
      a.send(base, 'POST', '/api/envelopes', {
        title: `業務委託契約書 ${n}`,
        counterparty: 'B株式会社',
        transactionDate: '2026-11-20',
        amount: 1_000_000 + n,
        signingOrder: 'sequential',
        parties: [
          {
            role: 'signer',
            signingMode: 'signer-type',
            userId: sender.id,
            credentialId: credential.id,
            order: 1,
            placement: { page: 0, rect: [60, 60, 260, 140] },
          },
          {
            role: 'signer',
            signingMode: 'witness-type',
            email: witness,
            name: '佐藤 花子',
            company: 'B株式会社',
            order: 2,
            placement: { page: 0, rect: [320, 60, 520, 140] },
          },
        ],
      }),
    );
    const envelopeId = expect(made, 201, 'create').json<{ id: string }>().id;
    expect(
      await timed('upload', () =>
        a.send(base, 'POST', `/api/envelopes/${envelopeId}/documents?name=contract-${n}.pdf`, undefined, {
          raw: pdf,
          contentType: 'application/pdf',
        }),
      ),
      201,
      'upload',
    );
    const sent = expect(
      await timed('send', () => a.send(base, 'POST', `/api/envelopes/${envelopeId}/send`)),
      200,
      'send',
    );
    const accessCode = sent.json<{ accessCodes: { accessCode: string }[] }>().accessCodes[0]!.accessCode;
    const view = expect(await a.send(base, 'GET', `/api/envelopes/${envelopeId}`), 200, 'view');
    const hashes = view.json<{ documents: { sha256: string }[] }>().documents.map((d) => d.sha256);

    // Party A, signer-type: PIN + the TOTP code of a step this credential has not used yet.
    const step = Math.max(credential.lastStep + 1, stepNow());
    credential.lastStep = step;
    const otp = await codeAt(credential.totp, step);
    const signed = await timed('A sign/signer', () =>
      a.send(base, 'POST', `/api/envelopes/${envelopeId}/sign/signer`, {
        pin: PIN,
        otp,
        documentSha256: hashes,
      }),
    );
    expect(signed, 200, 'sign/signer');
    credential.busy = false;

    // Party B, witness-type: its turn came with A's act; the link is in the outbox.
    let token: string | undefined;
    for (let tries = 0; token === undefined; tries += 1) {
      const outbox = expect(
        await timed('B outbox', () => a.send(base, 'GET', '/dev/outbox?format=json&limit=100')),
        200,
        'outbox',
      );
      const mail = outbox
        .json<{ messages: { to: string; text: string }[] }>()
        .messages.find((m) => m.to === witness);
      token = mail === undefined ? undefined : /\/sign\/([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      if (token === undefined) {
        if (tries > 50) throw new Error(`no signing link mailed to ${witness}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const b = new HttpClient();
    const opened = expect(
      await timed('B sign/open', () => b.send(base, 'POST', '/api/sign/open', { token, accessCode })),
      200,
      'open',
    );
    b.headers['x-shomei-party'] = opened.json<{ partyToken: string }>().partyToken;
    const confirmation = expect(
      await b.send(base, 'GET', `/api/envelopes/${envelopeId}/witness-confirmation`),
      200,
      'confirmation',
    );
    const reviewed = confirmation.json<{ documents: { sha256: string }[] }>().documents.map((d) => d.sha256);
    expect(
      await timed('B sign/witness + completion', () =>
        b.send(base, 'POST', `/api/envelopes/${envelopeId}/sign/witness`, {
          confirmed: true,
          lang: 'ja',
          documentSha256: reviewed,
        }),
      ),
      200,
      'sign/witness',
    );
    const done = expect(await a.send(base, 'GET', `/api/envelopes/${envelopeId}`), 200, 'view');
    const final = done.json<{ status: string; documents: { id: string }[] }>();
    if (final.status !== 'completed') throw new Error(`envelope ${envelopeId} is ${final.status}`);
    lastCompleted = { envelopeId, documentId: final.documents[0]!.id };
    latencySeconds += (performance.now() - started) / 1000;
  } finally {
    credential.busy = false;
  }
}

/**
 * CPU time (ms; Linux /proc, 10 ms ticks) of the main thread and of the work pool's threads (named
 * shomei-work by src/work/worker.mjs): with the process's CPU time it gives what each spends per
 * envelope, which the load of a shared machine does not change the way it changes wall-clock rates.
 * Per thread id, so a thread that starts during a slice counts from zero.
 */
function threadCpuMs(): Map<number, { readonly kind: 'main' | 'pool' | 'other'; readonly ms: number }> {
  const threads = new Map<number, { kind: 'main' | 'pool' | 'other'; ms: number }>();
  for (const tid of readdirSync('/proc/self/task').map(Number)) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const kind = tid === process.pid ? 'main' : name === 'shomei-work' ? 'pool' : 'other';
      threads.set(tid, { kind, ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/** CPU ms by kind of thread since `before`. */
function threadCpuSince(before: ReturnType<typeof threadCpuMs>): { main: number; pool: number } {
  const spent = { main: 0, pool: 0 };
  for (const [tid, now] of threadCpuMs()) {
    if (now.kind === 'other') continue;
    spent[now.kind] += now.ms - (before.get(tid)?.ms ?? 0);
  }
  return spent;
}

interface Totals {
  count: number;
  elapsed: number;
  cpuMicros: number;
  mainCpuMs: number;
  /** CPU of the work pool's threads (their JavaScript; V8's helper threads count as other). */
  poolCpuMs: number;
  /** Event-loop busy time (ms): the main thread's share, next to the whole process's CPU time. */
  loopBusyMs: number;
  signatures: number;
  byKey: Map<string, number>;
  loads: number[];
}
const emptyTotals = (): Totals => ({
  count: 0,
  elapsed: 0,
  cpuMicros: 0,
  mainCpuMs: 0,
  poolCpuMs: 0,
  loopBusyMs: 0,
  signatures: 0,
  byKey: new Map(),
  loads: [],
});

/**
 * Runs `once` on `concurrency` loops until the slice ends, then waits for what is in flight (an
 * envelope is only counted complete), adding count, time, CPU and signatures made to `totals`.
 */
async function slice(totals: Totals, concurrency: number, once: () => Promise<void>): Promise<void> {
  const cpu = process.cpuUsage();
  const threads = threadCpuMs();
  const loop = performance.eventLoopUtilization();
  const before = tally();
  const metricBefore = await metricSignatures();
  const begin = performance.now();
  const end = begin + (seconds / SLICES) * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await once();
        totals.count += 1;
      }
    }),
  );
  totals.elapsed += (performance.now() - begin) / 1000;
  const used = process.cpuUsage(cpu);
  totals.cpuMicros += used.user + used.system;
  const spent = threadCpuSince(threads);
  totals.mainCpuMs += spent.main;
  totals.poolCpuMs += spent.pool;
  totals.loopBusyMs += performance.eventLoopUtilization(loop).active;
  totals.signatures += (await metricSignatures()) - metricBefore;
  for (const [keyId, n] of tally()) {
    const delta = n - (before.get(keyId) ?? 0);
    if (delta > 0) totals.byKey.set(keyId, (totals.byKey.get(keyId) ?? 0) + delta);
  }
  totals.loads.push(loadavg()[0]!);
}

// Before/after in one run: the pool's jobs swapped for the same jobs on the main thread (no workers).
type Swappable = {
  -readonly [K in
    | 'pageCount'
    | 'validate'
    | 'assembleCompleted'
    | 'prepareSignature'
    | 'completeSignature']: DocumentWork[K];
};
const work = shomei.work as unknown as Swappable;
const pooledJobs: Swappable = {
  pageCount: work.pageCount,
  validate: work.validate,
  assembleCompleted: work.assembleCompleted,
  prepareSignature: work.prepareSignature,
  completeSignature: work.completeSignature,
};
const inlineWork = openDocumentWork({ ...config, work: { ...config.work, workers: 0 } });
async function withPool(on: boolean, run: () => Promise<void>): Promise<void> {
  const inlineJobs: Swappable = {
    pageCount: inlineWork.pageCount,
    validate: inlineWork.validate,
    // Absent: the contracts module does the acts' and the completion's PDF work on this thread.
    assembleCompleted: undefined,
    prepareSignature: undefined,
    completeSignature: undefined,
  };
  Object.assign(work, on ? pooledJobs : inlineJobs);
  try {
    await run();
  } finally {
    Object.assign(work, pooledJobs);
  }
}
const pooledLoop = monitorEventLoopDelay({ resolution: 10 });
const inlineLoop = monitorEventLoopDelay({ resolution: 10 });
async function timedLoop(histogram: IntervalHistogram, run: () => Promise<void>): Promise<void> {
  histogram.enable();
  try {
    await profiled(histogram === pooledLoop ? 'pool' : 'main-thread', run);
  } finally {
    histogram.disable();
  }
}

/**
 * SHOMEI_BENCH_CPU_PROFILE=<dir>: the main thread's V8 CPU profile of each mode's envelope slices
 * (one file per mode, the slices appended), without the setup and the raw slices that a whole-process
 * --cpu-prof would mix in. Open in Chrome DevTools or any .cpuprofile viewer.
 */
const profileDir = process.env.SHOMEI_BENCH_CPU_PROFILE;
const inspector = profileDir === undefined ? undefined : new Session();
inspector?.connect();
interface CpuProfile {
  nodes: { id: number; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}
const profiles = new Map<string, CpuProfile>();
/** `later` appended to `earlier`: its root merged into the first root, its other nodes renumbered. */
function appendProfile(earlier: CpuProfile | undefined, later: CpuProfile): CpuProfile {
  if (earlier === undefined) return later;
  const root = earlier.nodes[0]!;
  const laterRoot = later.nodes[0]!.id;
  const shift = Math.max(...earlier.nodes.map((n) => n.id));
  const id = (n: number) => (n === laterRoot ? root.id : n + shift);
  root.children = [...(root.children ?? []), ...(later.nodes[0]!.children ?? []).map(id)];
  return {
    nodes: [
      ...earlier.nodes,
      ...later.nodes.slice(1).map((n) => ({ ...n, id: id(n.id), children: (n.children ?? []).map(id) })),
    ],
    samples: [...earlier.samples, ...later.samples.map(id)],
    timeDeltas: [...earlier.timeDeltas, ...later.timeDeltas],
  };
}
async function profiled(mode: string, run: () => Promise<void>): Promise<void> {
  if (inspector === undefined) return run();
  const post = promisify(inspector.post.bind(inspector)) as (method: string) => Promise<unknown>;
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    await run();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: CpuProfile };
    const merged = appendProfile(profiles.get(mode), profile);
    profiles.set(mode, merged);
    mkdirSync(profileDir!, { recursive: true });
    writeFileSync(
      path.join(profileDir!, `envelopes-${mode}.cpuprofile`),
      JSON.stringify({ ...merged, startTime: 0, endTime: merged.timeDeltas.reduce((a, b) => a + b, 0) }),
    );
  }
}
const p99Ms = (histogram: IntervalHistogram): number => histogram.percentile(99) / 1e6;
const perMinuteOf = (t: Totals): number => (t.count / t.elapsed) * 60;

try {
  const rawKey = await shomei.crypto.generateSigningKey(ALGORITHM, 'bench-raw');
  const digest = createHash('sha256').update('bench').digest();
  const raw = () => rawSignDigest(rawKey.id, digest, { digestAlgorithm: 'SHA-256' }).then(() => undefined);
  // Warm: JIT, HSM sessions, TSA and CA set up, OCSP responder keys.
  const warmStart = performance.now();
  await envelope();
  const warmSeconds = (performance.now() - warmStart) / 1000;
  latencySeconds = 0;
  stepSeconds.clear();
  console.log(
    `shomei envelopes bench: ${seconds} s per measurement in ${SLICES} alternating slices, ${IN_FLIGHT} envelopes in flight, Node ${process.version}, ${config.pkcs11.sessions} HSM sessions`,
  );
  console.log(
    `  setup: ${CREDENTIALS} ${ALGORITHM} signer credentials in ${setupSeconds.toFixed(1)} s; first envelope (cold) ${warmSeconds.toFixed(1)} s`,
  );

  const envelopes = emptyTotals();
  const inlineEnvelopes = emptyTotals();
  const baseline = emptyTotals();
  // Three kinds of slice in rotating order, so that each sees the same share of a shared machine's
  // load: envelopes with PDF work on the pool, envelopes with it on the main thread (before), raw.
  const kinds: (() => Promise<void>)[] = [
    () => timedLoop(pooledLoop, () => slice(envelopes, IN_FLIGHT, envelope)),
    () => withPool(false, () => timedLoop(inlineLoop, () => slice(inlineEnvelopes, IN_FLIGHT, envelope))),
    () => slice(baseline, RAW_IN_FLIGHT, raw),
  ];
  for (let i = 0; i < SLICES; i += 1) {
    for (let k = 0; k < kinds.length; k += 1) await kinds[(i + k) % kinds.length]!();
  }

  // Signatures per envelope by what signed (key purpose and algorithm from the key registry).
  const byPurpose = new Map<string, number>();
  let rsaSignatures = 0;
  let tallied = 0;
  for (const [keyId, n] of envelopes.byKey) {
    const record = await shomei.keys.get(keyId);
    const purpose = record?.purpose.replace(/:.*/, '') ?? 'unregistered';
    const algorithm = record?.algorithm ?? (await shomei.crypto.getKey(keyId)).algorithm;
    const label = `${purpose} ${algorithm}`;
    byPurpose.set(label, (byPurpose.get(label) ?? 0) + n);
    if (algorithm.startsWith('RSA')) rsaSignatures += n;
    tallied += n;
  }
  const perMinute = (envelopes.count / envelopes.elapsed) * 60;
  const rawPerMinute = (baseline.count / baseline.elapsed) * 60;
  const perEnvelope = envelopes.signatures / envelopes.count;
  const rsaPerEnvelope = rsaSignatures / envelopes.count;
  const load = (t: Totals) => (t.loads.reduce((s, l) => s + l, 0) / t.loads.length).toFixed(1);
  console.log(
    `  envelopes (PDF work on the pool): ${envelopes.count} completed in ${envelopes.elapsed.toFixed(1)} s = ${perMinute.toFixed(1)}/min (${(latencySeconds / envelopes.count).toFixed(1)} s each from creation to completion), waited for a free credential ${(credentialWaitMs / 1000).toFixed(1)} s`,
  );
  console.log(
    `  wall time per envelope by step: ${[...stepSeconds]
      .map(([name, total]) => `${name} ${(total / envelopes.count).toFixed(2)} s`)
      .join(', ')}`,
  );
  console.log(
    `  HSM signatures per envelope: ${perEnvelope.toFixed(2)} (shomei_signatures_total; tally ${(tallied / envelopes.count).toFixed(2)}): ${[
      ...byPurpose,
    ]
      .sort((x, y) => y[1] - x[1])
      .map(([label, n]) => `${label} ${(n / envelopes.count).toFixed(2)}`)
      .join(', ')}`,
  );
  console.log(
    `  raw CryptoModule.signDigest ${ALGORITHM}, ${RAW_IN_FLIGHT} in flight: ${rawPerMinute.toFixed(0)}/min (${(rawPerMinute / 60).toFixed(0)}/s)`,
  );
  console.log(
    `  ratio (envelopes/min × HSM signatures per envelope) / raw signatures/min: ${((perMinute * perEnvelope) / rawPerMinute).toFixed(3)} (RSA-2048 only: ${((perMinute * rsaPerEnvelope) / rawPerMinute).toFixed(3)})`,
  );
  console.log(
    `  before/after in this run, PDF work on the main thread → on ${shomei.work.threads} worker threads (SHOMEI_PDF_WORKERS; ${availableParallelism()} cores): envelopes/min ${perMinuteOf(inlineEnvelopes).toFixed(1)} → ${perMinute.toFixed(1)} (× ${(perMinute / perMinuteOf(inlineEnvelopes)).toFixed(2)}), HSM signatures per envelope ${(inlineEnvelopes.signatures / inlineEnvelopes.count).toFixed(2)} → ${perEnvelope.toFixed(2)}, main-thread event-loop delay p99 ${p99Ms(inlineLoop).toFixed(1)} → ${p99Ms(pooledLoop).toFixed(1)} ms, cores busy ${(inlineEnvelopes.cpuMicros / 1e6 / inlineEnvelopes.elapsed).toFixed(2)} → ${(envelopes.cpuMicros / 1e6 / envelopes.elapsed).toFixed(2)}, event loop busy ${((inlineEnvelopes.loopBusyMs / 1000 / inlineEnvelopes.elapsed) * 100).toFixed(0)} % → ${((envelopes.loopBusyMs / 1000 / envelopes.elapsed) * 100).toFixed(0)} %`,
  );
  // What an idle machine would allow: the main thread is one core, everything else shares the rest.
  const perEnvelopeCpu = (t: Totals) => {
    const main = t.mainCpuMs / t.count;
    const all = t.cpuMicros / 1000 / t.count;
    const ceiling = 60_000 / Math.max(main, all / availableParallelism());
    const pool = t.poolCpuMs / t.count;
    return { main, pool, other: all - main - pool, ceiling };
  };
  const before = perEnvelopeCpu(inlineEnvelopes);
  const after = perEnvelopeCpu(envelopes);
  console.log(
    `  CPU per envelope, main thread / work pool threads / others (this process: server, SoftHSM2, the bench's own HTTP client on the main thread; V8 and libuv helpers, argon2 and scrypt as others): ${before.main.toFixed(0)} / ${before.pool.toFixed(0)} / ${before.other.toFixed(0)} ms → ${after.main.toFixed(0)} / ${after.pool.toFixed(0)} / ${after.other.toFixed(0)} ms; ceiling on ${availableParallelism()} idle cores from CPU alone (main thread ≤ 1 core, all ≤ ${availableParallelism()}): ${before.ceiling.toFixed(0)} → ${after.ceiling.toFixed(0)}/min (× ${(after.ceiling / before.ceiling).toFixed(2)}) — a projection, not a measured rate`,
  );
  console.log(
    `  CPU (pool on): ${(envelopes.cpuMicros / 1000 / envelopes.count).toFixed(0)} ms per envelope, ${(envelopes.cpuMicros / 1e6 / envelopes.elapsed).toFixed(2)} cores busy during envelopes (event loop busy ${((envelopes.loopBusyMs / 1000 / envelopes.elapsed) * 100).toFixed(0)} %), ${(baseline.cpuMicros / 1e6 / baseline.elapsed).toFixed(2)} during raw; load average ${load(envelopes)} (envelope slices) / ${load(baseline)} (raw slices), now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  // A real completion: the last envelope's PDF, checked by pdfsig trusting the embedded root.
  if (lastCompleted === undefined) throw new Error('no envelope completed');
  const file = path.join(home, 'completed.pdf');
  const body = expect(
    await a.send(
      base,
      'GET',
      `/api/envelopes/${lastCompleted.envelopeId}/documents/${lastCompleted.documentId}`,
    ),
    200,
    'download',
  ).body;
  writeFileSync(file, body);
  const [, root] = await shomei.ca.chain();
  const rootPem = path.join(home, 'root.pem');
  writeFileSync(
    rootPem,
    `-----BEGIN CERTIFICATE-----\n${root!.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`,
  );
  const nss = path.join(home, 'nss');
  mkdirSync(nss);
  spawnSync('certutil', ['-N', '--empty-password', '-d', `sql:${nss}`]);
  spawnSync('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'root', '-t', 'CT,C,C', '-i', rootPem]);
  const report = spawnSync('pdfsig', ['-nssdir', `sql:${nss}`, file], { encoding: 'utf8' });
  const blocks = report.stdout.split(/^Signature #\d+:$/m).slice(1);
  const line = (block: string, name: string) =>
    new RegExp(`- ${name}: (.*)$`, 'm').exec(block)?.[1]?.trim() ?? '?';
  for (const [i, block] of blocks.entries())
    console.log(
      `  pdfsig #${i + 1}: ${line(block, 'Signature Type')}, ${line(block, 'Signer Certificate Common Name')}: ${line(block, 'Signature Validation')} / ${line(block, 'Certificate Validation')}`,
    );
  const partiesValid =
    blocks.length === 3 &&
    blocks.slice(0, 2).every((b) => /Signature Validation: Signature is Valid\./.test(b)) &&
    /Signature Field Name: shomei-archive-/.test(blocks[2]!) &&
    /Total document signed/.test(blocks[2]!);
  console.log(
    `  pdfsig verdict on envelope ${lastCompleted.envelopeId} (${body.length} bytes): ${partiesValid ? 'OK — both party signatures valid, the third is the B-LTA document timestamp over the whole file (pdfsig does not verify RFC 3161 timestamps; its "Unknown issue" for chains with an OCSP URL is a poppler limitation, see test/ades/validators.ts)' : `NOT OK (exit ${report.status})\n${report.stdout}${report.stderr}`}`,
  );
  if (!partiesValid) process.exitCode = 1;
} finally {
  await app.close();
  await shomei.close();
  rmSync(home, { recursive: true, force: true });
}
