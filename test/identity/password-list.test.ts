/**
 * The common-password list is loaded for a check and not held afterwards (ADR 052): once the garbage
 * collector has taken it, the next password set is checked against the whole list again, loaded anew.
 * Run in a child process with `--expose-gc`, so that the collection happens when the test says.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const policy = path.resolve(import.meta.dirname, '../../src/identity/password-policy.ts');

describe('common-password list held only while in use', () => {
  it('refuses common passwords before and after the list was collected, and keeps no module of it', () => {
    const script = [
      'import { createRequire } from "node:module";',
      `import { passwordRejection } from ${JSON.stringify(policy)};`,
      'const tick = () => new Promise((resolve) => setImmediate(resolve));',
      'const answers = [];',
      'for (const password of ["password1234", "qwertyuiop123!", "correct horse battery staple"]) {',
      '  answers.push(passwordRejection(password));',
      '  await tick();',
      '  globalThis.gc();',
      '  await tick();',
      '}',
      'const cached = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes("zxcvbn"));',
      'process.stdout.write(JSON.stringify({ answers, cached }));',
    ].join('\n');
    const result = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { answers: ['common', 'common', null], cached: [] });
  });
});
