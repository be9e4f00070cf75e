/** Link tokens, access codes and party sessions: random from node:crypto, stored only as hashes. */
import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Ten digits in two groups of five (easy to read out by telephone). */
export function generateAccessCode(): string {
  const digits = Array.from({ length: 10 }, () => randomInt(0, 10)).join('');
  return `${digits.slice(0, 5)}-${digits.slice(5)}`;
}

function normaliseCode(code: string): string {
  return code.normalize('NFKC').replace(/[\s-]/g, '');
}

/** Access codes are short, so they get a slow salted hash rather than a plain digest. */
export async function hashAccessCode(code: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(normaliseCode(code), salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyAccessCode(stored: string, code: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined || code.length > 64) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(normaliseCode(code), Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}
