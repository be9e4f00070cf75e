/** Alerts mailed to administrators through the mail module (SMTP, or the outbox in development). */
import type { Alert, AlertNotifier } from '../audit/index.ts';
import type { Mailer } from '../mail/index.ts';

export function mailAlertNotifier(mailer: Mailer, recipients: readonly string[]): AlertNotifier {
  return {
    async notify(alert: Alert) {
      const subject = `[shomei] 警告 / Alert: ${alert.rule} (${alert.severity})`;
      const text = [
        alert.summary.ja,
        alert.summary.en,
        '',
        `alert: ${alert.id}`,
        `raised at (UTC): ${alert.raisedAt}`,
        `events: ${alert.eventSeqs.join(', ') || '-'}`,
        '',
        '詳細は管理画面の警告一覧 (/api/admin/alerts) で確認してください。',
        'See the alert list (/api/admin/alerts) for details.',
      ].join('\n');
      for (const to of recipients) await mailer.send({ to, subject, text });
    },
  };
}
