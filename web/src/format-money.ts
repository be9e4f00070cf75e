import { formatCalendarDate } from './format.ts';
import type { Lang } from './i18n/types.ts';

/** An amount with its currency, in the user's language (¥1,200,000 / 1,200,000円 style by locale). */
export function formatAmount(amount: number | null, currency: string, lang: Lang): string {
  if (amount === null) return '—';
  return new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { style: 'currency', currency }).format(
    amount,
  );
}

/** A calendar date (YYYY-MM-DD) as the user reads it; 和暦 when chosen (one format: see format.ts). */
export function formatDate(date: string | null, lang: Lang, japaneseEra: boolean): string {
  return formatCalendarDate(date, lang, japaneseEra ? 'japanese' : 'western');
}
