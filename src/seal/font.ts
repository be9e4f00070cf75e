/**
 * The seal font: a TrueType (glyf) font found at run time, opened once per path with fontkit.
 * Only TrueType outlines are accepted because the embedding is a CIDFontType2 with /FontFile2; a
 * CFF-flavoured OpenType font would need a different embedding (FontFile3) that we do not write.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as fontkit from 'fontkit';
import {
  SEAL_FONT_SETTING,
  type SealTextField,
  sealFontInvalid,
  sealFontMissing,
  sealGlyphMissing,
} from './errors.ts';

/** Where Debian's fonts-ipaexfont-mincho (installed by scripts/setup.sh) puts IPAex Mincho. */
export const DEFAULT_SEAL_FONT = '/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf';

/** The font path: an explicit option, else SHOMEI_SEAL_FONT, else the Debian path. */
export function sealFontPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[SEAL_FONT_SETTING];
  return explicit ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_SEAL_FONT);
}

/** A glyph chosen for one character: its id in the full font and the text it stands for. */
export interface SealGlyph {
  readonly gid: number;
  /** Advance width in 1/1000 em (PDF glyph space). */
  readonly advance: number;
  readonly text: string;
}

export interface SealFont {
  readonly path: string;
  readonly postscriptName: string;
  readonly fontkit: fontkit.Font;
  /** Ascent, descent, cap height and bbox in 1/1000 em. */
  readonly metrics: {
    readonly ascent: number;
    readonly descent: number;
    readonly capHeight: number;
    readonly bbox: readonly [number, number, number, number];
  };
  /** Glyphs for horizontal text, one per code point (no shaping: names and dates need none). */
  horizontal(text: string, field: SealTextField | 'label'): SealGlyph[];
  /** Glyphs for vertical text: the font's 'vert' alternates (ー, 「…) where it has them. */
  vertical(text: string, field: SealTextField): SealGlyph[];
}

// Opening IPAex Mincho parses a 4 MB file; signing many documents must not do that each time.
const cache = new Map<string, SealFont>();

export function openSealFont(fontPath: string): SealFont {
  const cached = cache.get(fontPath);
  if (cached) return cached;
  if (!existsSync(fontPath)) throw sealFontMissing(fontPath);
  let opened: fontkit.Font | fontkit.FontCollection;
  try {
    // fontkit is loaded with the first seal drawn, not at every start (ADR 031).
    opened = (createRequire(import.meta.url)('fontkit') as typeof fontkit).create(readFileSync(fontPath));
  } catch (error) {
    throw sealFontInvalid(fontPath, 'not a font file fontkit can read', error);
  }
  if ('fonts' in opened) throw sealFontInvalid(fontPath, 'a font collection (TTC); give a single .ttf');
  const tables = (opened as unknown as { directory?: { tables?: Record<string, unknown> } }).directory
    ?.tables;
  if (!tables || !('glyf' in tables) || !('loca' in tables)) {
    throw sealFontInvalid(fontPath, 'not a TrueType-outline font (no glyf table)');
  }
  const fsType = (
    opened as unknown as { 'OS/2'?: { fsType?: { noEmbedding?: boolean; noSubsetting?: boolean } } }
  )['OS/2']?.fsType;
  if (fsType?.noEmbedding || fsType?.noSubsetting) {
    throw sealFontInvalid(fontPath, 'its licence (OS/2 fsType) forbids embedding or subsetting');
  }
  const font = wrap(fontPath, opened);
  cache.set(fontPath, font);
  return font;
}

function wrap(fontPath: string, font: fontkit.Font): SealFont {
  const scale = 1000 / font.unitsPerEm;
  const toGlyph = (gid: number, text: string): SealGlyph => ({
    gid,
    advance: Math.round(font.getGlyph(gid).advanceWidth * scale),
    text,
  });
  const base = (character: string, field: SealTextField | 'label'): number => {
    const codePoint = character.codePointAt(0)!;
    const gid = font.hasGlyphForCodePoint(codePoint) ? font.glyphForCodePoint(codePoint).id : 0;
    if (gid === 0) throw sealGlyphMissing(field, character);
    return gid;
  };
  const capHeight = (font as unknown as { capHeight?: number }).capHeight;
  return {
    path: fontPath,
    postscriptName: font.postscriptName.replace(/[^!-~]|[()<>[\]{}/%#]/g, ''),
    fontkit: font,
    metrics: {
      ascent: Math.round(font.ascent * scale),
      descent: Math.round(font.descent * scale),
      capHeight: Math.round((capHeight && capHeight > 0 ? capHeight : font.ascent) * scale),
      bbox: [font.bbox.minX, font.bbox.minY, font.bbox.maxX, font.bbox.maxY].map((v) =>
        Math.round(v * scale),
      ) as [number, number, number, number],
    },
    horizontal(text, field) {
      return [...text].map((character) => toGlyph(base(character, field), character));
    },
    vertical(text, field) {
      return [...text].map((character) => {
        base(character, field);
        // Layout of the single character with 'vert' yields the vertical alternate when the font
        // has one (長音符 ー, brackets); for kanji it is the same glyph.
        const run = font.layout(character, ['vert']);
        const gid = run.glyphs.length === 1 ? run.glyphs[0]!.id : base(character, field);
        return toGlyph(gid === 0 ? base(character, field) : gid, character);
      });
    },
  };
}
