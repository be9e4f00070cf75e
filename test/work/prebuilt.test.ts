/**
 * The worker threads run prebuilt JavaScript (ADR 031): the jobs entry compiled the way
 * scripts/setup.sh compiles it runs a worker's jobs (its validator chunk loaded on first use, the
 * package root found from dist/), and a worker whose jobs module is JavaScript holds no TypeScript
 * loader — the per-thread cost the build removes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { runJob } from '../../src/app/work-jobs.ts';
import { packageRoot, prebuiltEntry } from '../../src/config/index.ts';
import { DEFAULT_PDF_BUDGET } from '../../src/pdf/index.ts';
import { WorkPool, type WorkSettings } from '../../src/work/index.ts';
import { samplePdf } from '../contracts/harness.ts';

// Inside the package (so the build's chunks resolve node_modules and find the package root), and
// of this process alone: other test files may be using dist/cli meanwhile.
const out = path.join(packageRoot(), 'dist', `.test-prebuilt-${process.pid}`);
const settings: WorkSettings = {
  workers: 1,
  queue: 4,
  jobSeconds: 60,
  queueSeconds: 120,
  workerHeapMb: 256,
  budget: DEFAULT_PDF_BUDGET,
};
const pools: WorkPool[] = [];
after(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  rmSync(out, { recursive: true, force: true });
});

function poolOf(url: string): WorkPool {
  const pool = new WorkPool(settings, { url, runInline: runJob });
  pools.push(pool);
  return pool;
}

describe('prebuilt worker threads', () => {
  it('the compiled jobs entry counts pages and validates on a worker', async () => {
    await build({
      entryPoints: { 'work-jobs': path.join(packageRoot(), 'src', 'app', 'work-jobs.ts') },
      outdir: out,
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    const pool = poolOf(pathToFileURL(path.join(out, 'work-jobs.js')).href);
    const pdf = samplePdf(3);
    assert.equal(await pool.run<number>('pageCount', { bytes: pdf, maxFileBytes: 1 << 20 }), 3);
    // The validator's chunk, loaded on first use in the worker, reads the document and refuses typed.
    await assert.rejects(
      pool.run('validate', { document: pdf, options: { trustAnchors: [] } }),
      (error: { code?: string }) => error.code === 'SHOMEI_VALIDATION_NO_SIGNATURE',
    );
    await assert.rejects(
      pool.run('pageCount', { bytes: Buffer.from('not a pdf'), maxFileBytes: 1 << 20 }),
      (error: { code?: string }) => error.code === 'SHOMEI_PDF_MALFORMED',
    );
  });

  it('a worker running JavaScript jobs cannot load TypeScript: no loader was registered', async () => {
    mkdirSync(out, { recursive: true });
    const probe = path.join(out, 'probe-jobs.mjs');
    writeFileSync(
      probe,
      `export function configureWorker() {}
export async function runJob(job, input) {
  try { await import(input); return { ok: true, value: 'loaded' }; }
  catch (error) { return { ok: true, value: error.code }; }
}\n`,
    );
    const typescript = pathToFileURL(path.join(packageRoot(), 'src', 'errors', 'index.ts')).href;
    assert.equal(
      await poolOf(pathToFileURL(probe).href).run('probe', typescript),
      'ERR_UNKNOWN_FILE_EXTENSION',
    );
  });

  it('SHOMEI_RUN_FROM=src keeps the sources, whatever is built', () => {
    const saved = process.env.SHOMEI_RUN_FROM;
    process.env.SHOMEI_RUN_FROM = 'src';
    try {
      assert.equal(prebuiltEntry('work-jobs'), undefined);
    } finally {
      if (saved === undefined) delete process.env.SHOMEI_RUN_FROM;
      else process.env.SHOMEI_RUN_FROM = saved;
    }
  });
});
