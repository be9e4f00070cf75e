import { type ShomeiError, shomeiError } from '../errors/index.ts';

/** PKCS#11 return values we translate into stable, typed errors; everything else is SHOMEI_HSM_ERROR. */
const KNOWN: Record<string, { code: string; ja: string; en: string; status: number }> = {
  CKR_KEY_UNEXTRACTABLE: {
    code: 'SHOMEI_KEY_NOT_EXTRACTABLE',
    ja: 'この鍵は暗号モジュールの外へ取り出せません。',
    en: 'This key cannot leave the cryptographic module.',
    status: 403,
  },
  CKR_ATTRIBUTE_SENSITIVE: {
    code: 'SHOMEI_KEY_NOT_EXTRACTABLE',
    ja: 'この鍵の値は暗号モジュールの外へ取り出せません。',
    en: 'The value of this key cannot leave the cryptographic module.',
    status: 403,
  },
  CKR_KEY_FUNCTION_NOT_PERMITTED: {
    code: 'SHOMEI_KEY_USAGE_NOT_PERMITTED',
    ja: 'この鍵はその用途に使えません (署名専用など)。',
    en: 'This key is not permitted for that use (for example, it is for signing only).',
    status: 403,
  },
  CKR_KEY_TYPE_INCONSISTENT: {
    code: 'SHOMEI_KEY_USAGE_NOT_PERMITTED',
    ja: 'この鍵の種類ではその操作はできません。',
    en: 'This kind of key cannot perform that operation.',
    status: 403,
  },
  CKR_PIN_INCORRECT: {
    code: 'SHOMEI_HSM_PIN_INCORRECT',
    ja: '暗号モジュールの PIN が正しくありません。',
    en: 'The cryptographic module PIN is incorrect.',
    status: 500,
  },
  CKR_PIN_LOCKED: {
    code: 'SHOMEI_HSM_PIN_LOCKED',
    ja: '暗号モジュールの PIN がロックされています。',
    en: 'The cryptographic module PIN is locked.',
    status: 500,
  },
  CKR_WRAPPED_KEY_INVALID: {
    code: 'SHOMEI_KEY_IMPORT_INVALID',
    ja: 'ラップされた鍵を復元できません (ラップ鍵が違うか、データが壊れています)。',
    en: 'The wrapped key could not be unwrapped (wrong wrapping key or corrupted data).',
    status: 400,
  },
  CKR_ENCRYPTED_DATA_INVALID: {
    code: 'SHOMEI_DATA_KEY_INVALID',
    ja: '暗号化されたデータ鍵を復号できません。',
    en: 'The encrypted data key could not be decrypted.',
    status: 400,
  },
};

interface Pkcs11LikeError {
  message: string;
  method?: string;
}

/** Translates an error thrown by pkcs11js into a typed ShomeiError (never includes PINs: pkcs11js messages do not). */
export function toCryptoError(error: unknown, operation: string): ShomeiError {
  const e = error as Pkcs11LikeError;
  const ckr = typeof e?.message === 'string' ? /CKR_[A-Z_]+/.exec(e.message)?.[0] : undefined;
  // SoftHSM2 reports a failed RFC 5649 integrity check as CKR_GENERAL_ERROR: during an unwrap that
  // means the wrapped key (or the wrapping key chosen) is wrong, which the caller can act on.
  const unwrapFailure =
    operation === 'C_UnwrapKey' && ckr !== undefined && /GENERAL_ERROR|WRAPPED_KEY|UNWRAPPING_KEY/.test(ckr);
  const known = ckr === undefined ? undefined : unwrapFailure ? KNOWN.CKR_WRAPPED_KEY_INVALID : KNOWN[ckr];
  if (known !== undefined) {
    return shomeiError(known.code, known.ja, known.en, {
      status: known.status,
      details: { operation, pkcs11: ckr },
      cause: error,
    });
  }
  return shomeiError(
    'SHOMEI_HSM_ERROR',
    `暗号モジュールでの処理 (${operation}) に失敗しました。`,
    `The cryptographic module failed during ${operation}.`,
    { status: 500, details: { operation, pkcs11: ckr ?? 'unknown' }, cause: error },
  );
}

export function keyNotFound(keyId: string): ShomeiError {
  return shomeiError(
    'SHOMEI_KEY_NOT_FOUND',
    `鍵 ${keyId} は暗号モジュールにありません。`,
    `Key ${keyId} is not in the cryptographic module.`,
    { status: 404, details: { keyId } },
  );
}
