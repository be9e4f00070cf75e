/** Errors of the seal appearance: bad signer text, a missing glyph, or a missing/unsuitable font. */
import { type ShomeiError, shomeiError } from '../errors/index.ts';

export const SEAL_FONT_SETTING = 'SHOMEI_SEAL_FONT';

export function sealFontMissing(fontPath: string): ShomeiError {
  return shomeiError(
    'SHOMEI_SEAL_FONT_MISSING',
    `印影用フォントが見つかりません: ${fontPath}。設定 ${SEAL_FONT_SETTING} で TrueType フォントを指定するか、fonts-ipaexfont-mincho をインストールしてください。`,
    `The seal font was not found: ${fontPath}. Set ${SEAL_FONT_SETTING} to a TrueType font or install fonts-ipaexfont-mincho.`,
    { status: 500, details: { setting: SEAL_FONT_SETTING, path: fontPath } },
  );
}

export function sealFontInvalid(fontPath: string, reason: string, cause?: unknown): ShomeiError {
  return shomeiError(
    'SHOMEI_SEAL_FONT_INVALID',
    `印影用フォント (設定 ${SEAL_FONT_SETTING}: ${fontPath}) を使用できません: ${reason}`,
    `The seal font (setting ${SEAL_FONT_SETTING}: ${fontPath}) cannot be used: ${reason}`,
    { status: 500, details: { setting: SEAL_FONT_SETTING, path: fontPath, reason }, cause },
  );
}

export type SealTextField = 'name' | 'organisation' | 'title';

const FIELD_JA: Record<SealTextField, string> = { name: '氏名', organisation: '組織名', title: '役職' };

export function sealNameEmpty(): ShomeiError {
  return shomeiError('SHOMEI_SEAL_NAME_EMPTY', '印影の氏名が空です。', 'The name for the seal is empty.', {
    details: { field: 'name' },
  });
}

export function sealTextTooLong(field: SealTextField, length: number, max: number): ShomeiError {
  return shomeiError(
    field === 'name' ? 'SHOMEI_SEAL_NAME_TOO_LONG' : 'SHOMEI_SEAL_TEXT_TOO_LONG',
    `印影の${FIELD_JA[field]}が長すぎます (${length} 文字、最大 ${max} 文字)。`,
    `The seal ${field} is too long (${length} characters, at most ${max}).`,
    { details: { field, length, max } },
  );
}

export function sealTextInvalid(field: SealTextField, codePoint: number): ShomeiError {
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  return shomeiError(
    'SHOMEI_SEAL_TEXT_INVALID',
    `印影の${FIELD_JA[field]}に使用できない制御文字 (${hex}) が含まれています。`,
    `The seal ${field} contains a control character (${hex}).`,
    { details: { field, codePoint: hex } },
  );
}

export function sealGlyphMissing(field: SealTextField | 'label', character: string): ShomeiError {
  const hex = `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return shomeiError(
    'SHOMEI_SEAL_GLYPH_MISSING',
    `文字「${character}」(${hex}) は印影用フォントに含まれていないため描画できません。`,
    `The character "${character}" (${hex}) is not in the seal font and cannot be drawn.`,
    { details: { field, character, codePoint: hex } },
  );
}

export function sealInputInvalid(field: string, reason: string, reasonJa: string): ShomeiError {
  return shomeiError(
    'SHOMEI_SEAL_INPUT_INVALID',
    `印影の指定が不正です (${field}): ${reasonJa}`,
    `Invalid seal input (${field}): ${reason}`,
    { details: { field, reason } },
  );
}
