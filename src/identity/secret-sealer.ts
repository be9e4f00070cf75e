/**
 * Encryption at rest for secrets the server must read back (TOTP seeds): AES-256-GCM under a
 * data-encryption key that never leaves the HSM.
 */
import type { CryptoModule } from '../crypto/index.ts';
import { ceremonyKeyOf, generateCeremonySecretKey, type KeyRegistry } from '../store/index.ts';

export interface SecretSealer {
  seal(plaintext: Uint8Array): Promise<{ keyId: string; sealed: Buffer }>;
  open(keyId: string, sealed: Uint8Array): Promise<Buffer>;
}

export const IDENTITY_SEAL_KEY_PURPOSE = 'identity-secret-encryption';

/** The identity module's sealing key, made by the key ceremony (`shomei init`), never on first use. */
export function generateIdentitySealKey(
  crypto: CryptoModule,
  keys: KeyRegistry,
): Promise<{ keyId: string; generated: boolean }> {
  return generateCeremonySecretKey(crypto, keys, IDENTITY_SEAL_KEY_PURPOSE, 'identity-secrets');
}

/** Seals under the ceremony's identity key; SHOMEI_KEY_NOT_FOUND naming the ceremony when there is none. */
export function hsmSecretSealer(crypto: CryptoModule, keys: KeyRegistry): SecretSealer {
  let keyId: Promise<string> | undefined;
  const currentKey = (): Promise<string> => ceremonyKeyOf(keys, IDENTITY_SEAL_KEY_PURPOSE);
  return {
    async seal(plaintext) {
      keyId ??= currentKey().catch((error: unknown) => {
        keyId = undefined;
        throw error;
      });
      const id = await keyId;
      return { keyId: id, sealed: await crypto.encryptWithKey(id, plaintext) };
    },
    open: (id, sealed) => crypto.decryptWithKey(id, sealed),
  };
}
