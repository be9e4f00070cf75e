/** Errors of the identity module. Messages never say whether an account exists or is locked. */
import { type ShomeiError, shomeiError } from '../errors/index.ts';

/** The single answer for a failed login: unknown user, wrong password, locked or suspended account. */
export function authenticationFailed(): ShomeiError {
  return shomeiError(
    'SHOMEI_AUTH_FAILED',
    'メールアドレスまたはパスワードが正しくないか、現在ログインできません。',
    'The email address or password is incorrect, or login is not possible at the moment.',
    { status: 401 },
  );
}

export function secondFactorFailed(): ShomeiError {
  return shomeiError(
    'SHOMEI_AUTH_SECOND_FACTOR_FAILED',
    '確認コードまたはパスキーによる認証に失敗しました。',
    'The verification code or passkey was not accepted.',
    { status: 401 },
  );
}

export function rateLimited(): ShomeiError {
  return shomeiError(
    'SHOMEI_AUTH_RATE_LIMITED',
    '試行回数が多すぎます。しばらくしてから再度お試しください。',
    'Too many attempts. Please try again later.',
    { status: 429 },
  );
}

export function notAuthenticated(): ShomeiError {
  return shomeiError('SHOMEI_AUTH_REQUIRED', 'ログインが必要です。', 'Login is required.', { status: 401 });
}

export function forbidden(privilege?: string): ShomeiError {
  return shomeiError(
    'SHOMEI_FORBIDDEN',
    'この操作を行う権限がありません。',
    'You are not allowed to perform this operation.',
    { status: 403, details: privilege === undefined ? {} : { privilege } },
  );
}

export function csrfRejected(): ShomeiError {
  return shomeiError(
    'SHOMEI_CSRF_REJECTED',
    'リクエストを確認できませんでした (CSRF トークンがないか正しくありません)。',
    'The request could not be verified (the CSRF token is missing or wrong).',
    { status: 403 },
  );
}

export function wrongStage(expected: string): ShomeiError {
  return shomeiError(
    'SHOMEI_AUTH_STEP_INVALID',
    'この認証手順は現在のセッションでは実行できません。',
    'This authentication step is not available in the current session.',
    { status: 409, details: { expected } },
  );
}

export function notFound(kind: string): ShomeiError {
  return shomeiError('SHOMEI_NOT_FOUND', '対象が見つかりません。', 'The requested item was not found.', {
    status: 404,
    details: { kind },
  });
}

export function invalidToken(): ShomeiError {
  return shomeiError(
    'SHOMEI_TOKEN_INVALID',
    'リンクが無効か、期限切れか、既に使用されています。',
    'The link is invalid, has expired or has already been used.',
    { status: 400 },
  );
}

export function invalidState(message: { ja: string; en: string }, details: Record<string, unknown> = {}) {
  return shomeiError('SHOMEI_STATE_INVALID', message.ja, message.en, { status: 409, details });
}
