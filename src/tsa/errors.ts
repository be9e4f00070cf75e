/** Errors of the TSA server and client. */
import { type ShomeiError, shomeiError } from '../errors/index.ts';

export function tsaError(
  code: string,
  ja: string,
  en: string,
  status = 502,
  details: Record<string, unknown> = {},
): ShomeiError {
  return shomeiError(code, ja, en, { status, details });
}

export const tsaErrors = {
  rejected: (status: number, failInfo: readonly string[], text: string | undefined): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_REJECTED',
      `TSA がタイムスタンプを拒否しました (status ${status}${failInfo.length > 0 ? `, ${failInfo.join(',')}` : ''})。`,
      `The TSA refused the timestamp (status ${status}${failInfo.length > 0 ? `, ${failInfo.join(',')}` : ''}).`,
      502,
      { status, failInfo, statusText: text?.slice(0, 200) },
    ),
  malformed: (reason: string): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_REPLY_MALFORMED',
      `TSA の応答の形式が正しくありません (${reason})。`,
      `The TSA reply is malformed (${reason}).`,
      502,
      { reason },
    ),
  imprintMismatch: (): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_IMPRINT_MISMATCH',
      'タイムスタンプのハッシュ値が要求と一致しません。',
      'The timestamp message imprint does not match the request.',
    ),
  nonceMismatch: (): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_NONCE_MISMATCH',
      'タイムスタンプの nonce が要求と一致しません。',
      'The timestamp nonce does not match the request.',
    ),
  policyMismatch: (policy: string): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_POLICY_MISMATCH',
      `タイムスタンプのポリシー (${policy}) が要求と一致しません。`,
      `The timestamp policy (${policy}) does not match the request.`,
      502,
      { policy },
    ),
  timeOutOfTolerance: (genTime: Date): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_TIME_OUT_OF_TOLERANCE',
      `タイムスタンプの時刻 (${genTime.toISOString()}) が許容範囲外です。`,
      `The timestamp time (${genTime.toISOString()}) is outside the tolerance.`,
      502,
      { genTime: genTime.toISOString() },
    ),
  certificateInvalid: (reason: string): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_CERTIFICATE_INVALID',
      `TSA 証明書が不適切です (${reason})。`,
      `The TSA certificate is not acceptable (${reason}).`,
      502,
      { reason },
    ),
  signatureInvalid: (reason: string): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_SIGNATURE_INVALID',
      `タイムスタンプの署名が正しくありません (${reason})。`,
      `The timestamp signature is not valid (${reason}).`,
      502,
      { reason },
    ),
  untrusted: (reason: string): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_UNTRUSTED',
      `TSA 証明書が信頼できる認証局につながりません (${reason})。`,
      `The TSA certificate does not chain to a trusted CA (${reason}).`,
      502,
      { reason },
    ),
  unreachable: (reason: string): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_UNREACHABLE',
      `TSA に接続できません (${reason})。`,
      `The TSA cannot be reached (${reason}).`,
      502,
      {
        reason,
      },
    ),
  tooLarge: (limit: number): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_REPLY_TOO_LARGE',
      `TSA の応答が大きすぎます (上限 ${limit} バイト)。`,
      `The TSA reply is too large (limit ${limit} bytes).`,
      502,
      { limit },
    ),
  notSetUp: (): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_NOT_SET_UP',
      '組み込み TSA が初期化されていません (shomei init を実行してください)。',
      'The embedded TSA is not set up (run shomei init).',
      503,
    ),
  renewalNeedsTwo: (): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_RENEWAL_NEEDS_TWO',
      'TSA 鍵の更新には実施者と承認者の 2 名 (別人) が必要です (--operator と --approved-by)。',
      'Renewing the TSA key needs two different people: the operator and the approver (--operator and --approved-by).',
      400,
    ),
  renewalConflict: (): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_RENEWAL_CONFLICT',
      'TSA 鍵は同時に別の操作で更新されました。状態を確認してください (shomei tsa status)。',
      'The TSA key was renewed by another operation at the same moment; check shomei tsa status.',
      409,
    ),
  circuitOpen: (origin: string, retryAfterSeconds: number): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_CIRCUIT_OPEN',
      `TSA (${origin}) が続けて失敗したため、${retryAfterSeconds} 秒後まで要求を送りません。`,
      `The TSA (${origin}) failed repeatedly; no request is sent for ${retryAfterSeconds} seconds.`,
      503,
      { origin, retryAfterSeconds },
    ),
  certificateRevoked: (subject: string): ShomeiError =>
    tsaError(
      'SHOMEI_TSA_CERTIFICATE_REVOKED',
      `TSA の証明書 (${subject}) は失効しています。このトークンは使いません。`,
      `The TSA certificate (${subject}) is revoked; its token is not used.`,
      502,
      { subject },
    ),
};
