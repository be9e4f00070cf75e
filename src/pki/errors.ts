/** Typed errors of the PKI helpers: every malformed or oversized input ends in one of these. */
import { type ShomeiError, shomeiError } from '../errors/index.ts';

export function inputTooLarge(what: string, size: number, limit: number): ShomeiError {
  return shomeiError(
    'SHOMEI_PKI_INPUT_TOO_LARGE',
    `${what} が大きすぎます (${size} バイト、上限 ${limit} バイト)。`,
    `The ${what} is too large (${size} bytes, limit ${limit} bytes).`,
    { status: 413, details: { what, size, limit } },
  );
}

export function malformed(what: string, reason: string, cause?: unknown): ShomeiError {
  return shomeiError(
    'SHOMEI_PKI_MALFORMED',
    `${what} の形式が正しくありません (${reason})。`,
    `The ${what} is malformed (${reason}).`,
    { status: 400, details: { what, reason }, cause },
  );
}

export function unsupportedAlgorithm(oid: string): ShomeiError {
  return shomeiError(
    'SHOMEI_PKI_ALGORITHM_UNSUPPORTED',
    `対応していない署名アルゴリズムです (${oid})。`,
    `Unsupported signature algorithm (${oid}).`,
    { status: 400, details: { oid } },
  );
}
