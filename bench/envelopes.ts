/**
 * Envelopes completed per minute through the HTTP API, with enough in flight to keep the server process
 * busy, next to the raw rate of CryptoModule.signDigest (RSA-2048 on 2 sessions, 16 in flight)
 * measured in alternating slices of the same run, so that both see the same load on a shared machine.
 *
 * One installation in a temporary SHOMEI_HOME (SQLite, SoftHSM2 with SHOMEI_PKCS11_SESSIONS=2, the
 * development outbox), the real server (buildServer) on 127.0.0.1 with an ephemeral port. The
 * customers run in a child process of their own (bench/envelopes-client.ts) and speak to it only by
 * fetch on loopback, so that this process's CPU and its main thread's event-loop delay are the
 * server's. Each envelope is what a customer does: the sender (tenant A, signed in with password +
 * TOTP) creates it with one small PDF and two parties in sequential order, uploads, sends; party A
 * signs **signer-type** (当事者型: A's own RSA-2048 credential in the in-process RSSP, PIN (argon2id)
 * + TOTP per act, a SAD for exactly this digest), then party B — an outside address — takes the link
 * from the outbox, opens it with the access code from the send response (scrypt), reads the witness
 * confirmation and signs **witness-type** (立会人型, the provider's RSA-2048 e-seal). Both signatures
 * are B-T; B's act completes the envelope inline (certificate of completion, validation data B-LT,
 * document timestamp B-LTA), the product's normal completion. A TOTP code is accepted once per
 * 30-second step per credential, so A's acts rotate over a pool of credentials of the same user
 * (SHOMEI_BENCH_CREDENTIALS, default 96, i.e. at most ~190 acts a minute in the long run); the bench
 * prints how long envelopes waited for a credential, which should be 0.
 *
 * HSM signatures per envelope are counted, not assumed: from the shomei_signatures_total metric
 * (every signDigest) and, by key purpose and algorithm, from a tally around CryptoModule.signDigest.
 * Ratio = (envelopes/min × HSM signatures per envelope) / (raw signDigest/min); the RSA-only ratio is
 * printed too (the embedded CA's OCSP answers are EC P-256, cheaper).
 *
 * Before/after (issue #20 Deliver 3): the envelope slices alternate between the PDF work on the
 * document work pool (ADR 016, 034: upload checks, each act's prepare and embed, completion) and the
 * same jobs on the main thread (the pool's methods swapped for a pool without workers), with the main
 * thread's event-loop delay p99 of each, and CPU per envelope of the main thread, the pool's threads
 * and the rest of the server process (SoftHSM2's and libuv's threads: argon2id, scrypt; V8's helpers).
 * SHOMEI_BENCH_CPU_PROFILE=<dir> writes the main thread's CPU profile of each mode's slices.
 *
 * At the end one completed PDF is downloaded and checked with pdfsig (NSS database trusting the
 * embedded root), so the figures are those of real completions.
 *
 *   npx tsx bench/envelopes.ts [seconds-per-measurement]   (SHOMEI_BENCH_IN_FLIGHT, default 6)
 *   node bench/prebuilt.mjs bench/envelopes.ts [seconds]   (as an installation runs: prebuilt)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { generate } from 'otplib';
import {
  type DocumentWork,
  initialise,
  openDocumentWork,
  openShomei,
  type Shomei,
} from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import type { KeyAlgorithm } from '../src/crypto/index.ts';
import { createLogger } from '../src/log/index.ts';
import { opsMetrics } from '../src/ops/index.ts';
import { buildServer } from '../src/server/index.ts';
import { writeSamplePdf } from '../test/ades/sample-pdf.ts';
import { CustomersProcess, type SliceResult } from './envelopes-protocol.ts';
import { MainThreadProfiles, threadCpuMs, threadCpuSince } from './process-cpu.ts';

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
  SHOMEI_PDF_JOB_SECONDS: process.env.SHOMEI_PDF_JOB_SECONDS,
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

/** The TOTP code of a given 30-second step. */
const codeAt = (secret: string, step: number): Promise<string> => generate({ secret, epoch: step * 30 + 1 });
const stepNow = (): number => Math.floor(Date.now() / 30_000);

/** Sender A: tenant A, an account with password and TOTP (enrolled a step back, so logging in now works). */
async function makeSender(): Promise<{ id: string; tenantId: string; email: string; totp: string }> {
  const identity = shomei.identity;
  const tenant = await identity.accounts.createTenant({ slug: 'bench-a', name: 'A株式会社' });
  const created = await identity.accounts.createUser({
    ...{ tenantId: tenant.id, email: 'sender@a.example', displayName: '山田 太郎' },
    ...{ familyName: '山田', givenName: '太郎' },
  });
  const activation = await identity.applications.issueActivationToken(created.id);
  const sender = await identity.activate(activation.token, PASSWORD, {});
  const enrolment = await identity.totp.begin(sender.id, sender.email);
  if (!(await identity.totp.confirm(sender.id, await codeAt(enrolment.secret, stepNow() - 1))))
    throw new Error('TOTP enrolment failed');
  return { id: sender.id, tenantId: sender.tenantId, email: sender.email, totp: enrolment.secret };
}

/** One of A's signing credentials (RSA-2048, embedded CA) with its PIN and TOTP secret. */
async function addCredential(sender: { id: string; tenantId: string }, i: number) {
  const { credential, csr } = await shomei.rssp.credentials.create({
    ...{ userId: sender.id, tenantId: sender.tenantId, algorithm: ALGORITHM },
    subject: `CN=山田 太郎 ${i}, O=A株式会社, C=JP`,
  });
  const id = credential.credential_id;
  if (credential.status === 'pending-certificate') {
    const issued = await shomei.ca.issue({ csr, profile: 'signer', actor: { kind: 'process', id: 'bench' } });
    await shomei.rssp.credentials.installCertificate(id, issued.der, await shomei.ca.chain(), sender.id);
  }
  await shomei.rssp.credentials.setPin(id, sender.id, PIN);
  const { secret } = await shomei.rssp.credentials.enrolTotp(id, sender.id);
  return { id, totp: secret };
}

const setupStart = performance.now();
const sender = await makeSender();
const credentials: { id: string; totp: string }[] = [];
for (let i = 0; i < CREDENTIALS; i += 8) {
  const batch = Array.from({ length: Math.min(8, CREDENTIALS - i) }, (_, k) => addCredential(sender, i + k));
  credentials.push(...(await Promise.all(batch)));
}
const setupSeconds = (performance.now() - setupStart) / 1000;
const pdfFile = path.join(home, 'contract.pdf');
writeSamplePdf(pdfFile, { pages: 1 });
const customers = new CustomersProcess();
await customers.setup({
  base,
  email: sender.email,
  password: PASSWORD,
  totp: sender.totp,
  senderId: sender.id,
  credentials,
  pdfFile,
});

interface Totals {
  count: number;
  elapsed: number;
  cpuMicros: number;
  mainCpuMs: number;
  /** CPU of the work pool's threads (their JavaScript; V8's helper threads count as other). */
  poolCpuMs: number;
  /** Event-loop busy time (ms): the main thread's share, next to the whole process's CPU time. */
  loopBusyMs: number;
  clientCpuMs: number;
  latencySeconds: number;
  credentialWaitMs: number;
  readonly steps: Map<string, number>;
  signatures: number;
  readonly byKey: Map<string, number>;
  readonly loads: number[];
}
const emptyTotals = (): Totals => ({
  ...{ count: 0, elapsed: 0, cpuMicros: 0, mainCpuMs: 0, poolCpuMs: 0, loopBusyMs: 0, clientCpuMs: 0 },
  ...{ latencySeconds: 0, credentialWaitMs: 0, steps: new Map(), signatures: 0, byKey: new Map(), loads: [] },
});

/** A slice of envelopes run by the customers' process, their side of it added to `totals`. */
async function envelopeSlice(totals: Totals, concurrency: number, sliceSeconds: number): Promise<number> {
  const result: SliceResult = await customers.slice(concurrency, sliceSeconds);
  totals.clientCpuMs += result.clientCpuMs;
  totals.latencySeconds += result.latencySeconds;
  totals.credentialWaitMs += result.credentialWaitMs;
  for (const [name, s] of result.steps) totals.steps.set(name, (totals.steps.get(name) ?? 0) + s);
  return result.count;
}

/** Raw signatures in this process on `concurrency` loops until the slice ends. */
async function rawSlice(
  concurrency: number,
  sliceSeconds: number,
  once: () => Promise<void>,
): Promise<number> {
  let count = 0;
  const end = performance.now() + sliceSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await once();
        count += 1;
      }
    }),
  );
  return count;
}

/**
 * Runs one slice (what is in flight at its end is waited for: an envelope is only counted complete),
 * adding count, time, this process's CPU by thread and the signatures made to `totals`.
 */
async function measured(totals: Totals, run: () => Promise<number>): Promise<void> {
  const cpu = process.cpuUsage();
  const threads = threadCpuMs();
  const loop = performance.eventLoopUtilization();
  const before = tally();
  const metricBefore = await metricSignatures();
  const begin = performance.now();
  totals.count += await run();
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

const profiles = new MainThreadProfiles(process.env.SHOMEI_BENCH_CPU_PROFILE);
const pooledLoop = monitorEventLoopDelay({ resolution: 10 });
const inlineLoop = monitorEventLoopDelay({ resolution: 10 });
async function timedLoop(histogram: IntervalHistogram, run: () => Promise<void>): Promise<void> {
  histogram.enable();
  try {
    await profiles.profiled(histogram === pooledLoop ? 'pool' : 'main-thread', run);
  } finally {
    histogram.disable();
  }
}
const p99Ms = (histogram: IntervalHistogram): number => histogram.percentile(99) / 1e6;
const perMinuteOf = (t: Totals): number => (t.count / t.elapsed) * 60;
const load = (t: Totals) => (t.loads.reduce((s, l) => s + l, 0) / t.loads.length).toFixed(1);
const coresBusy = (t: Totals) => (t.cpuMicros / 1e6 / t.elapsed).toFixed(2);

/** HSM signatures per envelope by what signed (key purpose and algorithm from the key registry). */
async function signaturesByPurpose(
  t: Totals,
): Promise<{ labels: Map<string, number>; rsa: number; tallied: number }> {
  const labels = new Map<string, number>();
  let rsa = 0;
  let tallied = 0;
  for (const [keyId, n] of t.byKey) {
    const record = await shomei.keys.get(keyId);
    const purpose = record?.purpose.replace(/:.*/, '') ?? 'unregistered';
    const algorithm = record?.algorithm ?? (await shomei.crypto.getKey(keyId)).algorithm;
    const label = `${purpose} ${algorithm}`;
    labels.set(label, (labels.get(label) ?? 0) + n);
    if (algorithm.startsWith('RSA')) rsa += n;
    tallied += n;
  }
  return { labels, rsa, tallied };
}

/** The pool mode's rate, steps and HSM signatures, and the ratio to raw signDigest. */
async function reportRates(envelopes: Totals, baseline: Totals): Promise<void> {
  const perMinute = perMinuteOf(envelopes);
  const rawPerMinute = (baseline.count / baseline.elapsed) * 60;
  const perEnvelope = envelopes.signatures / envelopes.count;
  const { labels, rsa, tallied } = await signaturesByPurpose(envelopes);
  const each = (n: number) => (n / envelopes.count).toFixed(2);
  console.log(
    `  envelopes (PDF work on the pool): ${envelopes.count} completed in ${envelopes.elapsed.toFixed(1)} s = ${perMinute.toFixed(1)}/min (${each(envelopes.latencySeconds)} s each from creation to completion), waited for a free credential ${(envelopes.credentialWaitMs / 1000).toFixed(1)} s`,
  );
  const steps = [...envelopes.steps].map(([name, total]) => `${name} ${each(total)} s`).join(', ');
  console.log(`  wall time per envelope by step: ${steps}`);
  const purposes = [...labels].sort((x, y) => y[1] - x[1]).map(([label, n]) => `${label} ${each(n)}`);
  console.log(
    `  HSM signatures per envelope: ${perEnvelope.toFixed(2)} (shomei_signatures_total; tally ${each(tallied)}): ${purposes.join(', ')}`,
  );
  console.log(
    `  raw CryptoModule.signDigest ${ALGORITHM}, ${RAW_IN_FLIGHT} in flight: ${rawPerMinute.toFixed(0)}/min (${(rawPerMinute / 60).toFixed(0)}/s)`,
  );
  console.log(
    `  ratio (envelopes/min × HSM signatures per envelope) / raw signatures/min: ${((perMinute * perEnvelope) / rawPerMinute).toFixed(3)} (RSA-2048 only: ${((perMinute * (rsa / envelopes.count)) / rawPerMinute).toFixed(3)})`,
  );
}

/** CPU per envelope by thread, and what an idle machine would allow (main thread ≤ 1 core, all ≤ N). */
function perEnvelopeCpu(t: Totals) {
  const main = t.mainCpuMs / t.count;
  const all = t.cpuMicros / 1000 / t.count;
  const ceiling = 60_000 / Math.max(main, all / availableParallelism());
  const pool = t.poolCpuMs / t.count;
  return { main, pool, other: all - main - pool, all, client: t.clientCpuMs / t.count, ceiling };
}

/** Main-thread mode → pool mode: rate, signatures, event-loop delay, cores, CPU by thread. */
function reportBeforeAfter(inline: Totals, pooled: Totals, baseline: Totals): void {
  const busy = (t: Totals) => ((t.loopBusyMs / 1000 / t.elapsed) * 100).toFixed(0);
  const perEnvelope = (t: Totals) => (t.signatures / t.count).toFixed(2);
  console.log(
    `  before/after in this run, PDF work on the main thread → on ${shomei.work.threads} worker threads (SHOMEI_PDF_WORKERS; ${availableParallelism()} cores): envelopes/min ${perMinuteOf(inline).toFixed(1)} → ${perMinuteOf(pooled).toFixed(1)} (× ${(perMinuteOf(pooled) / perMinuteOf(inline)).toFixed(2)}), HSM signatures per envelope ${perEnvelope(inline)} → ${perEnvelope(pooled)}, main-thread event-loop delay p99 ${p99Ms(inlineLoop).toFixed(1)} → ${p99Ms(pooledLoop).toFixed(1)} ms, server cores busy ${coresBusy(inline)} → ${coresBusy(pooled)}, event loop busy ${busy(inline)} % → ${busy(pooled)} %`,
  );
  const before = perEnvelopeCpu(inline);
  const after = perEnvelopeCpu(pooled);
  const split = (c: typeof before) => `${c.main.toFixed(0)} / ${c.pool.toFixed(0)} / ${c.other.toFixed(0)}`;
  console.log(
    `  server CPU per envelope, main thread / work pool threads / others (SoftHSM2, argon2id and scrypt on libuv's threads, V8's helpers): ${split(before)} ms → ${split(after)} ms (all ${before.all.toFixed(0)} → ${after.all.toFixed(0)} ms; the customers' own process ${before.client.toFixed(0)} → ${after.client.toFixed(0)} ms, not counted); ceiling on ${availableParallelism()} idle cores from the server's CPU alone: ${before.ceiling.toFixed(0)} → ${after.ceiling.toFixed(0)}/min — a projection, not a measured rate`,
  );
  console.log(
    `  load average ${load(pooled)} (pool slices) / ${load(inline)} (main-thread slices) / ${load(baseline)} (raw slices), raw slices' cores busy ${coresBusy(baseline)}, now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

/** The last envelope's PDF checked by pdfsig trusting the embedded root; false when not valid. */
async function checkWithPdfsig(): Promise<boolean> {
  const file = path.join(home, 'completed.pdf');
  const downloaded = await customers.download(file);
  const [, root] = await shomei.ca.chain();
  const rootPem = path.join(home, 'root.pem');
  const body = root!.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  writeFileSync(rootPem, `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`);
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
    `  pdfsig verdict on envelope ${downloaded.envelopeId} (${downloaded.bytes} bytes): ${partiesValid ? 'OK — both party signatures valid, the third is the B-LTA document timestamp over the whole file (pdfsig does not verify RFC 3161 timestamps; its "Unknown issue" for chains with an OCSP URL is a poppler limitation, see test/ades/validators.ts)' : `NOT OK (exit ${report.status})\n${report.stdout}${report.stderr}`}`,
  );
  return partiesValid;
}

/** Three kinds of slice in rotating order, so that each sees the same share of a shared machine's load. */
async function runSlices(shomeiNow: Shomei): Promise<{ pooled: Totals; inline: Totals; baseline: Totals }> {
  const rawKey = await shomeiNow.crypto.generateSigningKey(ALGORITHM, 'bench-raw');
  const digest = createHash('sha256').update('bench').digest();
  const raw = () => rawSignDigest(rawKey.id, digest, { digestAlgorithm: 'SHA-256' }).then(() => undefined);
  const sliceSeconds = seconds / SLICES;
  const pooled = emptyTotals();
  const inline = emptyTotals();
  const baseline = emptyTotals();
  const kinds: (() => Promise<void>)[] = [
    () => timedLoop(pooledLoop, () => measured(pooled, () => envelopeSlice(pooled, IN_FLIGHT, sliceSeconds))),
    () =>
      withPool(false, () =>
        timedLoop(inlineLoop, () => measured(inline, () => envelopeSlice(inline, IN_FLIGHT, sliceSeconds))),
      ),
    () => measured(baseline, () => rawSlice(RAW_IN_FLIGHT, sliceSeconds, raw)),
  ];
  for (let i = 0; i < SLICES; i += 1) {
    for (let k = 0; k < kinds.length; k += 1) await kinds[(i + k) % kinds.length]!();
  }
  return { pooled, inline, baseline };
}

try {
  // Warm: JIT, HSM sessions, TSA and CA set up, OCSP responder keys.
  const warmStart = performance.now();
  await customers.slice(1, 0);
  const warmSeconds = (performance.now() - warmStart) / 1000;
  console.log(
    `shomei envelopes bench: ${seconds} s per measurement in ${SLICES} alternating slices, ${IN_FLIGHT} envelopes in flight from a separate customers' process, Node ${process.version}, ${config.pkcs11.sessions} HSM sessions`,
  );
  console.log(
    `  setup: ${CREDENTIALS} ${ALGORITHM} signer credentials in ${setupSeconds.toFixed(1)} s; first envelope (cold) ${warmSeconds.toFixed(1)} s`,
  );
  const { pooled, inline, baseline } = await runSlices(shomei);
  await reportRates(pooled, baseline);
  reportBeforeAfter(inline, pooled, baseline);
  if (!(await checkWithPdfsig())) process.exitCode = 1;
} finally {
  customers.close();
  await app.close();
  await shomei.close();
  rmSync(home, { recursive: true, force: true });
}
