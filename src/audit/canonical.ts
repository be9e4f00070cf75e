/**
 * Canonical JSON for hashing and signing: object keys sorted by code unit, no whitespace, no
 * undefined, finite numbers only (RFC 8785 in spirit; our values are strings, integers, booleans,
 * null, arrays and plain objects, for which JSON.stringify's number and string forms are canonical).
 */
import { shomeiError } from '../errors/index.ts';

export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | CanonicalValue[]
  | { [key: string]: CanonicalValue };

export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

const MAX_DEPTH = 32;

function write(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw notCanonical('nesting too deep');
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw notCanonical('non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => write(item, depth + 1)).join(',')}]`;
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw notCanonical('not a plain object');
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, depth + 1)}`).join(',')}}`;
    }
    default:
      throw notCanonical(`unsupported value of type ${typeof value}`);
  }
}

function notCanonical(reason: string): Error {
  return shomeiError(
    'SHOMEI_AUDIT_EVENT_INVALID',
    `監査イベントに JSON で表せない値があります: ${reason}`,
    `The audit event holds a value JSON cannot represent: ${reason}`,
    { status: 400, details: { reason } },
  );
}
