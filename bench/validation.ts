/**
 * Validation throughput (`npx tsx bench/validation.ts`): validations per second of a B-LTA PDF made
 * by our signer (HSM key, embedded CA and TSA), single-threaded and with one worker_thread per
 * core, printed with the number of signatures per document and, as a baseline measured in the same
 * run, SHA-256 passes over the same file. Set SHOMEI_BENCH_SECONDS to change the measuring time.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { openEmbeddedSigning, signPdf } from '../src/ades/index.ts';
import { initialise, openShomei } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/index.ts';
import { validatePdf } from '../src/validation/index.ts';
import { writeSamplePdf } from '../test/ades/sample-pdf.ts';

const SECONDS = Number(process.env.SHOMEI_BENCH_SECONDS ?? 5);
/** Workers do not inherit tsx's loader, so each registers it before loading this file again. */
const WORKER_BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;

interface Job {
  readonly pdf: Uint8Array;
  readonly root: Uint8Array;
  readonly seconds: number;
}

/** Validates in a loop for `seconds`; returns how many validations completed. */
async function loop(job: Job): Promise<number> {
  const end = performance.now() + job.seconds * 1000;
  let count = 0;
  while (performance.now() < end) {
    const report = await validatePdf(job.pdf, { trustAnchors: [job.root] });
    if (report.indication !== 'TOTAL_PASSED') throw new Error(`unexpected ${report.indication}`);
    count += 1;
  }
  return count;
}

async function makeDocument(home: string): Promise<{ pdf: Buffer; root: Buffer; signatures: number }> {
  const config = loadConfig({ ...process.env, SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'silent' });
  await initialise(config);
  const shomei = await openShomei(config, createLogger({ level: 'silent' }));
  try {
    const signing = await openEmbeddedSigning(shomei);
    const input = path.join(home, 'contract.pdf');
    const output = path.join(home, 'contract-lta.pdf');
    writeSamplePdf(input, { pages: 10 });
    await signPdf({
      input,
      output,
      signer: signing.signer,
      certificateChain: signing.certificateChain,
      level: 'B-LTA',
      tsa: signing.tsa,
      revocationSource: signing.revocationSource,
    });
    const pdf = readFileSync(output);
    const report = await validatePdf(pdf, { trustAnchors: [signing.root] });
    return { pdf, root: signing.root, signatures: report.signatures.length };
  } finally {
    await shomei.close();
  }
}

async function main(): Promise<void> {
  const home = mkdtempSync(path.join(tmpdir(), 'shomei-bench-validation-'));
  try {
    const { pdf, root, signatures } = await makeDocument(home);
    const hashStart = performance.now();
    let hashes = 0;
    while (performance.now() - hashStart < 1000) {
      createHash('sha256').update(pdf).digest();
      hashes += 1;
    }
    const hashPerSecond = hashes / ((performance.now() - hashStart) / 1000);
    const job: Job = { pdf, root, seconds: SECONDS };
    const cpuBefore = process.cpuUsage();
    const singleCount = await loop(job);
    const cpu = process.cpuUsage(cpuBefore);
    const single = singleCount / SECONDS;
    // CPU time per validation stays meaningful when other processes share the cores.
    const cpuMs = (cpu.user + cpu.system) / 1000 / singleCount;
    const cores = Math.max(1, Math.min(availableParallelism(), 2));
    // Workers load and warm up first (one validation each), then all start measuring together.
    const workers = await Promise.all(
      Array.from(
        { length: cores },
        () =>
          new Promise<Worker>((resolve, reject) => {
            const worker = new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: job });
            worker.once('message', () => resolve(worker));
            worker.once('error', reject);
          }),
      ),
    );
    const start = performance.now();
    const counts = await Promise.all(
      workers.map(
        (worker) =>
          new Promise<number>((resolve, reject) => {
            worker.once('message', (n: number) => {
              void worker.terminate();
              resolve(n);
            });
            worker.once('error', reject);
            worker.postMessage('start');
          }),
      ),
    );
    const parallel = counts.reduce((a, b) => a + b, 0) / ((performance.now() - start) / 1000);
    const size = (pdf.length / 1024).toFixed(0);
    process.stdout.write(
      `${[
        `document: B-LTA PDF, ${size} KiB, ${signatures} signatures per document (signature + document timestamp)`,
        `baseline: SHA-256 of the whole file ${hashPerSecond.toFixed(0)}/s`,
        `single thread: ${single.toFixed(1)} validations/s (${(single * signatures).toFixed(1)} signatures/s), ${(hashPerSecond / single).toFixed(0)}× the time of one SHA-256 pass, ${cpuMs.toFixed(0)} ms CPU per validation`,
        `${cores} worker threads: ${parallel.toFixed(1)} validations/s (${(parallel * signatures).toFixed(1)} signatures/s), ${(parallel / single).toFixed(2)}× single thread`,
      ].join('\n')}\n`,
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

if (isMainThread) await main();
else {
  const job = workerData as Job;
  await loop({ ...job, seconds: 0 });
  await validatePdf(job.pdf, { trustAnchors: [job.root] });
  parentPort!.once('message', async () => parentPort!.postMessage(await loop(job)));
  parentPort!.postMessage('ready');
}
