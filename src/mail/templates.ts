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
  const ja = [
    `${params.displayName} 様`,
    '',
    `${params.serviceName} の利用申請を受け付けました (受付番号: ${params.applicationId})。`,
    '本人確認のうえ審査し、結果をお知らせします。',
  ].join('\n');
  const en = [
    `Dear ${params.displayName},`,
    '',
    `We received your application to use ${params.serviceName} (reference ${params.applicationId}).`,
    'We will check your identity, review the application and let you know the result.',
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
