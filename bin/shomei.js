#!/usr/bin/env node
// The `shomei` command. scripts/setup.sh bundles the sources into dist/cli/ (esbuild, split per command,
// npm packages left external), which starts in a fraction of the time; when any source file is newer than the bundle
// the sources run through tsx's loader instead, so an edit is never masked by a stale bundle
// (docs/adr/001-typescript-without-build-step.md).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bundle = path.join(root, 'dist', 'cli', 'shomei.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

let entry;
if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(path.join(root, 'src'))) {
  entry = await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import('../src/cli/index.ts');
}
process.exitCode = await entry.main(process.argv.slice(2));
