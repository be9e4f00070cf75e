/**
 * Runs a command bundle built apart (`verify`, `sign`: ADR 038) through V8's code cache (ADR 044).
 * Node 20 compiles every ES module from source on each start (its module compile cache came in 22), so
 * the build makes those two bundles CommonJS and they are compiled here with `vm.Script`, which takes and
 * produces V8's cached data. The cache lives beside the bundle (`<bundle>.cache`), never in a shared
 * temporary directory: V8 runs cached data as code, so it gets the same protection as the bundle itself.
 *
 * Setup writes a first cache right after the bundle's top-level code ran (`built`); the first command
 * that runs with it replaces it, at exit, with one that also holds the functions that command compiled
 * (`ran`), as Node 22's compile cache does. A cache is used only for the bundle it was made from (path, size
 * and modification time in its header; V8 itself checks only the source's length, its version and flags). A
 * cache that cannot be read, does not match or that V8 rejects is ignored; one that cannot be written
 * (a read-only installation) is left alone: it only ever costs start-up time, never a command.
 * SHOMEI_CODE_CACHE=off compiles from source and writes nothing (for measuring).
 */
import { isAscii } from 'node:buffer';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const MAGIC = 'shomei-code-cache/1';
const HEADER_LIMIT = 512;

/** When the cache was made: by the build after the top-level code ran, or by a command at its exit. */
export type CodeCacheKind = 'built' | 'ran';

/** What happened to the bundle's cache on this load. */
export type CodeCacheUse = 'used' | 'rejected' | 'none' | 'off';

export interface LoadedBundle {
  readonly exports: Readonly<Record<string, unknown>>;
  readonly cache: CodeCacheUse;
}

interface CacheHeader extends BundleStamp {
  readonly magic: typeof MAGIC;
  readonly kind: CodeCacheKind;
}

/** What a cache must have been made from: this file at this place (V8 keeps the file name a cache was
 * made under and names it in stack traces), with this size and modification time. */
interface BundleStamp {
  readonly file: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export function cacheFileOf(bundle: string): string {
  return `${bundle}.cache`;
}

/** The cached data and its kind, when the cache file exists and was made from this very bundle. */
export function readCodeCache(
  bundle: string,
  stamp: BundleStamp,
): { readonly kind: CodeCacheKind; readonly data: Buffer } | undefined {
  let file: Buffer;
  try {
    file = readFileSync(cacheFileOf(bundle));
  } catch {
    return undefined;
  }
  const end = file.subarray(0, HEADER_LIMIT).indexOf(0x0a);
  if (end < 0) return undefined;
  let header: Partial<CacheHeader>;
  try {
    header = JSON.parse(file.subarray(0, end).toString('utf8')) as Partial<CacheHeader>;
  } catch {
    return undefined;
  }
  const matches =
    header.magic === MAGIC &&
    (header.kind === 'built' || header.kind === 'ran') &&
    header.file === stamp.file &&
    header.size === stamp.size &&
    header.mtimeMs === stamp.mtimeMs;
  return matches ? { kind: header.kind as CodeCacheKind, data: file.subarray(end + 1) } : undefined;
}

/** Writes the cache whole or not at all (a reader never sees half of one); a failure is ignored. */
function writeCodeCache(bundle: string, stamp: BundleStamp, kind: CodeCacheKind, data: Buffer): void {
  const header: CacheHeader = { magic: MAGIC, kind, ...stamp };
  const target = cacheFileOf(bundle);
  const partial = `${target}.${process.pid}.partial`;
  try {
    writeFileSync(partial, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), data]), {
      mode: 0o644,
    });
    renameSync(partial, target);
  } catch {
    rmSync(partial, { force: true });
  }
}

/**
 * Compiles and runs the CommonJS bundle, with its code cache unless SHOMEI_CODE_CACHE=off. `write` says
 * when a new cache is written: `at-exit` (a command: only when there was none, it did not fit, or it was
 * the build's), `now` (scripts/setup.sh, once the build is in its place: as `built`) or `never`.
 */
export function loadBundle(
  bundleUrl: URL | string,
  write: 'at-exit' | 'now' | 'never' = 'at-exit',
): LoadedBundle {
  const bundle = path.resolve(bundleUrl instanceof URL ? fileURLToPath(bundleUrl) : bundleUrl);
  const bytes = readFileSync(bundle);
  // The build makes the bundle ASCII: a one-byte string, without a UTF-8 decode (~10× the time).
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const { size, mtimeMs } = statSync(bundle);
  const stamp = { file: bundle, size, mtimeMs };
  const enabled = process.env.SHOMEI_CODE_CACHE !== 'off';
  const cached = enabled ? readCodeCache(bundle, stamp) : undefined;
  // The wrapper keeps the bundle's first line on line 1, so stack traces name the bundle's own lines.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    ...(cached === undefined ? {} : { cachedData: cached.data }),
  });
  const module = { exports: {} as Record<string, unknown> };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  const cache: CodeCacheUse = !enabled
    ? 'off'
    : cached === undefined
      ? 'none'
      : script.cachedDataRejected
        ? 'rejected'
        : 'used';
  if (write === 'now') writeCodeCache(bundle, stamp, 'built', script.createCachedData());
  else if (write === 'at-exit' && enabled && (cache !== 'used' || cached?.kind === 'built')) {
    process.once('exit', () => writeCodeCache(bundle, stamp, 'ran', script.createCachedData()));
  }
  return { exports: module.exports, cache };
}
