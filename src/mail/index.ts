/** Mail: SMTP delivery (nodemailer) and, in development, a database outbox shown at /dev/outbox. */
import type { Environment } from '../config/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { Database } from '../store/index.ts';
import type { Mailer } from './mailer.ts';
import { OutboxMailer } from './outbox.ts';
import { SmtpMailer, type SmtpSettings } from './smtp.ts';
import type { MailTables } from './tables.ts';

export { checkMessage, type Mailer, type MailMessage } from './mailer.ts';
export { mailMigrations } from './migrations.ts';
export { type OutboxEntry, OutboxMailer } from './outbox.ts';
export { type DevOutboxRoutesOptions, devOutboxRoutes } from './routes.ts';
export { SmtpMailer, type SmtpSettings } from './smtp.ts';
export type { MailTables } from './tables.ts';
export {
  accountLockedMail,
  activationMail,
  applicationReceivedMail,
  applicationRejectedMail,
  passwordResetMail,
} from './templates.ts';

export interface MailSettings {
  readonly smtpUrl: string | undefined;
  readonly from: string;
}

/** SMTP when configured; the outbox in development without SMTP; otherwise a configuration error. */
export function createMailer(settings: MailSettings, environment: Environment, database: Database): Mailer {
  if (settings.smtpUrl !== undefined) {
    const smtp: SmtpSettings = { url: settings.smtpUrl, from: settings.from };
    return new SmtpMailer(smtp);
  }
  if (environment === 'development') return new OutboxMailer(database.db.withTables<MailTables>());
  throw shomeiError(
    'SHOMEI_CONFIG_INVALID',
    '設定 SHOMEI_SMTP_URL: 開発環境以外ではメールサーバーの設定が必要です。',
    'Setting SHOMEI_SMTP_URL: a mail server is required outside development.',
    { status: 500, details: { setting: 'SHOMEI_SMTP_URL' } },
  );
}
