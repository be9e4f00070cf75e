/**
 * The visible seal (印影) of a signature: a round vermilion seal with the signer's name written
 * vertically (Japanese names) or horizontally (Latin names), and beside it a text block with the
 * organisation, title, name and signing time in JST. The result is a form XObject for the signature
 * widget's /AP /N plus the font objects it needs, in the pdf module's object model.
 */
import {
  type PdfObject,
  PdfRef,
  PdfStream,
  pdfArray,
  pdfDict,
  pdfName,
  pdfNumber,
  pdfRect,
  type SignatureAppearance,
} from '../pdf/index.ts';
import { ContentStream, type Rgb } from './content.ts';
import { type SealTextField, sealInputInvalid } from './errors.ts';
import { openSealFont, type SealFont, type SealGlyph, sealFontPath } from './font.ts';
import {
  type Circle,
  emCentre,
  frame,
  layoutBlock,
  layoutHorizontalInCircle,
  layoutVertical,
  rings,
} from './geometry.ts';
import { FontSubsetter } from './subset.ts';
import { formatJst, formatWareki, parseLabel, parseName, type SealName } from './text.ts';

/** 朱色 (vermilion), the colour of seal ink. */
export const SEAL_RED: Rgb = [0.85, 0.1, 0.1];
const TEXT_GREY: Rgb = [0.15, 0.15, 0.15];

export interface SealAppearanceInput {
  /** The signer's name: family name (山田), full name with a space (山田 太郎), or a Latin name. */
  readonly name: string;
  readonly organisation?: string;
  readonly title?: string;
  readonly signingTime: Date;
  /** Size of the widget rectangle in points; the form's /BBox is [0 0 width height]. */
  readonly width: number;
  readonly height: number;
  /** Marks appearances made outside production so that nobody mistakes them for real ones. */
  readonly environmentMark?: 'TEST';
  /** Language of the text block's fixed words; default 'ja'. */
  readonly lang?: 'ja' | 'en';
  /** 'wareki' writes the date with the Japanese era (令和8年11月21日); default 'western'. */
  readonly dateStyle?: 'western' | 'wareki';
}

export interface SealAppearanceOptions {
  /** TrueType font file; default SHOMEI_SEAL_FONT, else Debian's IPAex Mincho. */
  readonly fontPath?: string;
}

export interface SealAppearance extends SignatureAppearance {
  readonly objects: readonly { readonly ref: PdfRef; readonly value: PdfObject }[];
  /** `ABCDEF+IPAexMincho`: the embedded subset's name. */
  readonly baseFont: string;
  /** Where things were drawn, in form space (for callers and tests). */
  readonly layout: {
    readonly seal: Circle;
    readonly text: {
      readonly x: number;
      readonly y: number;
      readonly width: number;
      readonly height: number;
    };
    readonly nameDirection: 'vertical' | 'horizontal';
    readonly nameSize: number;
    readonly textSize: number;
  };
}

const MIN_SIDE = 24; // points; smaller than this no text in the seal is legible
const MAX_SIDE = 14400; // the largest page side PDF allows (Annex C)

function checkInput(input: SealAppearanceInput): void {
  for (const side of ['width', 'height'] as const) {
    const value = input[side];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_SIDE || value > MAX_SIDE) {
      throw sealInputInvalid(
        side,
        `must be a number of points from ${MIN_SIDE} to ${MAX_SIDE}`,
        `${MIN_SIDE}〜${MAX_SIDE} ポイントの数値で指定してください`,
      );
    }
  }
  if (input.environmentMark !== undefined && input.environmentMark !== 'TEST') {
    throw sealInputInvalid('environmentMark', 'must be TEST or absent', 'TEST または未指定にしてください');
  }
  if (input.lang !== undefined && input.lang !== 'ja' && input.lang !== 'en') {
    throw sealInputInvalid('lang', 'must be ja or en', 'ja または en を指定してください');
  }
  if (input.dateStyle !== undefined && input.dateStyle !== 'western' && input.dateStyle !== 'wareki') {
    throw sealInputInvalid(
      'dateStyle',
      'must be western or wareki',
      'western または wareki を指定してください',
    );
  }
}

/** Columns for a vertical name: one per space-separated part, or a long single part split in two. */
function nameColumns(name: SealName): string[] {
  if (name.parts.length >= 2) return [name.parts[0]!, name.parts.slice(1).join('')];
  const chars = [...name.text];
  if (chars.length <= 5) return [name.text];
  const half = Math.ceil(chars.length / 2);
  return [chars.slice(0, half).join(''), chars.slice(half).join('')];
}

/** Two lines for a Latin name when that lets it be larger: split where the lines are most even. */
function nameLines(name: SealName, font: SealFont): string[] {
  if (name.parts.length < 2) return [name.text];
  let best = [name.text];
  let bestWidth = width(font.horizontal(name.text, 'name'));
  for (let i = 1; i < name.parts.length; i++) {
    const lines = [name.parts.slice(0, i).join(' '), name.parts.slice(i).join(' ')];
    const widest = Math.max(...lines.map((l) => width(font.horizontal(l, 'name'))));
    if (widest < bestWidth * 0.8) {
      best = lines;
      bestWidth = widest;
    }
  }
  return best;
}

const width = (glyphs: readonly SealGlyph[]): number => glyphs.reduce((sum, g) => sum + g.advance, 0) / 1000;

/** What every part of the appearance draws with. */
interface Pen {
  readonly content: ContentStream;
  readonly font: SealFont;
  readonly subsetter: FontSubsetter;
}

/** A thick outer ring and a thin inner ring, as on a carved 実印/認印; returns the free radius inside. */
function drawRings(pen: Pen, seal: Circle): number {
  const ring = rings(seal.r);
  pen.content.save().strokeColor(SEAL_RED);
  pen.content.lineWidth(ring.outerWidth).circle(seal.cx, seal.cy, ring.outer).stroke();
  pen.content.lineWidth(ring.innerWidth).circle(seal.cx, seal.cy, ring.inner).stroke();
  pen.content.restore();
  return ring.free;
}

/** The name inside, in reading order for extraction (the /ActualText), in seal red; returns its size. */
function drawName(pen: Pen, name: SealName, seal: Circle, free: number): number {
  const { content, font, subsetter } = pen;
  content.save().fillColor(SEAL_RED).strokeColor(SEAL_RED);
  let size: number;
  if (name.vertical) {
    const columns = nameColumns(name).map((c) => font.vertical(c, 'name'));
    const placed = layoutVertical(
      columns.map((c) => c.length),
      free,
      emCentre(font.metrics.ascent, font.metrics.descent),
    );
    const glyphs = columns.flat();
    size = placed.size;
    content.text(
      'F1',
      placed.size,
      placed.glyphs.map((p) => ({
        cids: [subsetter.cid(glyphs[p.index]!)],
        x: seal.cx + p.x,
        y: seal.cy + p.y,
      })),
      { actualText: name.text, scaleY: placed.scaleY, strokeWidth: placed.size * 0.025 },
    );
  } else {
    const lines = nameLines(name, font).map((l) => font.horizontal(l, 'name'));
    const placed = layoutHorizontalInCircle(lines.map(width), free);
    size = placed.size;
    content.text(
      'F1',
      placed.size,
      placed.lines.map((p) => ({
        cids: lines[p.index]!.map((g) => subsetter.cid(g)),
        x: seal.cx + p.x,
        y: seal.cy + p.y,
      })),
      { actualText: name.text, strokeWidth: placed.size * 0.02 },
    );
  }
  content.restore();
  return size;
}

interface TextBlock {
  readonly header: string;
  readonly organisation: string | undefined;
  readonly title: string | undefined;
  readonly name: string;
  readonly signed: string;
  readonly mark: string | undefined;
}

/** The text block: what a reader needs without opening the signature panel; returns its type size. */
function drawTextBlock(
  pen: Pen,
  text: TextBlock,
  area: SealAppearance['layout']['text'],
  sealR: number,
): number {
  const { content, font, subsetter } = pen;
  const entries: { text: string; field: SealTextField | 'label' }[] = [
    { text: text.header, field: 'label' },
    ...(text.organisation ? [{ text: text.organisation, field: 'organisation' as const }] : []),
    text.title ? { text: `${text.title} ${text.name}`, field: 'title' } : { text: text.name, field: 'name' },
    { text: text.signed, field: 'label' },
  ];
  const lines = entries.map((e) => font.horizontal(e.text, e.field));
  const markGlyphs = text.mark ? font.horizontal(text.mark, 'label') : [];
  // The mark sits 0.4 em after the heading in a box with 0.15 em padding on each side.
  const markEm = text.mark ? 0.4 + width(markGlyphs) + 0.3 : 0;
  const block = layoutBlock(
    lines.map((l, i) => width(l) + (i === 0 ? markEm : 0)),
    area,
    sealR * 0.32,
  );
  content.save().fillColor(TEXT_GREY);
  content.text(
    'F1',
    block.size,
    block.lines.map((p) => ({ cids: lines[p.index]!.map((g) => subsetter.cid(g)), x: p.x, y: p.y })),
  );
  content.restore();
  const first = block.lines[0];
  if (text.mark && first) {
    drawMark(
      pen,
      markGlyphs,
      first.x + width(lines[0]!) * block.size + 0.4 * block.size,
      first.y,
      block.size,
    );
  }
  return block.size;
}

/** A boxed red TEST after the header: non-production seals must be told apart at a glance. */
function drawMark(pen: Pen, glyphs: readonly SealGlyph[], x: number, y: number, s: number): void {
  const markWidth = width(glyphs) * s;
  pen.content
    .save()
    .fillColor(SEAL_RED)
    .strokeColor(SEAL_RED)
    .lineWidth(Math.max(0.5, s * 0.08));
  pen.content.rect(x, y - 0.25 * s, markWidth + 0.3 * s, 1.15 * s).stroke();
  pen.content.text('F1', s, [{ cids: glyphs.map((g) => pen.subsetter.cid(g)), x: x + 0.15 * s, y }], {
    strokeWidth: s * 0.03,
  });
  pen.content.restore();
}

export function buildSealAppearance(
  input: SealAppearanceInput,
  options: SealAppearanceOptions = {},
): SealAppearance {
  checkInput(input);
  const name = parseName(input.name);
  const lang = input.lang ?? 'ja';
  const time =
    input.dateStyle === 'wareki' && lang === 'ja'
      ? formatWareki(input.signingTime)
      : formatJst(input.signingTime);
  const font = openSealFont(sealFontPath(options.fontPath));
  const pen: Pen = { content: new ContentStream(), font, subsetter: new FontSubsetter(font) };
  const box = frame(input.width, input.height);
  const { seal } = box;
  const nameSize = drawName(pen, name, seal, drawRings(pen, seal));
  const textSize = drawTextBlock(
    pen,
    {
      header: lang === 'ja' ? '電子署名' : 'Digitally signed',
      organisation: parseLabel(input.organisation, 'organisation'),
      title: parseLabel(input.title, 'title'),
      name: name.text,
      signed: lang === 'ja' ? `署名日時 ${time}` : `Signed ${time}`,
      mark: input.environmentMark,
    },
    box.text,
    seal.r,
  );
  let next = 0;
  const embedded = pen.subsetter.finish(() => new PdfRef(++next));
  const xobject = new PdfStream(
    pdfDict({
      Type: pdfName('XObject'),
      Subtype: pdfName('Form'),
      BBox: pdfRect(0, 0, input.width, input.height),
      Matrix: pdfArray(pdfNumber(1), pdfNumber(0), pdfNumber(0), pdfNumber(1), pdfNumber(0), pdfNumber(0)),
      Resources: pdfDict({ Font: pdfDict({ F1: embedded.fontRef }) }),
    }),
    pen.content.bytes(),
  );
  return {
    xobject,
    objects: embedded.objects,
    baseFont: embedded.baseFont,
    layout: {
      seal,
      text: box.text,
      nameDirection: name.vertical ? 'vertical' : 'horizontal',
      nameSize,
      textSize,
    },
  };
}
