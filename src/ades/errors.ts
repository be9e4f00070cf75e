/** The typed errors of signature creation. Messages name structure, never document content or secrets. */
import { type ShomeiError, shomeiError } from '../errors/index.ts';
import { derReader } from '../pki/index.ts';

export function adesMalformed(what: string, reason: string, cause?: unknown): ShomeiError {
  return shomeiError(
    'SHOMEI_ADES_MALFORMED',
    `${what} の形式が正しくありません (${reason})。`,
    `The ${what} is malformed (${reason}).`,
    { status: 400, details: { what, reason }, cause },
  );
}

/** pki's DER walker, failing with SHOMEI_ADES_MALFORMED: the code callers of ades rely on. */
/** The DER walker with AdES's error codes. */
export const adesDerReader = derReader(adesMalformed);
export const { readSingle, children, readOid } = adesDerReader;

export function adesInputTooLarge(what: string, size: number, limit: number): ShomeiError {
  return shomeiError(
    'SHOMEI_ADES_INPUT_TOO_LARGE',
    `${what} が大きすぎます (${size} バイト、上限 ${limit} バイト)。`,
    `The ${what} is too large (${size} bytes, limit ${limit} bytes).`,
    { status: 413, details: { what, size, limit } },
  );
}

export function signingStateInvalid(reason: string): ShomeiError {
  return shomeiError(
    'SHOMEI_ADES_STATE_INVALID',
    `署名の途中状態が不正です (${reason})。署名をやり直してください。`,
    `The saved signing state is invalid (${reason}). Start the signature again.`,
    { status: 400, details: { reason } },
  );
}

export function signatureValueInvalid(reason: string): ShomeiError {
  return shomeiError(
    'SHOMEI_ADES_SIGNATURE_VALUE_INVALID',
    `署名値が署名者の証明書の公開鍵で検証できません (${reason})。`,
    `The signature value does not verify with the signer certificate's public key (${reason}).`,
    { status: 400, details: { reason } },
  );
}

export function adesAlgorithmUnsupported(what: string): ShomeiError {
  return shomeiError(
    'SHOMEI_ADES_ALGORITHM_UNSUPPORTED',
    `対応していないアルゴリズムの組み合わせです (${what})。`,
    `Unsupported algorithm combination (${what}).`,
    { status: 400, details: { what } },
  );
}

export function timestampFailed(reason: string, cause?: unknown): ShomeiError {
  return shomeiError(
    'SHOMEI_ADES_TIMESTAMP_FAILED',
    `タイムスタンプを取得できませんでした (${reason})。`,
    `The timestamp could not be obtained (${reason}).`,
    { status: 502, details: { reason }, cause },
  );
}

export function validationDataUnavailable(
  reason: string,
  details: Record<string, unknown> = {},
): ShomeiError {
  return shomeiError(
    'SHOMEI_ADES_VALIDATION_DATA_UNAVAILABLE',
    `検証情報 (証明書・失効情報) を揃えられませんでした (${reason})。`,
    `The validation data (certificates, revocation information) could not be gathered (${reason}).`,
    { status: 502, details: { reason, ...details } },
  );
}

export function signatureLevelInvalid(level: string): ShomeiError {
  return shomeiError(
    'SHOMEI_ADES_LEVEL_INVALID',
    `署名レベルが不正です: ${level} (B-B, B-T, B-LT, B-LTA のいずれか)。`,
    `Invalid signature level: ${level} (one of B-B, B-T, B-LT, B-LTA).`,
    { status: 400, details: { level } },
  );
}

/** A caller asked for a level without giving the service it needs (TSA, revocation source). */
export function adesServiceMissing(name: string): ShomeiError {
  return shomeiError(
    'SHOMEI_ADES_SERVICE_MISSING',
    `この署名レベルには ${name} が必要ですが、設定されていません。`,
    `This signature level needs ${name}, which is not configured.`,
    { status: 500, details: { service: name } },
  );
}

export function adesLevelConflict(option: string, level: string): ShomeiError {
  return shomeiError(
    'SHOMEI_ADES_LEVEL_CONFLICT',
    `${option} と署名レベル ${level} は両立しません (検証情報・文書タイムスタンプを追加できなくなります)。`,
    `${option} cannot be combined with level ${level} (validation data and document timestamps could not be added).`,
    { status: 400, details: { option, level } },
  );
}
