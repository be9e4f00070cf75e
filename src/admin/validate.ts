/** Small defensive parsers for identifiers and text that arrive from HTTP or the CLI. */
import { invalidInput } from './errors.ts';

export function identifier(value: unknown, field: string, max = 128): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/.test(value) || value.length > max) {
    throw invalidInput(field, `must be 1–${max} letters, digits or _.:@-`);
  }
  return value;
}

export function plainText(value: unknown, field: string, max = 200): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw invalidInput(field, `must be non-empty text of at most ${max} characters`);
  }
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) throw invalidInput(field, 'must not contain control characters');
  }
  return value.trim();
}

export function isoDate(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    throw invalidInput(field, 'must be a date YYYY-MM-DD');
  }
  const parsed = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value) {
    throw invalidInput(field, 'is not a calendar date');
  }
  return value;
}
