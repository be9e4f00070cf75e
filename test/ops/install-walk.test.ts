/**
 * The install guide, run as written (issue #22): every ```sh walk block of docs/install.md is
 * extracted and executed by bash in an empty directory, with `shomei` meaning this tree's CLI, so a
 * renamed command, a changed option or a changed default makes this test fail. Blocks that need root,
 * a real HSM or the provider's hosts are not marked `walk` and are not run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { run, SHOMEI_BIN } from '../helpers/run.ts';

const GUIDE = path.resolve(import.meta.dirname, '../../docs/install.md');

const work = mkdtempSync(path.join(tmpdir(), 'shomei-walk-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The bodies of the fenced blocks whose info string is `sh walk`, in document order. */
function walkBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh walk\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

test('docs/install.md: the walk blocks run as written in an empty directory', () => {
  const blocks = walkBlocks(readFileSync(GUIDE, 'utf8'));
  assert.ok(blocks.length > 0, 'the guide marks the steps a test can run');
  const script = [
    'set -euo pipefail',
    `shomei() { ${JSON.stringify(process.execPath)} ${JSON.stringify(SHOMEI_BIN)} "$@"; }`,
    ...blocks,
  ].join('\n');
  const { SHOMEI_HOME: _home, SHOMEI_DATABASE_URL: _db, ...env } = process.env;
  const result = run('bash', ['-c', script], {
    cwd: work,
    env: { ...env, SHOMEI_LOG_LEVEL: 'warn', SHOMEI_LANG: 'en' },
  });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  // What the guide says the steps leave behind.
  const data = path.join(work, 'data');
  assert.ok(existsSync(path.join(data, 'shomei.db')), 'the database is in ./data');
  assert.ok(existsSync(path.join(data, 'tokens')), 'the token is in ./data/tokens');
  const pins = JSON.parse(readFileSync(path.join(data, 'secrets', 'token-pins.json'), 'utf8'));
  assert.deepEqual(Object.keys(pins), ['userPin'], 'the PIN file holds the user PIN only');
  const soPinFile = path.join(data, 'secrets', 'token-so-pin.json');
  assert.equal(statSync(soPinFile).mode & 0o777, 0o600);
  assert.match(result.stdout, new RegExp(`"soPinFile": "${soPinFile}"`));
  assert.match(result.stdout, /"ok": true/, 'audit verify');
});
