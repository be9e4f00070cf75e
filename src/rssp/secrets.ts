/**
 * Random values and their stored forms. SAD, tokens, codes and client secrets carry 256 random bits
 * from node:crypto and are stored only as SHA-256 (a slow hash adds nothing for values this
 * random); PINs are low-entropy and get argon2id.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Argon2 from '@node-rs/argon2';

let loaded: typeof Argon2 | undefined;
/** The native module on a PIN's first use, as for passwords (ADR 046): an idle server holds none (ADR 052). */
function argon2(): typeof Argon2 {
  loaded ??= createRequire(import.meta.url)('@node-rs/argon2') as typeof Argon2;
  return loaded;
}

/** 32 random bytes, base64url (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A short random identifier (128 bits), for credential and grant ids. */
export function randomId(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

export function secretHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function sameSecretHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** argon2id with the library's defaults (m=19 MiB, t=2, p=1: OWASP's minimum). */
export function hashPin(pin: string): Promise<string> {
  return argon2().hash(pin, { algorithm: 2 /* Argon2id */ });
}

export async function verifyPin(stored: string, pin: string): Promise<boolean> {
  // Loaded outside the try: a module that cannot load is an error, not a wrong PIN.
  const { verify } = argon2();
  try {
    return await verify(stored, pin);
  } catch {
    return false;
  }
}

/** A numeric one-time code of `digits` digits, uniform (rejection sampling avoids modulo bias). */
export function randomNumericCode(digits: number): string {
  const limit = 10 ** digits;
  const ceiling = Math.floor(0x1_0000_0000 / limit) * limit;
  for (;;) {
    const n = randomBytes(4).readUInt32BE(0);
    if (n < ceiling) return String(n % limit).padStart(digits, '0');
  }
}
