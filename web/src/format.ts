import type { Era, Lang } from './i18n/index.tsx';

/** Dates and times in JST with the zone shown; 西暦 by default, 和暦 when chosen (令和8年…). */
export function formatDateTime(iso: string | undefined, lang: Lang, era: Era): string {
  if (iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const locale = era === 'japanese' ? 'ja-JP-u-ca-japanese' : lang === 'ja' ? 'ja-JP' : 'en-GB';
  const text = new Intl.DateTimeFormat(locale, {
    timeZone: 'Asia/Tokyo',
    // 和暦 reads as Japanese documents write it: 令和8年11月22日 (令和元年 for the first year).
    ...(era === 'japanese'
      ? { era: 'long' as const, month: 'long' as const, day: 'numeric' as const }
      : { month: '2-digit' as const, day: '2-digit' as const }),
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(date);
  return `${text} JST`;
}
