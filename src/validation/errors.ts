/** Typed errors of the validation module: input that cannot be validated at all (exit code 2, HTTP 4xx). */
import { type ShomeiError, shomeiError } from '../errors/index.ts';

export function unusableInput(reason: string, details: Record<string, unknown> = {}): ShomeiError {
  return shomeiError(
    'SHOMEI_VALIDATION_UNUSABLE_INPUT',
    `検証できない入力です（${reason}）。`,
    `The input cannot be validated (${reason}).`,
    { status: 422, details: { reason, ...details } },
  );
}

export function noSignatures(): ShomeiError {
  return shomeiError(
    'SHOMEI_VALIDATION_NO_SIGNATURE',
    '文書に署名またはタイムスタンプがありません。',
    'The document contains no signature or timestamp.',
    { status: 422 },
  );
}

export function inputTooLarge(what: string, size: number, limit: number): ShomeiError {
  return shomeiError(
    'SHOMEI_VALIDATION_TOO_LARGE',
    `${what}が大きすぎます（${size} バイト、上限 ${limit} バイト）。`,
    `The ${what} is too large (${size} bytes, limit ${limit} bytes).`,
    { status: 413, details: { what, size, limit } },
  );
}

export function trustStoreInvalid(reason: string): ShomeiError {
  return shomeiError(
    'SHOMEI_VALIDATION_TRUST_STORE_INVALID',
    `トラストアンカーのファイルを読み込めません（${reason}）。`,
    `The trust anchor file cannot be read (${reason}).`,
    { status: 400, details: { reason } },
  );
}

export function detachedDataMissing(): ShomeiError {
  return shomeiError(
    'SHOMEI_VALIDATION_DATA_MISSING',
    'CAdES 分離署名の検証には署名対象データ（--data）が必要です。',
    'A detached CAdES signature needs the signed data (--data) to be validated.',
    { status: 422 },
  );
}

export function policyInvalid(reason: string): ShomeiError {
  return shomeiError(
    'SHOMEI_VALIDATION_POLICY_INVALID',
    `検証ポリシーを使えません（${reason}）。`,
    `The validation policy cannot be used (${reason}).`,
    { status: 400, details: { reason } },
  );
}
