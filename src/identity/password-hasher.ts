/**
 * argon2id password hashing (@node-rs/argon2). Each stored hash records its parameters; a login
 * that verifies against older parameters re-hashes with the current ones.
 */
import { type Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';
import { normalisePassword } from './password-policy.ts';

export interface Argon2Parameters {
  /** KiB */
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet minimum for argon2id: m=19 MiB, t=2, p=1. */
export const DEFAULT_ARGON2_PARAMETERS: Argon2Parameters = {
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

// Algorithm is an ambient const enum that isolatedModules cannot read; 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;

export interface StoredPasswordHash {
  readonly hash: string;
  /** JSON of { algorithm, memoryCost, timeCost, parallelism }. */
  readonly parameters: string;
}

export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(private readonly parameters: Argon2Parameters = DEFAULT_ARGON2_PARAMETERS) {}

  async hash(password: string): Promise<StoredPasswordHash> {
    const hashed = await hash(normalisePassword(password), { algorithm: ARGON2ID, ...this.parameters });
    return {
      hash: hashed,
      parameters: JSON.stringify({ algorithm: 'argon2id', ...this.parameters }),
    };
  }

  async verify(stored: string, password: string): Promise<boolean> {
    try {
      return await verify(stored, normalisePassword(password));
    } catch {
      return false;
    }
  }

  /** True when the hash was made with other parameters than the current ones. */
  needsRehash(stored: string): boolean {
    try {
      const used = parseOptions(stored);
      return (
        used.memoryCost !== this.parameters.memoryCost ||
        used.timeCost !== this.parameters.timeCost ||
        used.parallelism !== this.parameters.parallelism
      );
    } catch {
      return true;
    }
  }

  /** Spends the same work as a real check, for unknown users (no account-existence oracle). */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= hash('shomei-dummy-password-for-unknown-users', {
      algorithm: ARGON2ID,
      ...this.parameters,
    });
    await this.verify(await this.dummy, password);
    return false;
  }
}
