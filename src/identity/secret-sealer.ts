/**
 * Encryption at rest for secrets the server must read back (TOTP seeds): AES-256-GCM under a
 * data-encryption key that never leaves the HSM.
 */
import type { CryptoModule } from '../crypto/index.ts';
import type { KeyRegistry } from '../store/index.ts';

export interface SecretSealer {
  seal(plaintext: Uint8Array): Promise<{ keyId: string; sealed: Buffer }>;
  open(keyId: string, sealed: Uint8Array): Promise<Buffer>;
}

export const IDENTITY_SEAL_KEY_PURPOSE = 'identity-secret-encryption';

/** Uses (or creates on first use, and records) the identity module's data-encryption key. */
export function hsmSecretSealer(crypto: CryptoModule, keys: KeyRegistry): SecretSealer {
  let keyId: Promise<string> | undefined;
  const currentKey = async (): Promise<string> => {
    const existing = await keys.findActiveByPurpose(IDENTITY_SEAL_KEY_PURPOSE);
    const oldest = existing.sort((a, b) => a.created_at.localeCompare(b.created_at))[0];
    if (oldest !== undefined) return oldest.key_id;
    const key = await crypto.createSecretKey('data-encryption', 'identity-secrets');
    await keys.record({
      keyId: key.id,
      label: key.label,
      kind: key.kind,
      algorithm: key.algorithm,
      purpose: IDENTITY_SEAL_KEY_PURPOSE,
    });
    return key.id;
  };
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
