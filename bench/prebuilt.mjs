/**
 * Runs a bench as prebuilt JavaScript, the way `shomei start` runs from dist/cli (ADR 031): through
 * `npx tsx` the main thread would hold the TypeScript loader and its transformed sources, tens of MiB
 * that no installation has, which matters to the memory figures (bench/hostile-verify.ts).
 *
 *   node bench/prebuilt.mjs bench/hostile-verify.ts [arguments …]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const [bench, ...args] = process.argv.slice(2);
if (bench === undefined) throw new Error('usage: node bench/prebuilt.mjs bench/<name>.ts [arguments …]');
const root = path.resolve(import.meta.dirname, '..');
// The worker threads load dist/cli/work-jobs.js: build it from the current sources first.
const setup = spawnSync('bash', [path.join(root, 'scripts', 'setup.sh')], { stdio: 'inherit' });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const outfile = path.join(root, 'dist', 'bench', `${path.basename(bench, '.ts')}.js`);
// A bench's second process (bench/envelopes-client.ts: the customers) is built beside it.
const client = path.resolve(bench).replace(/\.ts$/, '-client.ts');
await build({
  entryPoints: [path.resolve(bench), ...(existsSync(client) ? [client] : [])],
  outdir: path.dirname(outfile),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit' });
process.exitCode = run.status ?? 1;
