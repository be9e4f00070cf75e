/**
 * Random values and their stored forms. SAD, tokens, codes and client secrets carry 256 random bits
 * from node:crypto and are stored only as SHA-256 (a slow hash adds nothing for values this
 * random); PINs are low-entropy and get argon2id.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';

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
  return argon2Hash(pin, { algorithm: 2 /* Argon2id */ });
}

export async function verifyPin(stored: string, pin: string): Promise<boolean> {
  try {
    return await argon2Verify(stored, pin);
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
