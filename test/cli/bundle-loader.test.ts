/**
 * The code cache of the command bundles built apart (ADR 044): written by the build and by a command's
 * first run, used afterwards, and never used for a bundle it was not made from — V8 itself checks only
 * the source's length, so a rebuilt bundle of the same length must not run the old code. Each load runs
 * in a child process, as a command does (the cache is written at exit).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

const loader = path.resolve(import.meta.dirname, '..', '..', 'src', 'cli', 'bundle-loader.ts');
const work = mkdtempSync(path.join(tmpdir(), 'shomei-bundle-loader-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A CommonJS bundle whose answer says which code ran; `answer` keeps the file's length when it changes. */
function writeBundle(file: string, answer: string): void {
  writeFileSync(
    file,
    `'use strict';\nfunction answer(n) { return '${answer}:' + n * 2; }\nexports.answer = answer;\nexports.dir = __dirname;\n`,
  );
}

interface Load {
  readonly cache: string;
  readonly answer: string;
}

function load(bundle: string, options: { write?: 'now'; env?: NodeJS.ProcessEnv } = {}): Load {
  const script = [
    `import { loadBundle } from ${JSON.stringify(loader)};`,
    `const { exports, cache } = loadBundle(${JSON.stringify(bundle)}${options.write ? ", 'now'" : ''});`,
    'process.stdout.write(JSON.stringify({ cache, answer: exports.answer(21), dir: exports.dir }));',
  ].join('\n');
  const { SHOMEI_CODE_CACHE: _, ...inherited } = process.env;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...inherited, ...options.env },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  const { dir, ...loaded } = JSON.parse(result.stdout) as Load & { dir: string };
  assert.equal(dir, path.dirname(bundle), '__dirname is the bundle’s folder');
  return loaded;
}

const kindOf = (bundle: string): string =>
  JSON.parse(readFileSync(`${bundle}.cache`).subarray(0, 200).toString('utf8').split('\n')[0]!).kind;

function freshBundle(name: string, answer = 'first'): string {
  const dir = path.join(work, name);
  mkdirSync(dir);
  const bundle = path.join(dir, 'command.cjs');
  writeBundle(bundle, answer);
  return bundle;
}

describe('bundle loader: V8 code cache beside the bundle', () => {
  test("a command's first run writes the cache at its exit; the next run uses it", () => {
    const bundle = freshBundle('first-run');
    assert.deepEqual(load(bundle), { cache: 'none', answer: 'first:42' });
    assert.equal(kindOf(bundle), 'ran');
    assert.deepEqual(load(bundle), { cache: 'used', answer: 'first:42' });
  });

  test("the build's cache is used and replaced once by a command's", () => {
    const bundle = freshBundle('built');
    assert.equal(load(bundle, { write: 'now' }).cache, 'none');
    assert.equal(kindOf(bundle), 'built');
    assert.equal(load(bundle).cache, 'used');
    assert.equal(kindOf(bundle), 'ran');
    const written = statSync(`${bundle}.cache`).mtimeMs;
    assert.equal(load(bundle).cache, 'used');
    assert.equal(statSync(`${bundle}.cache`).mtimeMs, written, 'a used command cache is not rewritten');
  });

  test('a cache made from another bundle of the same length is not used: the new code runs', () => {
    const bundle = freshBundle('rebuilt', 'older');
    load(bundle);
    const before = statSync(bundle);
    writeBundle(bundle, 'newer');
    assert.equal(statSync(bundle).size, before.size);
    utimesSync(bundle, before.atime, new Date(before.mtimeMs + 5000));
    assert.deepEqual(load(bundle), { cache: 'none', answer: 'newer:42' });
    assert.deepEqual(load(bundle), { cache: 'used', answer: 'newer:42' });
  });

  test('a cache made for the bundle at another place is not used (V8 would name that place)', () => {
    const bundle = freshBundle('here');
    load(bundle);
    const moved = path.join(work, 'moved');
    mkdirSync(moved);
    const there = path.join(moved, 'command.cjs');
    copyFileSync(bundle, there);
    // The cache as made there, but for its place: only the path differs from what the loader expects.
    const cache = readFileSync(`${bundle}.cache`);
    const end = cache.indexOf(0x0a);
    const header = { ...JSON.parse(cache.subarray(0, end).toString()), mtimeMs: statSync(there).mtimeMs };
    writeFileSync(
      `${there}.cache`,
      Buffer.concat([Buffer.from(JSON.stringify(header)), cache.subarray(end)]),
    );
    assert.equal(load(there).cache, 'none');
    assert.equal(load(there).cache, 'used');
  });

  test('a damaged cache is rejected or ignored, never run', () => {
    const bundle = freshBundle('damaged');
    load(bundle);
    const file = readFileSync(`${bundle}.cache`);
    const header = file.subarray(0, file.indexOf(0x0a) + 1);
    writeFileSync(`${bundle}.cache`, Buffer.concat([header, Buffer.alloc(file.length - header.length, 7)]));
    assert.deepEqual(load(bundle), { cache: 'rejected', answer: 'first:42' });
    assert.equal(load(bundle).cache, 'used', 'the rejected cache was replaced');
    writeFileSync(`${bundle}.cache`, 'not a cache at all');
    assert.deepEqual(load(bundle), { cache: 'none', answer: 'first:42' });
  });

  test('a cache that cannot be written costs nothing but time; SHOMEI_CODE_CACHE=off writes none', () => {
    const blocked = freshBundle('blocked');
    mkdirSync(`${blocked}.cache`);
    assert.deepEqual(load(blocked), { cache: 'none', answer: 'first:42' });
    assert.equal(load(blocked).cache, 'none');
    const off = freshBundle('off');
    assert.deepEqual(load(off, { env: { SHOMEI_CODE_CACHE: 'off' } }), { cache: 'off', answer: 'first:42' });
    assert.throws(() => statSync(`${off}.cache`), { code: 'ENOENT' });
  });
});
