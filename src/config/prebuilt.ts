import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from './package-root.ts';

/**
 * The prebuilt JavaScript of an entry in dist/cli/ (scripts/setup.sh, ADR 031), or undefined when the
 * sources must run through tsx instead. Code that itself runs from the build always gets it; code run
 * from the sources (tests, benches) gets it only while no source it was built from is newer or gone, so
 * an edit is never masked by a stale build (bin/shomei.js decides the same way, ADR 038).
 * SHOMEI_RUN_FROM=src|dist overrides the choice (for measuring).
 */
export function prebuiltEntry(entry: 'shomei' | 'work-jobs'): string | undefined {
  const file = path.join(packageRoot(), 'dist', 'cli', `${entry}.js`);
  const choice = process.env.SHOMEI_RUN_FROM;
  if (choice === 'src' || !existsSync(file)) return undefined;
  const fresh = choice === 'dist' || runningPrebuilt() || sourcesUnchanged(statSync(file).mtimeMs);
  return fresh ? pathToFileURL(file).href : undefined;
}

/** True in the build: this file's own URL is a .js chunk there and a .ts file in the sources. */
function runningPrebuilt(): boolean {
  return !import.meta.url.endsWith('.ts');
}

let unchanged: boolean | undefined;

/** Every source listed in dist/cli/sources.txt is still there and not newer than the build; read once. */
function sourcesUnchanged(stamp: number): boolean {
  unchanged ??= listedSourcesUnchanged(stamp);
  return unchanged;
}

function listedSourcesUnchanged(stamp: number): boolean {
  const root = packageRoot();
  const list = path.join(root, 'dist', 'cli', 'sources.txt');
  if (!existsSync(list)) return false;
  return readFileSync(list, 'utf8')
    .split('\n')
    .filter((source) => source !== '')
    .every((source) => {
      const stat = statSync(path.join(root, source), { throwIfNoEntry: false });
      return stat !== undefined && stat.mtimeMs <= stamp;
    });
}
