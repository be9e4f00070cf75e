/** Checks and normalises the seal's text and formats the signing time in Japan Standard Time. */
import {
  type SealTextField,
  sealInputInvalid,
  sealNameEmpty,
  sealTextInvalid,
  sealTextTooLong,
} from './errors.ts';

/** Longest name drawn vertically: two columns of five (e.g. 左衛門三郎 with a given name). */
export const MAX_VERTICAL_NAME = 10;
/** Longest Latin (horizontal) name; beyond this the seal text would be too small to read. */
export const MAX_HORIZONTAL_NAME = 40;
/** Longest organisation or title in the text block. */
export const MAX_LABEL = 60;

// Characters that read naturally top to bottom in a seal: kanji, kana, iteration marks, long vowel.
// 々〆〇ヵヶーｰ・ as escapes: the command bundles stay ASCII, which Node reads ~10× faster (ADR 044).
const VERTICAL_CHAR =
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3005\u3006\u3007\u30f5\u30f6\u30fc\uff70\u30fb]$/u;

export interface SealName {
  /** The name as given, normalised (NFC, single spaces). */
  readonly text: string;
  /** Parts separated by spaces (family name first). */
  readonly parts: readonly string[];
  /** True when every character suits vertical writing (Japanese names). */
  readonly vertical: boolean;
}

/** NFC (half-width katakana to full-width), trimmed, runs of spaces (including the ideographic space U+3000) collapsed to one. */
function normalise(value: string, field: SealTextField): string {
  const text = value
    .normalize('NFC')
    // Half-width katakana (ﾔﾏﾀﾞ) from legacy systems: full-width is what a seal shows.
    .replace(/[\uFF61-\uFF9F]+/g, (run) => run.normalize('NFKC'))
    .replace(/[\s\u3000]+/gu, ' ')
    .trim();
  for (const character of text) {
    const cp = character.codePointAt(0)!;
    // Controls and format characters (bidi overrides, zero-width) would draw nothing or mislead.
    if (/[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u.test(character)) throw sealTextInvalid(field, cp);
  }
  return text;
}

export function parseName(value: string): SealName {
  if (typeof value !== 'string')
    throw sealInputInvalid('name', 'must be a string', '文字列で指定してください');
  const text = normalise(value, 'name');
  if (text === '') throw sealNameEmpty();
  const parts = text.split(' ');
  const letters = [...parts.join('')];
  const vertical = letters.every((c) => VERTICAL_CHAR.test(c));
  const max = vertical ? MAX_VERTICAL_NAME : MAX_HORIZONTAL_NAME;
  const length = vertical ? letters.length : [...text].length;
  if (length > max) throw sealTextTooLong('name', length, max);
  return { text, parts, vertical };
}

export function parseLabel(value: string | undefined, field: 'organisation' | 'title'): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw sealInputInvalid(field, 'must be a string', '文字列で指定してください');
  const text = normalise(value, field);
  const length = [...text].length;
  if (length > MAX_LABEL) throw sealTextTooLong(field, length, MAX_LABEL);
  return text === '' ? undefined : text;
}

const JST_OFFSET_MS = 9 * 3600 * 1000; // Japan has had no daylight saving time since 1951

interface JstParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

function jst(date: Date): JstParts {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw sealInputInvalid('signingTime', 'must be a valid Date', '有効な日時を指定してください');
  }
  const shifted = new Date(date.getTime() + JST_OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
  };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2026-11-21 15:04 JST`. */
export function formatJst(date: Date): string {
  const t = jst(date);
  return `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)} JST`;
}

// Era start dates (JST). Our own table rather than Intl's japanese calendar: ICU data differs
// between Node builds (small-icu), and the seal must read the same on every machine.
const ERAS: readonly { name: string; year: number; month: number; day: number }[] = [
  { name: '令和', year: 2019, month: 5, day: 1 },
  { name: '平成', year: 1989, month: 1, day: 8 },
  { name: '昭和', year: 1926, month: 12, day: 25 },
];

/** `令和8年11月21日 15:04 JST` (the first year of an era is 元年). */
export function formatWareki(date: Date): string {
  const t = jst(date);
  const key = t.year * 10000 + t.month * 100 + t.day;
  const era = ERAS.find((e) => key >= e.year * 10000 + e.month * 100 + e.day);
  if (!era) return formatJst(date);
  const year = t.year - era.year + 1;
  return `${era.name}${year === 1 ? '元' : year}年${t.month}月${t.day}日 ${pad(t.hour)}:${pad(t.minute)} JST`;
}
