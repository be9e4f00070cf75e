/** The expiry notice as mail, Japanese first then English, with the way to renew on the 電子証明書 screen. */
import type { MailerLike } from './adapters.ts';
import type { CredentialExpiryNotice, ExpiryNoticeSender } from './ports.ts';

/** Dates in the mail are Japan time: that is what the holder's calendar shows. */
function japanDate(iso: string): string {
  return new Date(iso).toLocaleString('ja-JP', {
    timeZone: 'Asia/Tokyo',
    dateStyle: 'long',
    timeStyle: 'short',
  });
}

export function expiryNoticeMail(notice: CredentialExpiryNotice, to: string, publicUrl: string) {
  const link = `${publicUrl.replace(/\/$/, '')}/me/certificate`;
  const ja = [
    'ご利用者様',
    '',
    `署名用の電子証明書の有効期限が近づいています (残り ${notice.daysLeft} 日)。`,
    `  証明書: ${notice.subject}`,
    `  シリアル番号: ${notice.serialNumber}`,
    `  有効期限: ${japanDate(notice.notAfter)} (日本時間)`,
    '',
    `期限を過ぎるとこの証明書では署名できません。「電子証明書」画面の「更新を申請」から更新してください: ${link}`,
    '更新の申請は本人確認ののち承認され、新しい鍵と証明書が発行されます。承認時に古い証明書は失効し、鍵は廃棄されます。',
  ].join('\n');
  const en = [
    'Dear user,',
    '',
    `Your signing certificate ends soon (${notice.daysLeft} days left).`,
    `  Certificate: ${notice.subject}`,
    `  Serial number: ${notice.serialNumber}`,
    `  Valid until: ${notice.notAfter} (UTC)`,
    '',
    `After that date it cannot sign. Renew it with "Apply for renewal" on the signing certificate screen: ${link}`,
    'The renewal is approved after an identity check and brings a new key and certificate; the old certificate is then revoked and its key destroyed.',
  ].join('\n');
  return {
    to,
    subject: '署名用電子証明書の有効期限のお知らせ / Your signing certificate expires soon',
    text: `${ja}\n\n----------------------------------------\n\n${en}\n`,
  };
}

/** Sends the notice to the holder's account address (looked up by the app; none: nothing is sent). */
export function mailedExpiryNotices(
  mailer: MailerLike,
  emailOf: (userId: string) => Promise<string | undefined>,
  publicUrl: string,
): ExpiryNoticeSender {
  return {
    async sendExpiryNotice(notice) {
      const to = await emailOf(notice.userId);
      if (to === undefined) return;
      await mailer.send(expiryNoticeMail(notice, to, publicUrl));
    },
  };
}
