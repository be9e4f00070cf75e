/**
 * The development outbox: mail is stored in the database instead of sent, so the embedded default
 * works without a mail server. Never used outside development (createMailer refuses).
 */

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type Clock, systemClock } from '../clock/index.ts';
import { checkMessage, type Mailer, type MailMessage } from './mailer.ts';
import type { MailTables } from './tables.ts';

export interface OutboxEntry {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
  readonly createdAt: string;
}

export class OutboxMailer implements Mailer {
  readonly kind = 'outbox' as const;

  constructor(
    private readonly db: Kysely<MailTables>,
    private readonly clock: Clock = systemClock,
  ) {}

  async send(message: MailMessage): Promise<void> {
    const checked = checkMessage(message);
    await this.db
      .insertInto('mail_outbox')
      .values({
        id: randomUUID(),
        recipient: checked.to,
        subject: checked.subject,
        text: checked.text,
        html: checked.html ?? null,
        created_at: this.clock().toISOString(),
      })
      .execute();
  }

  /** Newest first. */
  async list(limit = 100): Promise<OutboxEntry[]> {
    const rows = await this.db
      .selectFrom('mail_outbox')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(Math.min(Math.max(limit, 1), 500))
      .execute();
    return rows.map((r) => ({
      id: r.id,
      to: r.recipient,
      subject: r.subject,
      text: r.text,
      html: r.html,
      createdAt: r.created_at,
    }));
  }

  async close(): Promise<void> {}
}
