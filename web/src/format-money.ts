import type { Lang } from './i18n/index.tsx';

/** An amount with its currency, in the user's language (¥1,200,000 / 1,200,000円 style by locale). */
export function formatAmount(amount: number | null, currency: string, lang: Lang): string {
  if (amount === null) return '—';
  return new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { style: 'currency', currency }).format(
    amount,
  );
}

/** A calendar date (YYYY-MM-DD) as the user reads it; 和暦 when chosen. */
export function formatDate(date: string | null, lang: Lang, japaneseEra: boolean): string {
  if (date === null) return '—';
  const parsed = new Date(`${date}T00:00:00+09:00`);
  if (Number.isNaN(parsed.getTime())) return date;
  const locale = japaneseEra ? 'ja-JP-u-ca-japanese' : lang === 'ja' ? 'ja-JP' : 'en-GB';
  return new Intl.DateTimeFormat(locale, {
    timeZone: 'Asia/Tokyo',
    ...(japaneseEra ? { era: 'long' as const } : {}),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(parsed);
}
