/**
 * How a party proved who it was, in words (ja / en) for the certificate of completion. A signed-in
 * account is recorded as `account-session:<factors> (<aal>)` (authenticationOf); a business user
 * reads the factors, not the record's syntax.
 */
const METHOD: Record<string, string> = {
  'email-link+access-code': 'メールのリンクとアクセスコード / Mailed link and access code',
  'password+totp': 'パスワードと認証アプリ / Password and authenticator app',
  'password+passkey': 'パスワードとパスキー / Password and passkey',
  'pin+totp': '証明書の PIN と認証アプリ / Certificate PIN and authenticator app',
  'pin+email-otp': '証明書の PIN とメールの確認コード / Certificate PIN and mailed code',
  'pin+login-totp': '証明書の PIN とログイン用の認証アプリ / Certificate PIN and login authenticator app',
  'pin+otp': '証明書の PIN とワンタイムコード / Certificate PIN and one-time code',
  'api-key': '連携用の API キー / Integration API key',
};

const FACTOR: Record<string, readonly [ja: string, en: string]> = {
  password: ['パスワード', 'password'],
  totp: ['認証アプリ', 'authenticator app'],
  passkey: ['パスキー', 'passkey'],
  'recovery-code': ['回復コード', 'recovery code'],
  federated: ['組織のシングルサインオン', "organisation's single sign-on"],
};

const ACCOUNT_SESSION = /^account-session:([a-z+-]+)(?: \((aal[12])\))?$/;

/** Words for a recorded method; null when it is not one we know (the caller shows the raw value). */
export function methodWords(value: string): string | null {
  const known = METHOD[value];
  if (known !== undefined) return known;
  const session = ACCOUNT_SESSION.exec(value);
  if (session === null) return null;
  const factors = (session[1] ?? '').split('+').map((f) => FACTOR[f]);
  if (factors.length === 0 || factors.some((f) => f === undefined)) return null;
  const ja = factors.map((f) => f?.[0]).join('と');
  const en = factors.map((f) => f?.[1]).join(' and ');
  return `ログイン中のアカウント (${ja}) / Signed-in account (${en})`;
}
