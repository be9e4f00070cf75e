/**
 * argon2id password hashing (@node-rs/argon2). Each stored hash records its parameters; a login
 * that verifies against older parameters re-hashes with the current ones.
 */
import { createRequire } from 'node:module';
import type * as Argon2 from '@node-rs/argon2';
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
const ARGON2ID = 2 as Argon2.Algorithm;

let loaded: typeof Argon2 | undefined;
/**
 * The native module on first use: a command whose operator signs in with a session file hashes no
 * password, and loading it cost ~8 ms of every such start (ADR 046).
 */
function argon2(): typeof Argon2 {
  loaded ??= createRequire(import.meta.url)('@node-rs/argon2') as typeof Argon2;
  return loaded;
}

export interface StoredPasswordHash {
  readonly hash: string;
  /** JSON of { algorithm, memoryCost, timeCost, parallelism }. */
  readonly parameters: string;
}

export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(private readonly parameters: Argon2Parameters = DEFAULT_ARGON2_PARAMETERS) {}

  async hash(password: string): Promise<StoredPasswordHash> {
    const hashed = await argon2().hash(normalisePassword(password), {
      algorithm: ARGON2ID,
      ...this.parameters,
    });
    return {
      hash: hashed,
      parameters: JSON.stringify({ algorithm: 'argon2id', ...this.parameters }),
    };
  }

  async verify(stored: string, password: string): Promise<boolean> {
    try {
      return await argon2().verify(stored, normalisePassword(password));
    } catch {
      return false;
    }
  }

  /** True when the hash was made with other parameters than the current ones. */
  needsRehash(stored: string): boolean {
    try {
      const used = argon2().parseOptions(stored);
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
    this.dummy ??= argon2().hash('shomei-dummy-password-for-unknown-users', {
      algorithm: ARGON2ID,
      ...this.parameters,
    });
    await this.verify(await this.dummy, password);
    return false;
  }
}
