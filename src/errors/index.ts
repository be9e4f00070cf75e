/**
 * Typed errors with stable codes. Every error a person or a client system can see carries a code
 * (`SHOMEI_…`, or a protocol's own code such as the CSC API's `invalid_request`) and a message in
 * Japanese and English. HTTP status mapping lives here so that the server maps errors in one place.
 */

export interface LocalizedText {
  readonly ja: string;
  readonly en: string;
}

export interface ShomeiErrorOptions {
  /** HTTP status when the error crosses an HTTP boundary. */
  readonly status?: number;
  /** Extra, non-secret facts for logs and clients (never PINs, SAD, tokens or keys). */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/**
 * Marks a ShomeiError made by another copy of this module: `shomei verify` runs as its own bundle
 * (ADR 038), and its errors reach the command's entry, which has its own copy of this class.
 */
const BRAND = Symbol.for('shomei.ShomeiError');

export class ShomeiError extends Error {
  readonly [BRAND] = true;
  readonly code: string;
  readonly messages: LocalizedText;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, messages: LocalizedText, options: ShomeiErrorOptions = {}) {
    super(`${code}: ${messages.en}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShomeiError';
    this.code = code;
    this.messages = messages;
    this.status = options.status ?? 400;
    this.details = options.details ?? {};
  }

  toJSON(): { code: string; message: LocalizedText; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.messages, details: this.details };
  }
}

export function isShomeiError(error: unknown): error is ShomeiError {
  return (
    error instanceof ShomeiError ||
    (error instanceof Error && (error as { [BRAND]?: unknown })[BRAND] === true)
  );
}

/** Shorthand used by modules to declare their errors next to where they are thrown. */
export function shomeiError(
  code: string,
  ja: string,
  en: string,
  options: ShomeiErrorOptions = {},
): ShomeiError {
  return new ShomeiError(code, { ja, en }, options);
}

/** The text a caller may show for any error, without leaking internals of unexpected ones. */
export function describeError(error: unknown): { code: string; message: LocalizedText; status: number } {
  if (isShomeiError(error)) return { code: error.code, message: error.messages, status: error.status };
  return {
    code: 'SHOMEI_INTERNAL',
    message: { ja: '内部エラーが発生しました。', en: 'An internal error occurred.' },
    status: 500,
  };
}

/**
 * Route input declared with zod is checked by Fastify before the handler runs (src/server); the
 * refusal is the route's own module error, so a client sees the same SHOMEI_… code as when the
 * module parsed the input itself. A route names its factory in `config.invalidInput`.
 */
export type InvalidInput = (field: string, reason: string) => ShomeiError;

/** For routes of modules without an input error of their own. */
export const invalidInput: InvalidInput = (field, reason) =>
  shomeiError(
    'SHOMEI_INPUT_INVALID',
    `入力 ${field} が不正です: ${reason}`,
    `Input ${field} is invalid: ${reason}`,
    {
      status: 400,
      details: { field, reason },
    },
  );

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Turns a schema refusal into this route's typed error (default: SHOMEI_INPUT_INVALID). */
    invalidInput?: InvalidInput;
  }
}
