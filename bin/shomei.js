#!/usr/bin/env node
// The `shomei` command. scripts/setup.sh compiles the sources into dist/cli/ (esbuild, split per
// command, npm packages external, ADR 031), which starts in a fraction of the time and runs the server
// and its worker threads without a TypeScript loader. When a source the build was made from is newer
// than the build, or gone, the sources run through tsx's loader instead, so an edit is never masked by a
// stale build (ADR 038: the build lists its sources in dist/cli/sources.txt; checking those is half the
// cost of walking src/). SHOMEI_RUN_FROM=src|dist overrides the choice (for measuring);
// src/config/prebuilt.ts decides the same way for the worker threads.
//
// This file is CommonJS (bin/package.json): Node starts an ES module entry by loading its ES module
// loader, which loads fs/promises, readline, the streams and fs watchers before the first line runs.
// `verify` and `sign` run from their CommonJS bundles without any ES module (ADR 053); every other
// command imports the build's ES modules, as before.
'use strict';
const { existsSync, readFileSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const dist = path.join(root, 'dist', 'cli');

// `--version` needs no module of shomei and no build: answered before either is looked at.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version}\n`);
  process.exit(0);
}

const build = path.join(dist, 'shomei.js');

/**
 * The top-level help stored by the build (ADR 043), while the sources it is made from (src/cli/index.ts:
 * the command table; src/cli/program.ts: the program's description and version) are not newer than the
 * build; otherwise undefined.
 */
function storedHelp() {
  if (process.env.SHOMEI_RUN_FROM === 'src') return undefined;
  const help = path.join(dist, 'help.txt');
  const stamp = statSync(build, { throwIfNoEntry: false });
  if (stamp === undefined) return undefined;
  for (const source of ['src/cli/index.ts', 'src/cli/program.ts']) {
    const stat = statSync(path.join(root, source), { throwIfNoEntry: false });
    if (stat === undefined || stat.mtimeMs > stamp.mtimeMs) return undefined;
  }
  return existsSync(help) ? readFileSync(help, 'utf8') : undefined;
}

if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
  const help = storedHelp();
  if (help !== undefined) {
    process.stdout.write(help);
    process.exit(0);
  }
}

/**
 * True when no source in the build's list `list` is newer than the build or missing (an unlisted file is
 * not built). Paths are joined as strings: a URL per source (parsed, then turned back into a path) cost
 * as much as the stat itself.
 */
function sourcesUnchanged(list) {
  if (!existsSync(list)) return false;
  const stamp = statSync(build).mtimeMs;
  const base = `${root}${path.sep}`;
  for (const source of readFileSync(list, 'utf8').split('\n')) {
    if (source === '') continue;
    const stat = statSync(base + source, { throwIfNoEntry: false });
    if (stat === undefined || stat.mtimeMs > stamp) return false;
  }
  return true;
}

/**
 * The command built apart (`dist/cli/<name>.cjs`: verify, sign) that argv names as the command table
 * names commands (the first word not an option), or undefined. The build lists each one's sources in
 * `<name>.sources.txt`; a build without that list (made before ADR 053) has no `main` in the bundle.
 */
function commandApart() {
  const name = argv.find((word) => !word.startsWith('-'));
  if (name === undefined || !/^[a-z][a-z-]*$/.test(name)) return undefined;
  return existsSync(path.join(dist, `${name}.sources.txt`)) ? name : undefined;
}

/**
 * The build's module whose `main(argv)` runs the command, while the build is current for it; otherwise
 * undefined. A command built apart runs its bundle alone, through its code cache (ADR 044): not the
 * command table, its chunks, commander as an ES module or the ES module loader; the bundle's `main` runs
 * the table's program (ADR 053). Such a run executes only the code built from `<name>.sources.txt` (the
 * bundle's and its loader's sources), so that list decides; any other command checks every source.
 */
function fromBuild() {
  const choice = process.env.SHOMEI_RUN_FROM;
  if (choice === 'src' || !existsSync(build)) return undefined;
  const apart = commandApart();
  const list = path.join(dist, apart === undefined ? 'sources.txt' : `${apart}.sources.txt`);
  if (choice !== 'dist' && !sourcesUnchanged(list)) return undefined;
  if (apart !== undefined) {
    return require(path.join(dist, 'bundle-loader.cjs')).loadBundle(path.join(dist, `${apart}.cjs`)).exports;
  }
  // Stack traces name the build's chunks; NODE_OPTIONS=--enable-source-maps maps them to src/ through
  // the .map files beside them (off by default: the maps cost a server ~12 MB, ADR 031).
  return import(require('node:url').pathToFileURL(build).href);
}

/** The module whose `main(argv)` runs the command: the build's, or the sources' through tsx. */
async function entry() {
  const built = fromBuild();
  if (built !== undefined) return built;
  const { register } = await import('tsx/esm/api');
  register();
  return import('../src/cli/index.ts');
}

entry().then(async (command) => {
  process.exitCode = await command.main(argv);
});
