/**
 * Secret tokens (session ids, activation tokens, recovery codes): random from the CSPRNG, stored only
 * as SHA-256 hashes. A fast hash is enough here because the tokens carry ≥ 128 bits of entropy
 * (recovery codes 80 bits), unlike passwords.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function newSecretToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A value derived from a secret with a purpose label; one-way, so it reveals nothing about the secret. */
export function deriveFromSecret(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(purpose, 'utf8').digest('base64url');
}

export function constantTimeEquals(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
