/**
 * Looking at a test home's SoftHSM2 token from outside (pkcs11-tool, another process) and handing
 * public keys to openssl; shared by the crypto tests.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ShomeiConfig } from '../../src/config/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { softHsmEnv } from './home.ts';
import { run } from './run.ts';

/** `pkcs11-tool --list-objects` after logging in with the user PIN: session objects never show. */
export function listTokenObjects(home: { readonly home: string; readonly config: ShomeiConfig }): string {
  const pins = JSON.parse(readFileSync(home.config.pkcs11.pinFile, 'utf8')) as { userPin: string };
  const result = run(
    'pkcs11-tool',
    [
      '--module',
      home.config.pkcs11.modulePath,
      '--token-label',
      'shomei',
      '--login',
      '--pin',
      pins.userPin,
      '--list-objects',
    ],
    { env: softHsmEnv(home.home) },
  );
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/** A DER SubjectPublicKeyInfo as the PEM text openssl reads. */
export function spkiPem(spki: Buffer): string {
  const body = spki.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`;
}

/** The promise fails with a ShomeiError of this code. */
export async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isShomeiError(error), `expected a ShomeiError, got ${String(error)}`);
    assert.equal(error.code, code, JSON.stringify(error.details));
    return true;
  });
}
