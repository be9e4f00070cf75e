/**
 * Password acceptance per NIST SP 800-63B 5.1.1.2: at least 12 characters (our policy; NIST asks for
 * 8+), no composition rules, and refusal of passwords found in a list of commonly used and breached
 * passwords (the zxcvbn-ts common list, ~49,000 entries from breach corpora) or derived from the
 * account's own identifiers.
 */
import { createRequire } from 'node:module';
import { type ShomeiError, shomeiError } from '../errors/index.ts';

export const MIN_PASSWORD_LENGTH = 12;
/** Upper bound keeps hashing cost bounded; far above what any person types (NIST: allow ≥ 64). */
export const MAX_PASSWORD_LENGTH = 256;

const LIST_MODULE = '@zxcvbn-ts/language-common/dist/passwords.json.cjs';

let commonPasswords: WeakRef<Set<string>> | undefined;

/**
 * The list (~49,000 words, ~3 MB of heap) is loaded when a password is checked and not held by an
 * idle server (ADRs 031, 052): passwords are set rarely. A weak reference lets checks close together
 * (the demo's accounts) share one load until the garbage collector takes it. Only the list's module is
 * required, and the modules it loads are taken out of node's module cache again, so that nothing else
 * keeps the words.
 */
function common(): Set<string> {
  const held = commonPasswords?.deref();
  if (held !== undefined) return held;
  const load = createRequire(import.meta.url);
  const cached = new Set(Object.keys(load.cache));
  const list = new Set((load(LIST_MODULE) as readonly string[]).map((p) => p.toLowerCase()));
  // The list's module and the decompressor it loads (which names the list's module as its parent).
  for (const file of Object.keys(load.cache)) if (!cached.has(file)) delete load.cache[file];
  commonPasswords = new WeakRef(list);
  return list;
}

export type PasswordRejection = 'too-short' | 'too-long' | 'common' | 'contains-identifier' | 'repetitive';

/** NIST asks for Unicode normalisation (NFKC) before hashing so that equivalent input matches. */
export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

export function passwordRejection(
  password: string,
  identifiers: readonly string[] = [],
): PasswordRejection | null {
  const normalised = normalisePassword(password);
  const length = [...normalised].length;
  if (length < MIN_PASSWORD_LENGTH) return 'too-short';
  if (length > MAX_PASSWORD_LENGTH) return 'too-long';
  const lower = normalised.toLowerCase();
  if (new Set(lower).size <= 2) return 'repetitive';
  const list = common();
  if (list.has(lower)) return 'common';
  // Common word padded with digits or symbols ("password1234!") or repeated ("qwertyqwerty").
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  if (core.length > 0 && core.length < lower.length && list.has(core)) return 'common';
  for (let size = 1; size <= lower.length / 2; size += 1) {
    if (lower.length % size === 0 && lower.slice(0, size).repeat(lower.length / size) === lower) {
      return list.has(lower.slice(0, size)) || size <= 3 ? 'common' : null;
    }
  }
  for (const identifier of identifiers) {
    const id = identifier.normalize('NFKC').toLowerCase();
    if (id.length >= 4 && lower.includes(id)) return 'contains-identifier';
  }
  return null;
}

const MESSAGES: Record<PasswordRejection, { ja: string; en: string }> = {
  'too-short': {
    ja: `パスワードは ${MIN_PASSWORD_LENGTH} 文字以上にしてください。`,
    en: `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`,
  },
  'too-long': {
    ja: `パスワードは ${MAX_PASSWORD_LENGTH} 文字以下にしてください。`,
    en: `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`,
  },
  common: {
    ja: 'このパスワードはよく使われているか、漏えいしたパスワードの一覧にあります。別のパスワードにしてください。',
    en: 'This password is commonly used or appears in lists of breached passwords. Please choose another.',
  },
  'contains-identifier': {
    ja: 'パスワードにメールアドレスや氏名を含めないでください。',
    en: 'The password must not contain your email address or name.',
  },
  repetitive: {
    ja: '同じ文字の繰り返しはパスワードに使えません。',
    en: 'The password must not be a repetition of the same characters.',
  },
};

/** Throws SHOMEI_PASSWORD_REJECTED (422) naming the reason, or returns the normalised password. */
export function acceptPassword(password: string, identifiers: readonly string[] = []): string {
  const rejection = passwordRejection(password, identifiers);
  if (rejection !== null) throw passwordRejected(rejection);
  return normalisePassword(password);
}

function passwordRejected(reason: PasswordRejection): ShomeiError {
  const message = MESSAGES[reason];
  return shomeiError('SHOMEI_PASSWORD_REJECTED', message.ja, message.en, {
    status: 422,
    details: { reason, minLength: MIN_PASSWORD_LENGTH },
  });
}
