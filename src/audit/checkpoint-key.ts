/** The HSM key that signs audit checkpoints and archive manifests (purpose `audit-checkpoint`). */
import type { CryptoModule, DigestSigner } from '../crypto/index.ts';
import { digestSignerFor } from '../crypto/index.ts';
import type { KeyRegistry } from '../store/index.ts';

export const CHECKPOINT_KEY_PURPOSE = 'audit-checkpoint';
export const CHECKPOINT_KEY_LABEL = 'shomei-audit-checkpoint';

/** Finds the active checkpoint key, generating it (EC P-256, inside the HSM) when there is none. */
export async function ensureCheckpointKey(crypto: CryptoModule, keys: KeyRegistry): Promise<DigestSigner> {
  for (const record of await keys.findActiveByPurpose(CHECKPOINT_KEY_PURPOSE)) {
    if (await crypto.hasKey(record.key_id)) return digestSignerFor(crypto, record.key_id);
  }
  const key = await crypto.generateSigningKey('EC-P256', CHECKPOINT_KEY_LABEL);
  await keys.record({
    keyId: key.id,
    label: key.label,
    kind: key.kind,
    algorithm: key.algorithm,
    purpose: CHECKPOINT_KEY_PURPOSE,
    publicKey: key.publicKey,
  });
  return digestSignerFor(crypto, key.id);
}
