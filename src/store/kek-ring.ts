/**
 * The KEKs of the key hierarchy (ADR 017): a few AES-256 keys in the HSM, one per purpose and epoch.
 * They are recorded in the key registry with purpose `kek:<purpose>`; the newest active one is the
 * current epoch, which wraps or seals new keys. Older active epochs still open what they protect
 * until a rotation re-wraps it and destroys them.
 */
import type { CryptoModule, KeyInfo } from '../crypto/index.ts';
import type { KeyRecord, KeyRegistry } from './key-registry.ts';

/** Purposes with a KEK, and the kind of AES key each is. */
export const KEK_PURPOSES = {
  /** Derives the per-key wrapping keys of users' signing keys (C_DeriveKey, then C_WrapKey). */
  'user-signing': 'key-encryption',
  /** Seals per-document content keys with AES-GCM, the document id as additional data. */
  'contract-document': 'data-encryption',
} as const;

export type KekPurpose = keyof typeof KEK_PURPOSES;

export function kekRegistryPurpose(purpose: KekPurpose): string {
  return `kek:${purpose}`;
}

/**
 * How long a process keeps using the epoch it last looked up. Another process (the rotation command)
 * may start a new epoch meanwhile; an epoch is destroyed only well after this (rekey's grace period).
 */
export const CURRENT_KEK_TTL_MS = 60_000;

export class KekRing {
  private readonly current = new Map<string, { kek: Promise<string>; at: number }>();

  constructor(
    private readonly crypto: CryptoModule,
    private readonly keys: KeyRegistry,
    /** Told about each KEK generated here (the composition root records key.generate). */
    private readonly onGenerated: (key: KeyInfo, purpose: KekPurpose) => Promise<void> = async () => {},
  ) {}

  /** The KEK (CKA_ID hex) of the current epoch; the first one is generated when there is none. */
  currentKek(purpose: string): Promise<string> {
    const cached = this.current.get(purpose);
    if (cached !== undefined && Date.now() - cached.at < CURRENT_KEK_TTL_MS) return cached.kek;
    const kek = this.loadOrGenerate(purpose);
    this.current.set(purpose, { kek, at: Date.now() });
    kek.catch(() => this.current.delete(purpose));
    return kek;
  }

  /** Reads the current epoch again at the next use (after another process rotated or destroyed it). */
  forget(purpose: string): void {
    this.current.delete(purpose);
  }

  /** Active epochs of a purpose, oldest first. */
  epochs(purpose: KekPurpose): Promise<KeyRecord[]> {
    return this.keys.findActiveByPurpose(kekRegistryPurpose(purpose));
  }

  /** True when the key id names a KEK (of any purpose, active or destroyed). */
  async isKek(keyId: string): Promise<boolean> {
    const record = await this.keys.get(keyId);
    return record?.purpose.startsWith('kek:') ?? false;
  }

  /** Starts a new epoch: new keys are wrapped or sealed under a fresh KEK from now on. */
  async rotate(purpose: KekPurpose): Promise<KeyInfo> {
    const key = await this.generate(purpose);
    this.current.set(purpose, { kek: Promise.resolve(key.id), at: Date.now() });
    return key;
  }

  /** Destroys an epoch's KEK in the HSM: whatever it still protects (in any backup) is unreadable. */
  async destroy(keyId: string, reason: string): Promise<void> {
    await this.crypto.destroyKey(keyId);
    await this.keys.markDestroyed(keyId, reason);
    for (const [purpose, cached] of this.current) {
      if ((await cached.kek.catch(() => undefined)) === keyId) this.current.delete(purpose);
    }
  }

  /** Generates the KEK of every purpose that has none yet (shomei init; idempotent). */
  async ensureAll(): Promise<void> {
    for (const purpose of Object.keys(KEK_PURPOSES)) await this.currentKek(purpose);
  }

  private async loadOrGenerate(purpose: string): Promise<string> {
    if (!(purpose in KEK_PURPOSES)) {
      throw new Error(`no KEK purpose ${purpose}`);
    }
    const newest = (await this.epochs(purpose as KekPurpose)).at(-1);
    if (newest !== undefined) return newest.key_id;
    return (await this.generate(purpose as KekPurpose)).id;
  }

  private async generate(purpose: KekPurpose): Promise<KeyInfo> {
    const registryPurpose = kekRegistryPurpose(purpose);
    const epoch = (await this.keys.list()).filter((k) => k.purpose === registryPurpose).length + 1;
    const key = await this.crypto.createSecretKey(KEK_PURPOSES[purpose], `kek:${purpose}:${epoch}`);
    try {
      await this.keys.record({
        keyId: key.id,
        label: key.label,
        kind: key.kind,
        algorithm: key.algorithm,
        purpose: registryPurpose,
      });
    } catch (error) {
      await this.crypto.destroyKey(key.id).catch(() => undefined);
      throw error;
    }
    await this.onGenerated(key, purpose);
    return key;
  }
}
