/**
 * Checks an audit event from any module before it enters the chain: sizes, shapes, and secrets.
 * Detail keys that look like secrets are removed (their names are kept under `redactedKeys`), and
 * string values that look like key material are replaced, so a careless caller cannot leak a PIN,
 * SAD, OTP, password, token or private key into the permanent record.
 */
import { shomeiError } from '../errors/index.ts';
import { canonicalJson } from './canonical.ts';
import type { AuditActorKind, AuditEventInput, AuditOutcome } from './events.ts';

export const AUDIT_LIMITS = {
  typeLength: 100,
  idLength: 256,
  sourceLength: 128,
  detailsBytes: 16 * 1024,
  detailsDepth: 8,
} as const;

const ACTOR_KINDS: readonly AuditActorKind[] = ['user', 'operator', 'process', 'client-system', 'anonymous'];
const OUTCOMES: readonly AuditOutcome[] = ['success', 'failure'];
const EVENT_TYPE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

/** Words that make a detail key a secret wherever they appear in it (camelCase, snake, kebab). */
const SECRET_WORDS = new Set([
  'pin',
  'pins',
  'puk',
  'password',
  'passwd',
  'passphrase',
  'sad',
  'otp',
  'totp',
  'hotp',
  'token',
  'tokens',
  'secret',
  'secrets',
  'cookie',
  'authorization',
  'credentials',
  'privatekey',
  'seed',
  'recovery',
]);
const SECRET_PAIRS: readonly [string, string][] = [
  ['private', 'key'],
  ['key', 'material'],
  ['key', 'bytes'],
  ['session', 'id'],
  ['api', 'key'],
  ['auth', 'data'],
];
const KEY_MATERIAL_VALUE = /-----BEGIN [A-Z ]*PRIVATE KEY-----|-----BEGIN [A-Z ]*SECRET/;

function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

export function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  return SECRET_PAIRS.some(([a, b]) => {
    const i = words.indexOf(a);
    return i >= 0 && words[i + 1] === b;
  });
}

export interface SanitisedEvent {
  readonly type: string;
  readonly actor: { kind: AuditActorKind; id: string; tenantId: string | null };
  readonly subject: { kind: string; id: string } | null;
  readonly outcome: AuditOutcome;
  readonly source: string | null;
  readonly details: Record<string, unknown>;
}

function invalid(field: string, reason: string): Error {
  return shomeiError(
    'SHOMEI_AUDIT_EVENT_INVALID',
    `監査イベントの ${field} が不正です: ${reason}`,
    `The audit event's ${field} is invalid: ${reason}`,
    { status: 400, details: { field, reason } },
  );
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, 'must be a non-empty string');
  if (value.length > max) throw invalid(field, `longer than ${max} characters`);
  // Control characters in identifiers would let a record pretend to be two lines in exports.
  if (hasControlCharacter(value)) throw invalid(field, 'contains control characters');
  return value;
}

function stripSecrets(value: unknown, path: string, redacted: string[], depth: number): unknown {
  if (depth > AUDIT_LIMITS.detailsDepth) throw invalid('details', 'nested too deeply');
  if (typeof value === 'string') return KEY_MATERIAL_VALUE.test(value) ? '[redacted]' : value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    throw invalid('details', `${path} holds raw bytes; record a hash or identifier instead`);
  }
  if (Array.isArray(value))
    return value.map((item, i) => stripSecrets(item, `${path}[${i}]`, redacted, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      // A key holding undefined is an absent key (CONTRIBUTING, Optional fields): not recorded, not redacted.
      if (inner === undefined) continue;
      const here = path === '' ? key : `${path}.${key}`;
      if (isSecretKey(key)) {
        redacted.push(here);
        continue;
      }
      out[key] = stripSecrets(inner, here, redacted, depth + 1);
    }
    return out;
  }
  return value;
}

/** Validates and cleans an event; throws SHOMEI_AUDIT_EVENT_INVALID for unusable input. */
export function sanitiseAuditEvent(event: AuditEventInput): SanitisedEvent {
  if (event === null || typeof event !== 'object') throw invalid('event', 'must be an object');
  const type = text(event.type, 'type', AUDIT_LIMITS.typeLength);
  if (!EVENT_TYPE.test(type)) throw invalid('type', 'must be dotted lower-case words such as key.generate');
  const actor = event.actor;
  if (actor === null || typeof actor !== 'object') throw invalid('actor', 'must be an object');
  if (!ACTOR_KINDS.includes(actor.kind))
    throw invalid('actor.kind', `must be one of ${ACTOR_KINDS.join(', ')}`);
  const actorId = text(actor.id, 'actor.id', AUDIT_LIMITS.idLength);
  const tenantId =
    actor.tenantId === undefined ? null : text(actor.tenantId, 'actor.tenantId', AUDIT_LIMITS.idLength);
  let subject: SanitisedEvent['subject'] = null;
  if (event.subject !== undefined) {
    if (event.subject === null || typeof event.subject !== 'object')
      throw invalid('subject', 'must be an object');
    subject = {
      kind: text(event.subject.kind, 'subject.kind', AUDIT_LIMITS.typeLength),
      id: text(event.subject.id, 'subject.id', AUDIT_LIMITS.idLength),
    };
  }
  if (!OUTCOMES.includes(event.outcome)) throw invalid('outcome', 'must be success or failure');
  const source = event.source === undefined ? null : text(event.source, 'source', AUDIT_LIMITS.sourceLength);
  let details: Record<string, unknown> = {};
  if (event.details !== undefined) {
    if (event.details === null || typeof event.details !== 'object' || Array.isArray(event.details)) {
      throw invalid('details', 'must be an object');
    }
    const redacted: string[] = [];
    details = stripSecrets(event.details, '', redacted, 0) as Record<string, unknown>;
    if (redacted.length > 0) details.redactedKeys = redacted;
  }
  const size = Buffer.byteLength(canonicalJson(details));
  if (size > AUDIT_LIMITS.detailsBytes)
    throw invalid('details', `larger than ${AUDIT_LIMITS.detailsBytes} bytes`);
  return {
    type,
    actor: { kind: actor.kind, id: actorId, tenantId },
    subject,
    outcome: event.outcome,
    source,
    details,
  };
}
