#!/usr/bin/env node
// The `shomei` command. scripts/setup.sh compiles the sources into dist/cli/ (esbuild, split per
// command, npm packages external, ADR 031), which starts in a fraction of the time and runs the server
// and its worker threads without a TypeScript loader. When any source file is newer than the build the
// sources run through tsx's loader instead, so an edit is never masked by a stale build.
// SHOMEI_RUN_FROM=src|dist overrides the choice (for measuring); src/config/prebuilt.ts decides the same
// way for the worker threads.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const build = path.join(root, 'dist', 'cli', 'shomei.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function buildIsCurrent() {
  const choice = process.env.SHOMEI_RUN_FROM;
  if (choice === 'src' || !existsSync(build)) return false;
  return choice === 'dist' || statSync(build).mtimeMs >= newestSource(path.join(root, 'src'));
}

let entry;
if (buildIsCurrent()) {
  // Stack traces name the build's chunks; NODE_OPTIONS=--enable-source-maps maps them to src/ through
  // the .map files beside them (off by default: the maps cost a server ~12 MB, ADR 031).
  entry = await import(build);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import('../src/cli/index.ts');
}
process.exitCode = await entry.main(process.argv.slice(2));
