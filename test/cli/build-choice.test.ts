/**
 * Which code `bin/shomei.js` runs (ADR 031, ADR 038): the build in dist/cli while every source it lists
 * in sources.txt is unchanged, the sources otherwise — an edit is never masked by a stale build — and
 * `--version` before either, the build's stored top-level help while the command table is unchanged
 * (ADR 043); a command built apart runs from its own bundle in the build (ADR 053). Checked on a
 * miniature package whose entries say which one ran.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

const repo = path.resolve(import.meta.dirname, '..', '..');
const pkg = mkdtempSync(path.join(tmpdir(), 'shomei-build-choice-'));
after(() => rmSync(pkg, { recursive: true, force: true }));

const entry = (said: string) =>
  `export async function main() { process.stdout.write('${said}'); return 0; }\n`;
const file = (relative: string, text: string): string => {
  const full = path.join(pkg, relative);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
};
const hourAgo = new Date(Date.now() - 3_600_000);
const sources = ['src/cli/index.ts', 'src/cli/program.ts', 'src/lib/thing.ts'];

mkdirSync(path.join(pkg, 'bin'));
for (const name of ['shomei.js', 'package.json']) {
  copyFileSync(path.join(repo, 'bin', name), path.join(pkg, 'bin', name));
}
symlinkSync(path.join(repo, 'node_modules'), path.join(pkg, 'node_modules'));
file('package.json', JSON.stringify({ type: 'module', version: '9.8.7' }));
file('src/cli/index.ts', entry('src'));
file('src/cli/program.ts', 'export const program = 1;\n');
file('src/lib/thing.ts', 'export const thing = 1;\n');
for (const source of sources) utimesSync(path.join(pkg, source), hourAgo, hourAgo);
file('dist/cli/shomei.js', entry('dist'));
file('dist/cli/sources.txt', `${sources.join('\n')}\n`);
file('dist/cli/help.txt', 'Usage: stored help\n');
// A command built apart: a CommonJS bundle, run through the build's loader (here: plain require).
file('dist/cli/bundle-loader.cjs', 'exports.loadBundle = (file) => ({ exports: require(file) });\n');
file(
  'dist/cli/apart.cjs',
  "exports.main = async (argv) => { process.stdout.write('apart ' + argv.join(' ')); return 0; };\n",
);
file('dist/cli/apart.sources.txt', 'src/cli/program.ts\n');

function ran(args: readonly string[] = ['anything'], env: NodeJS.ProcessEnv = {}): string {
  const { SHOMEI_RUN_FROM: _, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [path.join(pkg, 'bin', 'shomei.js'), ...args], {
    env: { ...inherited, ...env },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

describe('bin/shomei.js: the build or the sources', () => {
  test('the build runs while its sources are unchanged; a file it was not built from changes nothing', () => {
    assert.equal(ran(), 'dist');
    file('src/lib/unused.ts', 'export const unused = 2;\n');
    assert.equal(ran(), 'dist');
  });

  test('--version answers from package.json without loading either', () => {
    assert.equal(ran(['--version']), '9.8.7\n');
  });

  test('--help prints the stored help until the command table or the program is edited, then asks the entry', () => {
    assert.equal(ran(['--help']), 'Usage: stored help\n');
    assert.equal(ran(['-h']), 'Usage: stored help\n');
    assert.equal(ran(['--help'], { SHOMEI_RUN_FROM: 'src' }), 'src');
    for (const made of ['src/cli/index.ts', 'src/cli/program.ts']) {
      const source = path.join(pkg, made);
      utimesSync(source, new Date(), new Date(Date.now() + 1000));
      assert.equal(ran(['--help']), 'src', made);
      utimesSync(source, hourAgo, hourAgo);
      assert.equal(ran(['--help']), 'Usage: stored help\n');
    }
  });

  test('a command built apart runs from its bundle while its own sources are unchanged, from the sources when not', () => {
    assert.equal(ran(['apart', '--flag']), 'apart apart --flag');
    assert.equal(ran(['--flag', 'apart']), 'apart --flag apart');
    assert.equal(ran(['other']), 'dist');
    // A source the bundle was not built from: the bundle still runs; any other command runs the sources.
    const unused = path.join(pkg, 'src/lib/thing.ts');
    utimesSync(unused, new Date(), new Date(Date.now() + 1000));
    assert.equal(ran(['apart']), 'apart apart');
    assert.equal(ran(['other']), 'src');
    utimesSync(unused, hourAgo, hourAgo);
    const own = path.join(pkg, 'src/cli/program.ts');
    utimesSync(own, new Date(), new Date(Date.now() + 1000));
    assert.equal(ran(['apart']), 'src');
    utimesSync(own, hourAgo, hourAgo);
    rmSync(own);
    assert.equal(ran(['apart']), 'src');
    file('src/cli/program.ts', 'export const program = 1;\n');
    utimesSync(own, hourAgo, hourAgo);
    assert.equal(ran(['apart'], { SHOMEI_RUN_FROM: 'src' }), 'src');
    assert.equal(ran(['apart']), 'apart apart');
  });

  test('a bundle without its list of sources (a build before ADR 053) runs through the command table', () => {
    const list = path.join(pkg, 'dist/cli/apart.sources.txt');
    rmSync(list);
    assert.equal(ran(['apart']), 'dist');
    file('dist/cli/apart.sources.txt', 'src/cli/program.ts\n');
    assert.equal(ran(['apart']), 'apart apart');
  });

  test('an edited source runs the sources; SHOMEI_RUN_FROM=dist still picks the build', () => {
    const edited = path.join(pkg, 'src/lib/thing.ts');
    utimesSync(edited, new Date(), new Date(Date.now() + 1000));
    assert.equal(ran(), 'src');
    assert.equal(ran(['anything'], { SHOMEI_RUN_FROM: 'dist' }), 'dist');
    utimesSync(edited, hourAgo, hourAgo);
    assert.equal(ran(), 'dist');
  });

  test('a source the build lists that is gone, or a build without its list, runs the sources', () => {
    rmSync(path.join(pkg, 'src/lib/thing.ts'));
    assert.equal(ran(), 'src');
    file('src/lib/thing.ts', 'export const thing = 1;\n');
    utimesSync(path.join(pkg, 'src/lib/thing.ts'), hourAgo, hourAgo);
    assert.equal(ran(), 'dist');
    rmSync(path.join(pkg, 'dist/cli/sources.txt'));
    assert.equal(ran(), 'src');
  });
});
