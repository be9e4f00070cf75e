/** SMTP delivery through nodemailer, configured by SHOMEI_SMTP_URL and SHOMEI_MAIL_FROM. */
import { createRequire } from 'node:module';
import type Nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { shomeiError } from '../errors/index.ts';
import { checkMessage, type Mailer, type MailMessage } from './mailer.ts';

export interface SmtpSettings {
  /** smtp://user:password@host:port or smtps://…; the password never reaches a log. */
  readonly url: string;
  readonly from: string;
  /** Refuse to send unless the server offers STARTTLS (default: true unless the host is loopback). */
  readonly requireTls?: boolean;
}

export class SmtpMailer implements Mailer {
  readonly kind = 'smtp' as const;
  private readonly transport: Transporter;

  constructor(private readonly settings: SmtpSettings) {
    const url = new URL(settings.url);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    // Loaded when SMTP is configured: an installation without it never holds nodemailer (ADR 031).
    const nodemailer = createRequire(import.meta.url)('nodemailer') as typeof Nodemailer;
    this.transport = nodemailer.createTransport({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? (url.protocol === 'smtps:' ? 465 : 587) : Number(url.port),
      secure: url.protocol === 'smtps:',
      requireTLS: settings.requireTls ?? !loopback,
      ...(url.username === ''
        ? {}
        : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(message: MailMessage): Promise<void> {
    const checked = checkMessage(message);
    try {
      await this.transport.sendMail({
        from: this.settings.from,
        to: checked.to,
        subject: checked.subject,
        text: checked.text,
        html: checked.html,
      });
    } catch (error) {
      // The cause may name the server; it never carries the credentials, which live in the transport.
      throw shomeiError(
        'SHOMEI_MAIL_DELIVERY_FAILED',
        'メールを送信できませんでした。',
        'The mail could not be delivered.',
        { status: 502, cause: error },
      );
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
