/** Errors of the CA, RA and external-CA adapter. */
import { type ShomeiError, shomeiError } from '../errors/index.ts';

export const caErrors = {
  csrSignatureInvalid: (): ShomeiError =>
    shomeiError(
      'SHOMEI_CA_CSR_SIGNATURE_INVALID',
      '証明書署名要求 (CSR) の署名が正しくありません。',
      'The signature of the certificate request (CSR) is not valid.',
      { status: 400 },
    ),
  keyUnknown: (): ShomeiError =>
    shomeiError(
      'SHOMEI_CA_KEY_UNKNOWN',
      'CSR の公開鍵は、この HSM の鍵でも承認済みの申請の鍵でもありません。',
      'The CSR public key is neither a key in this HSM nor the key of an approved application.',
      { status: 403 },
    ),
  keyMismatch: (details: Record<string, unknown> = {}): ShomeiError =>
    shomeiError(
      'SHOMEI_CA_KEY_MISMATCH',
      '証明書の公開鍵が鍵と一致しません。',
      'The public key of the certificate does not match the key.',
      { status: 400, details },
    ),
  keyAlgorithm: (): ShomeiError =>
    shomeiError(
      'SHOMEI_CA_KEY_ALGORITHM_UNSUPPORTED',
      '対応していない鍵です (RSA 2048/3072/4096, ECDSA P-256/P-384 に対応)。',
      'Unsupported key (RSA 2048/3072/4096 and ECDSA P-256/P-384 are supported).',
      { status: 400 },
    ),
  keyPurpose: (purpose: string, profile: string): ShomeiError =>
    shomeiError(
      'SHOMEI_CA_KEY_PURPOSE_MISMATCH',
      `用途 ${purpose} の鍵には ${profile} の証明書を発行できません。`,
      `A key with purpose ${purpose} cannot be certified for the ${profile} profile.`,
      { status: 403, details: { purpose, profile } },
    ),
  notFound: (serialNumber: string): ShomeiError =>
    shomeiError(
      'SHOMEI_CA_CERTIFICATE_NOT_FOUND',
      `シリアル番号 ${serialNumber} の証明書はありません。`,
      `There is no certificate with serial number ${serialNumber}.`,
      { status: 404, details: { serialNumber } },
    ),
  alreadyRevoked: (serialNumber: string): ShomeiError =>
    shomeiError(
      'SHOMEI_CA_ALREADY_REVOKED',
      `証明書 ${serialNumber} は既に失効しています。`,
      `Certificate ${serialNumber} is already revoked.`,
      { status: 409, details: { serialNumber } },
    ),
  notSetUp: (): ShomeiError =>
    shomeiError(
      'SHOMEI_CA_NOT_SET_UP',
      '組み込み認証局が初期化されていません (shomei init を実行してください)。',
      'The embedded CA is not set up (run shomei init).',
      { status: 503 },
    ),
  untrusted: (reason: string): ShomeiError =>
    shomeiError(
      'SHOMEI_CA_UNTRUSTED',
      `証明書は信頼する認証局につながりません (${reason})。`,
      `The certificate does not chain to a trusted CA (${reason}).`,
      { status: 400, details: { reason } },
    ),
  invalidInput: (field: string, reason: string): ShomeiError =>
    shomeiError(
      'SHOMEI_CA_INPUT_INVALID',
      `${field} が不正です: ${reason}`,
      `${field} is invalid: ${reason}`,
      {
        status: 400,
        details: { field, reason },
      },
    ),
};
