/**
 * A plain text document as a PDF of its own (A4, the seal font, lines wrapped to the page): used for
 * the certificate of completion as a separate download, so that its Japanese text is selectable and
 * searchable with the same embedded-subset font as the seals.
 */
import {
  flateStream,
  type PdfObject,
  PdfRef,
  pdfArray,
  pdfDate,
  pdfDict,
  pdfName,
  pdfNumber,
  pdfRect,
  pdfText,
  serializeIndirectObject,
} from '../pdf/index.ts';
import { ContentStream } from './content.ts';
import { openSealFont, type SealFont, type SealGlyph, sealFontPath } from './font.ts';
import { FontSubsetter } from './subset.ts';

export interface TextPdfInput {
  /** The document title (/Info /Title) and the first, larger line. */
  readonly title: string;
  readonly lines: readonly string[];
  readonly createdAt: Date;
}

export interface TextPdfOptions {
  readonly fontPath?: string;
}

const PAGE = { width: 595.28, height: 841.89 } as const; // A4
const MARGIN = 48;
const SIZE = 9;
const TITLE_SIZE = 14;
const LEADING = 1.45;

/** Glyphs for a line; a character the font lacks becomes 〓 (geta), as Japanese typesetting does. */
function glyphsOf(font: SealFont, text: string): SealGlyph[] {
  const glyphs: SealGlyph[] = [];
  for (const character of text) {
    const printable = character === '\t' ? ' ' : character;
    const known = font.fontkit.hasGlyphForCodePoint(printable.codePointAt(0)!);
    glyphs.push(...font.horizontal(known ? printable : '〓', 'label'));
  }
  return glyphs;
}

/** Breaks a line where it would run past the margin (hanging indent kept for continuation lines). */
function wrap(glyphs: readonly SealGlyph[], size: number, width: number): SealGlyph[][] {
  const indent = glyphs.findIndex((g) => g.text !== ' ');
  const lead = indent > 0 && indent < 12 ? glyphs.slice(0, indent) : [];
  const lines: SealGlyph[][] = [];
  let line: SealGlyph[] = [];
  let used = 0;
  for (const glyph of glyphs) {
    const advance = (glyph.advance / 1000) * size;
    if (used + advance > width && line.length > lead.length) {
      lines.push(line);
      line = [...lead];
      used = lead.reduce((sum, g) => sum + (g.advance / 1000) * size, 0);
    }
    line.push(glyph);
    used += advance;
  }
  lines.push(line);
  return lines;
}

export function buildTextPdf(input: TextPdfInput, options: TextPdfOptions = {}): Buffer {
  const font = openSealFont(sealFontPath(options.fontPath));
  const subsetter = new FontSubsetter(font);
  const width = PAGE.width - 2 * MARGIN;
  const laid: { glyphs: SealGlyph[]; size: number }[] = [];
  for (const glyphs of wrap(glyphsOf(font, input.title), TITLE_SIZE, width))
    laid.push({ glyphs, size: TITLE_SIZE });
  laid.push({ glyphs: [], size: SIZE });
  for (const text of input.lines) {
    for (const glyphs of wrap(glyphsOf(font, text), SIZE, width)) laid.push({ glyphs, size: SIZE });
  }

  const pages: ContentStream[] = [];
  let content = new ContentStream();
  let y = PAGE.height - MARGIN;
  for (const line of laid) {
    const step = line.size * LEADING;
    if (y - step < MARGIN) {
      pages.push(content);
      content = new ContentStream();
      y = PAGE.height - MARGIN;
    }
    y -= step;
    if (line.glyphs.length === 0) continue;
    content.text('F1', line.size, [{ cids: line.glyphs.map((g) => subsetter.cid(g)), x: MARGIN, y }]);
  }
  pages.push(content);

  // Object numbers: 1 catalog, 2 page tree, 3 info, then pages and contents, then the font.
  let next = 3;
  const allocate = (): PdfRef => new PdfRef(++next);
  const pageRefs = pages.map(() => ({ page: allocate(), content: allocate() }));
  const embedded = subsetter.finish(allocate);
  const objects: { ref: PdfRef; value: PdfObject }[] = [
    { ref: new PdfRef(1), value: pdfDict({ Type: pdfName('Catalog'), Pages: new PdfRef(2) }) },
    {
      ref: new PdfRef(2),
      value: pdfDict({
        Type: pdfName('Pages'),
        Kids: pdfArray(...pageRefs.map((p) => p.page)),
        Count: pdfNumber(pages.length),
      }),
    },
    {
      ref: new PdfRef(3),
      value: pdfDict({
        Title: pdfText(input.title),
        Producer: pdfText('shomei'),
        CreationDate: pdfDate(input.createdAt),
      }),
    },
  ];
  for (const [i, refs] of pageRefs.entries()) {
    objects.push(
      {
        ref: refs.page,
        value: pdfDict({
          Type: pdfName('Page'),
          Parent: new PdfRef(2),
          MediaBox: pdfRect(0, 0, PAGE.width, PAGE.height),
          Resources: pdfDict({ Font: pdfDict({ F1: embedded.fontRef }) }),
          Contents: refs.content,
        }),
      },
      { ref: refs.content, value: flateStream(pdfDict({}), pages[i]!.bytes()) },
    );
  }
  objects.push(...embedded.objects);
  objects.sort((a, b) => a.ref.objectNumber - b.ref.objectNumber);

  const chunks: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = chunks[0]!.length;
  const offsets: number[] = [];
  for (const object of objects) {
    const bytes = serializeIndirectObject(object.ref, object.value);
    offsets[object.ref.objectNumber] = offset;
    chunks.push(bytes);
    offset += bytes.length;
  }
  const size = objects.length + 1;
  const xref = ['xref', `0 ${size}`, '0000000000 65535 f '];
  for (let n = 1; n < size; n++) xref.push(`${String(offsets[n]).padStart(10, '0')} 00000 n `);
  chunks.push(
    Buffer.from(
      `${xref.join('\n')}\ntrailer\n<< /Size ${size} /Root 1 0 R /Info 3 0 R >>\nstartxref\n${offset}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(chunks);
}
