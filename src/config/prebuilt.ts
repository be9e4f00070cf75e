import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from './package-root.ts';

/**
 * The prebuilt JavaScript of an entry in dist/cli/ (scripts/setup.sh, ADR 031), or undefined when the
 * sources must run through tsx instead. Code that itself runs from the build always gets it; code run
 * from the sources (tests, benches) gets it only while it is newer than every source file, so an edit
 * is never masked by a stale build. SHOMEI_RUN_FROM=src|dist overrides the choice (for measuring).
 */
export function prebuiltEntry(entry: 'shomei' | 'work-jobs'): string | undefined {
  const file = path.join(packageRoot(), 'dist', 'cli', `${entry}.js`);
  const choice = process.env.SHOMEI_RUN_FROM;
  if (choice === 'src' || !existsSync(file)) return undefined;
  const fresh = choice === 'dist' || runningPrebuilt() || statSync(file).mtimeMs >= newestSource();
  return fresh ? pathToFileURL(file).href : undefined;
}

/** True in the build: this file's own URL is a .js chunk there and a .ts file in the sources. */
function runningPrebuilt(): boolean {
  return !import.meta.url.endsWith('.ts');
}

let newest: number | undefined;

/** Newest modification time under src/, read once per process (a few hundred stat calls). */
function newestSource(): number {
  newest ??= newestIn(path.join(packageRoot(), 'src'));
  return newest;
}

function newestIn(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newestIn(full) : statSync(full).mtimeMs);
  }
  return latest;
}
