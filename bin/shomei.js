#!/usr/bin/env node
// The `shomei` command. scripts/setup.sh compiles the sources into dist/cli/ (esbuild, split per
// command, npm packages external, ADR 031), which starts in a fraction of the time and runs the server
// and its worker threads without a TypeScript loader. When a source the build was made from is newer
// than the build, or gone, the sources run through tsx's loader instead, so an edit is never masked by a
// stale build (ADR 038: the build lists its sources in dist/cli/sources.txt; checking those is half the
// cost of walking src/). SHOMEI_RUN_FROM=src|dist overrides the choice (for measuring);
// src/config/prebuilt.ts decides the same way for the worker threads.
import { existsSync, readFileSync, statSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const argv = process.argv.slice(2);

// `--version` needs no module of shomei and no build: answered before either is looked at.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).version}\n`);
  process.exit(0);
}

const build = new URL('dist/cli/shomei.js', root);

/**
 * The top-level help stored by the build (ADR 043), while the one source it is made from
 * (src/cli/index.ts: the command table) is not newer than the build; otherwise undefined.
 */
function storedHelp() {
  if (process.env.SHOMEI_RUN_FROM === 'src') return undefined;
  const help = new URL('dist/cli/help.txt', root);
  const table = statSync(new URL('src/cli/index.ts', root), { throwIfNoEntry: false });
  const stamp = statSync(build, { throwIfNoEntry: false });
  if (table === undefined || stamp === undefined || table.mtimeMs > stamp.mtimeMs) return undefined;
  return existsSync(help) ? readFileSync(help, 'utf8') : undefined;
}

if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
  const help = storedHelp();
  if (help !== undefined) {
    process.stdout.write(help);
    process.exit(0);
  }
}

/** True when no source listed by the build is newer than it or missing (an unlisted file is not built). */
function sourcesUnchanged() {
  const list = new URL('dist/cli/sources.txt', root);
  if (!existsSync(list)) return false;
  const stamp = statSync(build).mtimeMs;
  for (const source of readFileSync(list, 'utf8').split('\n')) {
    if (source === '') continue;
    const stat = statSync(new URL(source, root), { throwIfNoEntry: false });
    if (stat === undefined || stat.mtimeMs > stamp) return false;
  }
  return true;
}

function buildIsCurrent() {
  const choice = process.env.SHOMEI_RUN_FROM;
  if (choice === 'src' || !existsSync(build)) return false;
  return choice === 'dist' || sourcesUnchanged();
}

let entry;
if (buildIsCurrent()) {
  // Stack traces name the build's chunks; NODE_OPTIONS=--enable-source-maps maps them to src/ through
  // the .map files beside them (off by default: the maps cost a server ~12 MB, ADR 031).
  entry = await import(build.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import('../src/cli/index.ts');
}
process.exitCode = await entry.main(argv);
