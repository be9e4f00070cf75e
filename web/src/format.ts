import type { Era, Lang } from './i18n/types.ts';

/**
 * Dates as people read them, in one place for every screen (issue #19): 和暦 always as documents
 * write it (令和8年12月6日, 令和元年 for the first year), 西暦 in Japanese as 2026/12/06, and in English
 * the unambiguous ISO order 2026-12-06 (06/12/2026 reads as June in the US). Times are JST, 24-hour.
 */
function datePart(date: Date, lang: Lang, era: Era): string {
  const zone = { timeZone: 'Asia/Tokyo' } as const;
  if (era === 'japanese') {
    return new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
      ...zone,
      era: 'long',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
    }).format(date);
  }
  // en-CA writes the ISO order, YYYY-MM-DD; ja-JP writes 2026/12/06.
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-CA', {
    ...zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(date);
}

function timePart(date: Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Tokyo',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(date);
}

/** A moment (ISO-8601) in JST with the zone shown. */
export function formatDateTime(iso: string | undefined, lang: Lang, era: Era): string {
  if (iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${datePart(date, lang, era)} ${timePart(date)} JST`;
}

/** A calendar date (YYYY-MM-DD, a date in Japan such as a transaction date). */
export function formatCalendarDate(date: string | null, lang: Lang, era: Era): string {
  if (date === null) return '—';
  const parsed = new Date(`${date}T00:00:00+09:00`);
  if (Number.isNaN(parsed.getTime())) return date;
  return datePart(parsed, lang, era);
}
