/**
 * SQLite's addon named by path (ADR 050) is the very one better-sqlite3 loads when it searches with
 * `bindings` itself, so naming it changes nothing but the search.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { sqliteAddonOption } from '../../src/store/index.ts';

const load = createRequire(import.meta.url);

test('the addon named for better-sqlite3 is the one its own search finds', () => {
  const { nativeBinding } = sqliteAddonOption();
  assert.ok(nativeBinding !== undefined, 'an installed better-sqlite3 has its addon under build/');
  const root = path.dirname(load.resolve('better-sqlite3/package.json'));
  const searched = load(load.resolve('bindings', { paths: [root] }))({
    bindings: 'better_sqlite3.node',
    module_root: root,
  }) as unknown;
  assert.equal(load(nativeBinding), searched);
});
