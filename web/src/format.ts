import type { Era, Lang } from './i18n/index.tsx';

/** Dates and times in JST with the zone shown; 西暦 by default, 和暦 when chosen (令和8年…). */
export function formatDateTime(iso: string | undefined, lang: Lang, era: Era): string {
  if (iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const locale = era === 'japanese' ? 'ja-JP-u-ca-japanese' : lang === 'ja' ? 'ja-JP' : 'en-GB';
  const text = new Intl.DateTimeFormat(locale, {
    timeZone: 'Asia/Tokyo',
    ...(era === 'japanese' ? { era: 'long' as const } : {}),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(date);
  return `${text} JST`;
}
