/**
 * The health key: a P-256 key in the token whose only use is the signature /readyz makes on every
 * call, so that readiness means "this instance can sign now" and not merely "the token lists keys"
 * (issue #22: a token that went away kept listing while every signature failed). It signs random
 * challenges only, never anything with a time or a name in it, so the clock guard does not apply.
 */
import { createHash, randomBytes, verify } from 'node:crypto';
import type { CryptoModule } from '../crypto/index.ts';
import type { KeyRegistry } from '../store/index.ts';

export const HEALTH_KEY_PURPOSE = 'health-check';
const HEALTH_KEY_LABEL = 'shomei-health-check';
const PROBE_TIMEOUT_MS = 5000;

/** Generates the health key once per installation (idempotent, like the other installation keys). */
export async function ensureHealthKey(crypto: CryptoModule, keys: KeyRegistry): Promise<void> {
  for (const record of await keys.findActiveByPurpose(HEALTH_KEY_PURPOSE)) {
    if (await crypto.hasKey(record.key_id)) return;
  }
  const key = await crypto.generateSigningKey('EC-P256', HEALTH_KEY_LABEL);
  await keys.record({
    keyId: key.id,
    label: key.label,
    kind: key.kind,
    algorithm: key.algorithm,
    purpose: HEALTH_KEY_PURPOSE,
    publicKey: key.publicKey,
  });
}

export interface HsmProbe {
  /** The key the probe signs with (the signing observer lets it pass without the clock check). */
  readonly keyId: string | undefined;
  /** Signs a fresh challenge and verifies the signature here; 'failed' with the reason otherwise. */
  check(): Promise<{ status: 'ok' } | { status: 'failed'; reason: string }>;
}

export async function hsmProbe(crypto: CryptoModule, keys: KeyRegistry): Promise<HsmProbe> {
  const keyId = (await keys.findActiveByPurpose(HEALTH_KEY_PURPOSE))[0]?.key_id;
  const publicKey = keyId === undefined ? undefined : await crypto.getKey(keyId).then((k) => k.publicKey);
  return {
    keyId,
    async check() {
      if (keyId === undefined || publicKey === undefined)
        return { status: 'failed', reason: 'no health key' };
      const challenge = randomBytes(32);
      const digest = createHash('sha256').update(challenge).digest();
      let timer: NodeJS.Timeout | undefined;
      try {
        const signature = await Promise.race([
          crypto.signDigest(keyId, digest, { digestAlgorithm: 'SHA-256' }),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(new Error('the HSM did not answer in time')), PROBE_TIMEOUT_MS);
          }),
        ]);
        const ok = verify('sha256', challenge, { key: publicKey, format: 'der', type: 'spki' }, signature);
        return ok ? { status: 'ok' } : { status: 'failed', reason: 'signature did not verify' };
      } catch (error) {
        const code = (error as { code?: string }).code;
        return { status: 'failed', reason: code ?? (error as Error).message };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
