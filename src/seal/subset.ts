/**
 * Embeds the glyphs a seal uses as a Type0 font (§9.7): Identity-H encoding over a CIDFontType2
 * whose CIDs are the glyph ids of a fontkit TrueType subset, so /CIDToGIDMap is /Identity. Only used
 * glyphs are embedded (a full IPAex Mincho is 4 MB per signature otherwise), and the subset tag makes
 * viewers and pdffonts treat it as a subset.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import {
  type PdfObject,
  type PdfRef,
  PdfStream,
  PdfString,
  pdfArray,
  pdfDict,
  pdfName,
  pdfNumber,
} from '../pdf/index.ts';
import { toUnicodeCMap } from './cmap.ts';
import type { SealFont, SealGlyph } from './font.ts';

export interface EmbeddedFont {
  /** The Type0 font for /Resources /Font: a placeholder reference to an entry of `objects`. */
  readonly fontRef: PdfRef;
  /** The indirect objects it refers to (placeholder references). */
  readonly objects: { readonly ref: PdfRef; readonly value: PdfObject }[];
  /** `ABCDEF+IPAexMincho`. */
  readonly baseFont: string;
}

export class FontSubsetter {
  private readonly cids = new Map<number, number>();
  private readonly glyphs: SealGlyph[] = [];

  constructor(private readonly font: SealFont) {}

  /** The CID (= subset glyph id) for a glyph, adding it to the subset on first use. */
  cid(glyph: SealGlyph): number {
    let cid = this.cids.get(glyph.gid);
    if (cid === undefined) {
      // CID 0 is .notdef, which fontkit's subset always puts first.
      cid = this.glyphs.length + 1;
      this.cids.set(glyph.gid, cid);
      this.glyphs.push(glyph);
    }
    return cid;
  }

  /** Builds the font objects; `allocate` gives placeholder references for the streams. */
  finish(allocate: () => PdfRef): EmbeddedFont {
    const subset = this.font.fontkit.createSubset();
    for (const [i, glyph] of this.glyphs.entries()) {
      // fontkit numbers subset glyphs in inclusion order; check that it still does (our CIDs rely on it).
      const id = subset.includeGlyph(this.font.fontkit.getGlyph(glyph.gid)) as unknown;
      if (typeof id === 'number' && id !== i + 1) throw new Error(`fontkit subset numbering changed (${id})`);
    }
    const program = encodeLightly(this.font, subset, [0, ...this.glyphs.map((g) => g.gid)]);
    const tag = subsetTag(this.glyphs.map((g) => g.gid));
    const baseFont = `${tag}+${this.font.postscriptName}`;

    // Indirect throughout: a FontDescriptor must be (§9.8), streams always are, and the rest follow
    // the layout every PDF producer uses, which viewers' font code is tested against.
    const fontRef = allocate();
    const descendantRef = allocate();
    const descriptorRef = allocate();
    const fontFileRef = allocate();
    const toUnicodeRef = allocate();
    const fontFile = new PdfStream(
      pdfDict({ Length1: pdfNumber(program.length), Filter: pdfName('FlateDecode') }),
      new Uint8Array(deflateSync(program)),
    );
    const texts = new Map(this.glyphs.map((g, i) => [i + 1, g.text] as const));
    const toUnicode = new PdfStream(
      pdfDict({ Filter: pdfName('FlateDecode') }),
      new Uint8Array(deflateSync(Buffer.from(toUnicodeCMap(texts), 'latin1'))),
    );

    const { ascent, descent, capHeight, bbox } = this.font.metrics;
    const descriptor = pdfDict({
      Type: pdfName('FontDescriptor'),
      FontName: pdfName(baseFont),
      // Symbolic: the glyphs are addressed by CID, not by a standard Latin encoding.
      Flags: pdfNumber(4),
      FontBBox: pdfArray(...bbox.map(pdfNumber)),
      ItalicAngle: pdfNumber(0),
      Ascent: pdfNumber(ascent),
      Descent: pdfNumber(descent),
      CapHeight: pdfNumber(capHeight),
      // Not in TrueType files; a typical value for a regular-weight Mincho.
      StemV: pdfNumber(80),
      FontFile2: fontFileRef,
    });
    const widths = pdfArray(pdfNumber(1), pdfArray(...this.glyphs.map((g) => pdfNumber(g.advance))));
    const descendant = pdfDict({
      Type: pdfName('Font'),
      Subtype: pdfName('CIDFontType2'),
      BaseFont: pdfName(baseFont),
      CIDSystemInfo: pdfDict({
        Registry: PdfString.fromText('Adobe'),
        Ordering: PdfString.fromText('Identity'),
        Supplement: pdfNumber(0),
      }),
      FontDescriptor: descriptorRef,
      DW: pdfNumber(1000),
      W: widths,
      CIDToGIDMap: pdfName('Identity'),
    });
    const fontDict = pdfDict({
      Type: pdfName('Font'),
      Subtype: pdfName('Type0'),
      BaseFont: pdfName(baseFont),
      Encoding: pdfName('Identity-H'),
      DescendantFonts: pdfArray(descendantRef),
      ToUnicode: toUnicodeRef,
    });
    return {
      fontRef,
      baseFont,
      objects: [
        { ref: fontRef, value: fontDict },
        { ref: descendantRef, value: descendant },
        { ref: descriptorRef, value: descriptor },
        { ref: fontFileRef, value: fontFile },
        { ref: toUnicodeRef, value: toUnicode },
      ],
    };
  }
}

/** Six capital letters (§9.6.4) derived from the glyph set, so equal seals give equal bytes. */
/** What of fontkit's TrueType internals the subset's encode reads (fontkit 2; checked when used). */
interface TrueTypeInternals {
  readonly stream?: { readonly view?: DataView };
  readonly loca?: { readonly offsets?: readonly number[] };
  readonly directory?: { readonly tables?: Record<string, { readonly offset?: number } | undefined> };
}
type DecodableGlyph = { _decode?: () => unknown };

/**
 * fontkit's TrueType subset decodes each glyph's whole outline (every point, as objects) only to learn
 * whether it is a composite — about a fifth of an act's and a completion's PDF work in
 * bench/envelopes.ts (issue #20, ADR 039). During this synchronous encode, a simple glyph answers from
 * its header (numberOfContours, the glyph's first int16); composite glyphs, empty ones and variable
 * fonts take fontkit's own path. The override is on the glyph objects only, removed before returning.
 */
function encodeLightly(
  font: SealFont,
  subset: { encode(): Uint8Array },
  gids: readonly number[],
): Uint8Array {
  const internals = font.fontkit as unknown as TrueTypeInternals;
  const view = internals.stream?.view;
  const offsets = internals.loca?.offsets;
  const glyf = internals.directory?.tables?.glyf?.offset;
  if (view === undefined || offsets === undefined || glyf === undefined || internals.directory?.tables?.fvar)
    return subset.encode();
  const overridden: DecodableGlyph[] = [];
  try {
    for (const gid of new Set(gids)) {
      const glyph = font.fontkit.getGlyph(gid) as unknown as DecodableGlyph;
      const full = glyph._decode;
      const start = offsets[gid];
      if (typeof full !== 'function' || start === undefined || start === offsets[gid + 1]) continue;
      const contours = view.getInt16(glyf + start);
      if (contours < 0) continue;
      glyph._decode = () => ({ numberOfContours: contours });
      overridden.push(glyph);
    }
    return subset.encode();
  } finally {
    for (const glyph of overridden) delete glyph._decode;
  }
}

function subsetTag(gids: readonly number[]): string {
  const digest = createHash('sha256').update(gids.join(',')).digest();
  let tag = '';
  for (let i = 0; i < 6; i++) tag += String.fromCharCode(65 + (digest[i]! % 26));
  return tag;
}
