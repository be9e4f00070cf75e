/**
 * A stopped server exits with 0 and logs no error (issue #20, ADR 045). `bench/server-rss.ts` removed
 * its home while the server was stopping: the shutdown checkpoint's HSM call failed, the session pool
 * re-initialised the PKCS#11 module, its C_Initialize failed (the token directory was gone), and the
 * library registry then finalised a module that was no longer initialised: CKR_CRYPTOKI_NOT_INITIALIZED
 * thrown out of close(), logged as "uncaught error; the process exits" with exit code 1.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { makeTestHome } from '../helpers/home.ts';
import { runShomei } from '../helpers/run.ts';
import { startShomei } from '../ops/helpers.ts';

const home = makeTestHome({ SHOMEI_LOG_LEVEL: 'error' });
after(() => home.remove());

/** The JSON lines at level error (50) or above: what a log pipeline would alert on. */
function errorLines(output: string): Array<{ level: number; msg: string; err?: { message?: string } }> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((line) => line.level >= 50);
}

describe('stopping the server', () => {
  test('SIGTERM: exit 0, nothing logged at error level', async () => {
    const init = runShomei(['init'], home.env);
    assert.equal(init.status, 0, init.stderr);
    const server = await startShomei(home.env);
    assert.equal((await fetch(`${server.address}/healthz`)).status, 200);
    assert.equal(await server.stop(), 0, server.output());
    assert.deepEqual(errorLines(server.output()), []);
  });

  test('the token directory gone before SIGTERM: the failed checkpoint is said, and the exit is still 0', async () => {
    const server = await startShomei(home.env);
    const conf = readFileSync(`${home.home}/softhsm2.conf`, 'utf8');
    const tokens = /^directories\.tokendir\s*=\s*(.+)$/m.exec(conf)![1]!.trim();
    rmSync(tokens, { recursive: true, force: true });
    assert.equal(await server.stop(), 0, server.output());
    const errors = errorLines(server.output());
    // The one thing the lost token prevented, named; no fatal line, no PKCS#11 error out of close().
    assert.deepEqual(
      errors.map((line) => line.msg),
      ['audit shutdown checkpoint failed'],
    );
    assert.doesNotMatch(server.output(), /CKR_CRYPTOKI_NOT_INITIALIZED|uncaught error/);
  });
});
