/** Outgoing mail: one interface, delivered by SMTP or (development only) kept in a database outbox. */
import * as z from 'zod';
import { shomeiError } from '../errors/index.ts';

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string | undefined;
}

export interface Mailer {
  /** Which delivery this is, for logs and health pages. */
  readonly kind: 'smtp' | 'outbox';
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/** Built on first use: commands that open the mailer but send nothing never build it (ADR 050). */
let messageSchema: ReturnType<typeof buildMessageSchema> | undefined;

const buildMessageSchema = () =>
  z.object({
    to: z.string().max(254).email(),
    // Header values: no line breaks (header injection), bounded length.
    subject: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^\r\n]*$/),
    text: z.string().min(1).max(100_000),
    html: z.string().max(200_000).optional(),
  });

/** Refuses a message that could not be delivered safely (bad address, header injection, size). */
export function checkMessage(message: MailMessage): MailMessage {
  messageSchema ??= buildMessageSchema();
  const parsed = messageSchema.safeParse(message);
  if (!parsed.success) {
    throw shomeiError(
      'SHOMEI_MAIL_MESSAGE_INVALID',
      'メールの宛先または内容が不正です。',
      'The mail recipient or content is invalid.',
      { status: 400, details: { field: String(parsed.error.issues[0]?.path[0] ?? 'message') } },
    );
  }
  return parsed.data;
}
