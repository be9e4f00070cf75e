/**
 * Several processes on one SoftHSM2 token directory (several instances): a key another process made
 * is found here even after this process wrote a key of its own (SoftHSM2 then stops re-reading the
 * directory unless told to; src/crypto/softhsm-generation.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { readPinFile } from '../../src/crypto/index.ts';
import { openTestShomei, softHsmEnv } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';

let shomei: Awaited<ReturnType<typeof openTestShomei>>;
before(async () => {
  shomei = await openTestShomei();
});
after(async () => {
  await shomei?.close();
});

test('a key made by another process stays visible after this process makes one', async () => {
  const config = shomei.config;
  const id = randomBytes(16).toString('hex');
  // Another process (pkcs11-tool) writes a token key while this one has the token open.
  const made = run(
    'pkcs11-tool',
    [
      '--module',
      config.pkcs11.modulePath,
      '--token-label',
      config.pkcs11.tokenLabel,
      '--login',
      '--pin',
      readPinFile(config.pkcs11.pinFile).userPin,
      '--keygen',
      '--key-type',
      'AES:32',
      '--id',
      id,
      '--label',
      'other-process',
    ],
    { env: softHsmEnv(shomei.home) },
  );
  assert.equal(made.status, 0, made.stderr);
  // This process then writes a key of its own: SoftHSM2 takes the token's new generation as seen.
  const own = await shomei.crypto.createSecretKey('data-encryption', 'this-process');
  assert.equal(await shomei.crypto.hasKey(own.id), true);
  assert.equal(await shomei.crypto.hasKey(id), true);
  assert.equal((await shomei.crypto.getKey(id)).label, 'other-process');
  assert.equal(await shomei.crypto.hasKey(randomBytes(16).toString('hex')), false);
});
