/**
 * The SO PIN is not the application's to keep (issue #22): `shomei init` writes the user PIN to the
 * PIN file and the SO PIN once to a separate 0600 file the operator moves away; pkcs11-tool proves
 * it is the token's SO PIN. A PIN file of an older installation that still holds the SO PIN is
 * split on the next open, with the token still usable.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { openShomei } from '../../src/app/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { makeTestHome, softHsmEnv } from '../helpers/home.ts';
import { run, runShomei } from '../helpers/run.ts';

const home = makeTestHome();
after(() => home.remove());

function soLogin(pin: string): { status: number; output: string } {
  const result = run(
    'pkcs11-tool',
    [
      '--module',
      home.config.pkcs11.modulePath,
      '--token-label',
      home.config.pkcs11.tokenLabel,
      '--login',
      '--login-type',
      'so',
      '--so-pin',
      pin,
      // SoftHSM2 logs the SO in on read-write sessions only.
      '--session-rw',
      '--list-objects',
    ],
    { env: softHsmEnv(home.home) },
  );
  return { status: result.status, output: result.stdout + result.stderr };
}

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;

describe('SO PIN', () => {
  let soPin: string;
  let soPinFile: string;

  test('init keeps the user PIN only; the SO PIN is written once to a 0600 file for the operator', () => {
    const init = runShomei(['init'], home.env);
    assert.equal(init.status, 0, init.stderr);
    const printed = JSON.parse(init.stdout) as { soPinFile: string; soPinNote: string };
    soPinFile = printed.soPinFile;
    assert.match(printed.soPinNote, /safe storage/);
    assert.doesNotMatch(init.stdout + init.stderr, new RegExp(json(soPinFile).soPin!));
    assert.deepEqual(Object.keys(json(home.config.pkcs11.pinFile)), ['userPin']);
    assert.deepEqual(Object.keys(json(soPinFile)), ['soPin']);
    assert.equal(statSync(soPinFile).mode & 0o777, 0o600);
    soPin = json(soPinFile).soPin!;
    assert.equal(soLogin(soPin).status, 0, 'the file holds the token SO PIN');
    assert.notEqual(soLogin(`${soPin}x`).status, 0, 'a wrong SO PIN is refused');
    const again = JSON.parse(runShomei(['init'], home.env).stdout) as { soPinFile?: string };
    assert.equal(again.soPinFile, undefined, 'shown once: a second init does not write it again');
  });

  test('an older PIN file that still holds the SO PIN is split on open; the token still opens', async () => {
    const pinFile = home.config.pkcs11.pinFile;
    const userPin = json(pinFile).userPin!;
    rmSync(soPinFile);
    writeFileSync(pinFile, `${JSON.stringify({ soPin, userPin })}\n`, { mode: 0o600 });
    const shomei = await openShomei(home.config, createLogger({ level: 'silent' }));
    try {
      assert.ok((await shomei.crypto.listKeys()).length > 0);
    } finally {
      await shomei.close();
    }
    assert.deepEqual(json(pinFile), { userPin });
    assert.deepEqual(json(soPinFile), { soPin });
    assert.equal(statSync(pinFile).mode & 0o777, 0o600);
  });
});
