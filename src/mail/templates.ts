/** Mail texts, Japanese first then English, in one message (recipients may read either). */
import type { MailMessage } from './mailer.ts';

const SEPARATOR = '\n\n----------------------------------------\n\n';

export function activationMail(params: {
  to: string;
  displayName: string;
  link: string;
  expiresAt: string;
  serviceName: string;
}): MailMessage {
  const ja = [
    `${params.displayName} 様`,
    '',
    `${params.serviceName} の利用申請が承認されました。次のリンクからパスワードを設定し、アカウントを有効にしてください。`,
    '',
    params.link,
    '',
    `このリンクは一度だけ使えます。有効期限: ${params.expiresAt} (UTC)`,
    'お心当たりのない場合は、このメールを破棄してください。',
  ].join('\n');
  const en = [
    `Dear ${params.displayName},`,
    '',
    `Your application to use ${params.serviceName} has been approved. Set your password and activate your account with this link:`,
    '',
    params.link,
    '',
    `The link works once and expires at ${params.expiresAt} (UTC).`,
    'If you did not expect this message, please discard it.',
  ].join('\n');
  return {
    to: params.to,
    subject: `[${params.serviceName}] アカウントの有効化 / Activate your account`,
    text: `${ja}${SEPARATOR}${en}\n`,
  };
}

export function applicationReceivedMail(params: {
  to: string;
  displayName: string;
  applicationId: string;
  serviceName: string;
}): MailMessage {
  // Anyone can apply with any address: nothing the applicant typed (not even the name) goes into
  // this mail, so the form cannot send someone a message of the applicant's choosing.
  const ja = [
    'お申込みいただいた方へ',
    '',
    `${params.serviceName} の利用申請を受け付けました (受付番号: ${params.applicationId})。`,
    '本人確認のうえ審査し、結果をお知らせします。',
    'お心当たりのない場合は、このメールを破棄してください。',
  ].join('\n');
  const en = [
    'Dear applicant,',
    '',
    `We received your application to use ${params.serviceName} (reference ${params.applicationId}).`,
    'We will check your identity, review the application and let you know the result.',
    'If you did not apply, please discard this message.',
  ].join('\n');
  return {
    to: params.to,
    subject: `[${params.serviceName}] 利用申請の受付 / Application received`,
    text: `${ja}${SEPARATOR}${en}\n`,
  };
}

export function applicationRejectedMail(params: {
  to: string;
  displayName: string;
  applicationId: string;
  serviceName: string;
}): MailMessage {
  const ja = [
    `${params.displayName} 様`,
    '',
    `${params.serviceName} の利用申請 (受付番号: ${params.applicationId}) は承認されませんでした。`,
    '詳しくはサービスの窓口にお問い合わせください。',
  ].join('\n');
  const en = [
    `Dear ${params.displayName},`,
    '',
    `Your application to use ${params.serviceName} (reference ${params.applicationId}) was not approved.`,
    'Please contact the service desk for details.',
  ].join('\n');
  return {
    to: params.to,
    subject: `[${params.serviceName}] 利用申請の結果 / Application result`,
    text: `${ja}${SEPARATOR}${en}\n`,
  };
}

export function accountLockedMail(params: {
  to: string;
  displayName: string;
  serviceName: string;
}): MailMessage {
  const ja = [
    `${params.displayName} 様`,
    '',
    `${params.serviceName} のアカウントは、ログインの失敗が続いたため一時的にロックされました。`,
    'お心当たりのない場合は、管理者にご連絡ください。',
  ].join('\n');
  const en = [
    `Dear ${params.displayName},`,
    '',
    `Your ${params.serviceName} account has been locked for a while after repeated failed logins.`,
    'If this was not you, please contact your administrator.',
  ].join('\n');
  return {
    to: params.to,
    subject: `[${params.serviceName}] アカウントのロック / Account locked`,
    text: `${ja}${SEPARATOR}${en}\n`,
  };
}

/** The password-reset link (issue #19): who asked is not known, so the mail says what to do if it was not them. */
export function passwordResetMail(params: {
  to: string;
  displayName: string;
  link: string;
  expiresAt: Date;
  serviceName: string;
}): MailMessage {
  const jst = new Intl.DateTimeFormat('ja-JP', {
    timeZone: 'Asia/Tokyo',
    dateStyle: 'long',
    timeStyle: 'short',
  }).format(params.expiresAt);
  const utc = `${params.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const ja = [
    `${params.displayName} 様`,
    '',
    `${params.serviceName} のパスワード再設定のご依頼を受け付けました。次のリンクから新しいパスワードを設定してください。`,
    '',
    params.link,
    '',
    `このリンクは一度だけ、${jst}（日本時間）まで使えます。`,
    'ログインには、これまでどおり認証アプリのワンタイムコード（またはパスキー）も必要です。',
    'お心当たりのない場合は、このメールを破棄してください。パスワードは変わりません。',
  ].join('\n');
  const en = [
    `Dear ${params.displayName},`,
    '',
    `We received a request to reset your ${params.serviceName} password. Set a new password with this link:`,
    '',
    params.link,
    '',
    `The link works once, until ${utc}.`,
    'Logging in still needs your authenticator app’s one-time code (or your passkey).',
    'If you did not ask for this, please discard this message; your password stays as it is.',
  ].join('\n');
  return {
    to: params.to,
    subject: `[${params.serviceName}] パスワードの再設定 / Reset your password`,
    text: `${ja}${SEPARATOR}${en}\n`,
  };
}
