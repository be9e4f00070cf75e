// What is embedded: only the glyphs used, vertical alternates where Japanese needs them, a
// ToUnicode map that gives the text back, and the same bytes for the same seal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import * as fontkit from 'fontkit';
import {
  PdfArray,
  PdfDict,
  type PdfName,
  type PdfObject,
  PdfRef,
  PdfStream,
  serializePdf,
} from '../../src/pdf/index.ts';
import { buildSealAppearance, type SealAppearance, type SealAppearanceInput } from '../../src/seal/index.ts';

const base: SealAppearanceInput = {
  name: '山田',
  signingTime: new Date('2026-11-21T06:04:00Z'),
  width: 200,
  height: 80,
};

function resolve(a: SealAppearance, value: PdfObject | undefined): PdfObject | undefined {
  if (!(value instanceof PdfRef)) return value;
  return a.objects.find((o) => o.ref.equals(value))?.value;
}

function fontParts(a: SealAppearance) {
  const resources = a.xobject.dict.get('Resources') as PdfDict;
  const type0 = resolve(a, (resources.get('Font') as PdfDict).get('F1')) as PdfDict;
  const cidFont = resolve(a, (type0.get('DescendantFonts') as PdfArray).get(0)) as PdfDict;
  const descriptor = resolve(a, cidFont.get('FontDescriptor')) as PdfDict;
  const fontFile = resolve(a, descriptor.get('FontFile2')) as PdfStream;
  const toUnicode = resolve(a, type0.get('ToUnicode')) as PdfStream;
  return { type0, cidFont, descriptor, fontFile, toUnicode };
}

/** CID → text from the ToUnicode CMap's bfchar entries. */
function unicodeMap(a: SealAppearance): Map<number, string> {
  const cmap = inflateSync(fontParts(a).toUnicode.data)
    .toString('latin1')
    .replace(/begincodespacerange[\s\S]*?endcodespacerange/, '');
  const map = new Map<number, string>();
  for (const [, cid, hex] of cmap.matchAll(/<([0-9A-F]{4})> <([0-9A-F]+)>/g)) {
    map.set(Number.parseInt(cid!, 16), Buffer.from(hex!, 'hex').swap16().toString('utf16le'));
  }
  return map;
}

describe('seal font embedding', () => {
  it('is a Type0 / CIDFontType2 with Identity-H and an embedded TrueType subset of the used glyphs', () => {
    const a = buildSealAppearance(base);
    const { type0, cidFont, descriptor, fontFile } = fontParts(a);
    assert.equal(type0.name('Subtype'), 'Type0');
    assert.equal(type0.name('Encoding'), 'Identity-H');
    assert.equal(cidFont.name('Subtype'), 'CIDFontType2');
    assert.equal(cidFont.name('CIDToGIDMap'), 'Identity');
    assert.equal((descriptor.get('FontName') as PdfName).value, a.baseFont);

    const program = inflateSync(fontFile.data);
    assert.equal(fontFile.dict.number('Length1'), program.length);
    const subset = fontkit.create(program) as fontkit.Font;
    const used = unicodeMap(a).size;
    // .notdef plus the glyphs used (and any composite components): far fewer than IPAex's 12,000.
    assert.ok(subset.numGlyphs >= used + 1 && subset.numGlyphs < 120, `${subset.numGlyphs} glyphs`);
    assert.ok(fontFile.data.length < 60_000, `${fontFile.data.length} bytes embedded`);

    // /W gives one width per CID from 1: full-width kanji are 1000, Latin digits narrower.
    const w = cidFont.get('W') as PdfArray;
    const widths = (w.get(1) as PdfArray).items.map((n) => (n as { value: number }).value);
    assert.equal(widths.length, used);
    const map = unicodeMap(a);
    const cidOf = (text: string) => [...map].find(([, t]) => t === text)![0];
    assert.equal(widths[cidOf('山') - 1], 1000);
    assert.ok(widths[cidOf('1') - 1]! < 1000);

    // CID n draws the glyph its ToUnicode entry claims: same outline as in the full font.
    const full = fontkit.openSync('/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf') as fontkit.Font;
    for (const [cid, text] of map) {
      const expected = full.glyphForCodePoint(text.codePointAt(0)!).path.toSVG();
      assert.equal(subset.getGlyph(cid).path.toSVG(), expected, `outline of CID ${cid} (${text})`);
    }
  });

  it('embeds byte for byte the subset fontkit itself writes (the header-only glyph check of issue #20 changes nothing)', () => {
    const a = buildSealAppearance({ ...base, name: '渡邊 花子' });
    const program = inflateSync(fontParts(a).fontFile.data);
    const full = fontkit.openSync('/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf') as fontkit.Font;
    const reference = full.createSubset();
    for (const [, text] of [...unicodeMap(a)].sort(([x], [y]) => x - y))
      reference.includeGlyph(full.glyphForCodePoint(text.codePointAt(0)!));
    assert.ok(Buffer.from(reference.encode()).equals(program));
  });

  it('maps every drawn glyph back to its text, including vertical alternates', () => {
    const a = buildSealAppearance({ ...base, name: 'ルーシー' });
    const map = unicodeMap(a);
    // ー is drawn upright-rotated in the seal (the font's 'vert' glyph) and flat in the text block:
    // two glyphs, both extracted as U+30FC.
    const longVowel = [...map].filter(([, t]) => t === 'ー');
    assert.equal(longVowel.length, 2);
    for (const text of map.values()) assert.equal([...text].length, 1);
  });

  it('handles characters outside the BMP in the ToUnicode map as surrogate pairs', () => {
    // 𩸽 (hokke, U+29E3D) is in IPAex Mincho.
    const a = buildSealAppearance({ ...base, name: '𩸽野' });
    assert.ok([...unicodeMap(a).values()].includes('𩸽'));
  });

  it('gives the same bytes for the same seal and a different subset for a different name', () => {
    const bytes = (a: SealAppearance) =>
      Buffer.concat([serializePdf(a.xobject), ...a.objects.map((o) => serializePdf(o.value))]);
    const one = buildSealAppearance(base);
    const two = buildSealAppearance(base);
    assert.ok(bytes(one).equals(bytes(two)));
    const other = buildSealAppearance({ ...base, name: '佐藤' });
    assert.notEqual(other.baseFont, one.baseFont);
  });

  it('is a form XObject whose /BBox is the widget size and whose resources point at the returned objects', () => {
    const a = buildSealAppearance({ ...base, width: 180.5, height: 72 });
    assert.equal(a.xobject.dict.name('Type'), 'XObject');
    assert.equal(a.xobject.dict.name('Subtype'), 'Form');
    assert.equal(serializePdf(a.xobject.dict.get('BBox')!).toString(), '[0 0 180.5 72]');
    // Every reference in the objects resolves within them (the writer renumbers them as a group).
    const refs: PdfRef[] = [];
    const walk = (value: PdfObject | undefined): void => {
      if (value instanceof PdfRef) refs.push(value);
      else if (value instanceof PdfArray) for (const item of value.items) walk(item);
      else if (value instanceof PdfDict) for (const item of value.entries.values()) walk(item);
      else if (value instanceof PdfStream) walk(value.dict);
    };
    walk(a.xobject);
    for (const o of a.objects) walk(o.value);
    for (const ref of refs) assert.ok(resolve(a, ref) !== undefined, `dangling ${ref.key}`);
    assert.equal(new Set(a.objects.map((o) => o.ref.key)).size, a.objects.length);
  });

  it('shrinks longer names so that they stay inside the inner ring', () => {
    const size = (name: string) => buildSealAppearance({ ...base, name }).layout.nameSize;
    const sizes = ['林', '山田', '長谷川', '勅使河原', '左衛門三郎'].map(size);
    for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! < sizes[i - 1]!, `${sizes}`);
    const latin = ['Li', 'Tanaka', 'Christopher Montgomery'].map(size);
    for (let i = 1; i < latin.length; i++) assert.ok(latin[i]! < latin[i - 1]!, `${latin}`);
  });
});
