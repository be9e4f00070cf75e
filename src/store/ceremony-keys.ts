/**
 * Installation secret keys (sealing TOTP seeds, OTP seeds, webhook secrets) are made by the key
 * ceremony at `shomei init` and recorded there as `key.generate` (ADR 019, issue #18); a module that
 * finds none refuses with a typed error naming the ceremony instead of generating one on first use.
 */
import type { CryptoModule } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { KeyRegistry } from './key-registry.ts';

/** The ceremony step (idempotent): an AES data-encryption key of `purpose`, generated in the HSM if none. */
export async function generateCeremonySecretKey(
  crypto: CryptoModule,
  keys: KeyRegistry,
  purpose: string,
  label: string,
): Promise<{ keyId: string; generated: boolean }> {
  const existing = await oldestActive(keys, purpose);
  if (existing !== undefined) return { keyId: existing, generated: false };
  const key = await crypto.createSecretKey('data-encryption', label);
  await keys.record({ keyId: key.id, label: key.label, kind: key.kind, algorithm: key.algorithm, purpose });
  return { keyId: key.id, generated: true };
}

/** The ceremony's key of `purpose`; SHOMEI_KEY_NOT_FOUND telling to run the ceremony when none. */
export async function ceremonyKeyOf(keys: KeyRegistry, purpose: string): Promise<string> {
  const existing = await oldestActive(keys, purpose);
  if (existing !== undefined) return existing;
  throw shomeiError(
    'SHOMEI_KEY_NOT_FOUND',
    `用途 ${purpose} の鍵がありません。鍵生成の儀式 (shomei init) を実行してください。`,
    `There is no key for ${purpose}; run the key ceremony (shomei init).`,
    { status: 500, details: { purpose, ceremony: 'init' } },
  );
}

async function oldestActive(keys: KeyRegistry, purpose: string): Promise<string | undefined> {
  const found = await keys.findActiveByPurpose(purpose);
  return found.sort((a, b) => a.created_at.localeCompare(b.created_at))[0]?.key_id;
}
