/**
 * Human reasons in Japanese and English (JIPDEC EC 2.2.4 (3): say exactly why). Each names the
 * certificate, date or revision concerned, so that a person can act on it.
 */
import { type MessageKey, type MessageParams, messageText } from './messages.ts';
import type { Reason, ReasonSubject } from './types.ts';

export interface ReasonOptions {
  /** The reason code when it is not the message key (the SIGNATURE_INVALID and TIMESTAMP_* families). */
  readonly code?: string;
  readonly subject?: ReasonSubject | undefined;
}

/** A reason: its stable code, its words from the message catalogue, and what it is about. */
export function reason<K extends MessageKey>(
  key: K,
  params: MessageParams<K>,
  options: ReasonOptions = {},
): Reason {
  const { ja, en } = messageText(key, params);
  const code = options.code ?? key;
  return options.subject === undefined ? { code, ja, en } : { code, ja, en, subject: options.subject };
}

/** A short name for a certificate in a sentence: its CN when there is one, else the whole subject. */
export function certificateLabel(subject: string, serialNumber: string): string {
  const cn = /(?:^|,)CN=((?:\\.|[^,])*)/.exec(subject)?.[1];
  return `「${cn ?? subject}」(serial ${serialNumber})`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** ISO 8601 UTC and the same instant in JST, for the Japanese text. */
export function dateLabel(date: Date): { iso: string; ja: string; en: string } {
  const jst = new Date(date.getTime() + 9 * 3600_000);
  const ja = `${jst.getUTCFullYear()}年${pad(jst.getUTCMonth() + 1)}月${pad(jst.getUTCDate())}日 ${pad(jst.getUTCHours())}:${pad(jst.getUTCMinutes())}:${pad(jst.getUTCSeconds())} JST`;
  const iso = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { iso, ja, en: iso };
}
