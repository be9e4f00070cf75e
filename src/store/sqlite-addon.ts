/**
 * better-sqlite3's compiled addon, looked for where the `bindings` package looks first and in its
 * order (build/, build/Debug/, build/Release/ of the package), so the same file loads. Handing its path
 * to better-sqlite3 (its `nativeBinding` option) skips bindings' search, ~4 ms of each command that
 * opens SQLite: a stack trace parsed to find the package, then a require of each candidate path until
 * one loads (ADR 050). Anywhere else, better-sqlite3 searches with bindings as before. A module of its
 * own, without Kysely, so that `shomei verify` (which reads one row with the driver alone) uses it too.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

let sqliteAddon: string | undefined | null = null;

/** better-sqlite3's options naming its addon, or none when bindings should search as usual. */
export function sqliteAddonOption(): { nativeBinding?: string } {
  if (sqliteAddon === null) {
    const root = path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
    sqliteAddon = ['build', 'build/Debug', 'build/Release']
      .map((dir) => path.join(root, dir, 'better_sqlite3.node'))
      .find((file) => existsSync(file));
  }
  return sqliteAddon === undefined ? {} : { nativeBinding: sqliteAddon };
}
