// The seal as people see it: rendered by poppler, read back with pdftotext, fonts checked by pdffonts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSealAppearance, type SealAppearance, type SealAppearanceInput } from '../../src/seal/index.ts';
import { type Placement, type Rendered, render } from './pdf-helper.ts';

const signingTime = new Date('2026-11-21T06:04:00Z'); // 15:04 JST
const at: Placement = { pageWidth: 320, pageHeight: 160, x: 40, y: 35 };

function seal(input: Partial<SealAppearanceInput> & { name: string }, label: string) {
  const appearance = buildSealAppearance({ signingTime, width: 240, height: 90, ...input });
  return { appearance, page: render(appearance, at, label) };
}

/** The seal's square on the page, in points. */
function sealSquare(a: SealAppearance, place: Placement = at) {
  const { cx, cy, r } = a.layout.seal;
  return {
    x1: place.x + cx - r,
    y1: place.y + cy - r,
    x2: place.x + cx + r,
    y2: place.y + cy + r,
    cx: place.x + cx,
    cy: place.y + cy,
    r,
  };
}

function sealText(a: SealAppearance, page: Rendered, place: Placement = at): string {
  const s = sealSquare(a, place);
  return page
    .textIn(s.x1, s.y1, 2 * s.r, 2 * s.r)
    .replace(/\s+/g, ' ')
    .trim();
}

describe('seal appearance rendered by poppler', () => {
  it('draws a red double-ringed seal with the vertical family name inside, embedded as a subset', () => {
    const { appearance, page } = seal(
      { name: '山田', organisation: '株式会社サンプル', title: '代表取締役' },
      'yamada',
    );
    const s = sealSquare(appearance);
    const area = (2 * s.r) ** 2;

    // Red ink only inside the seal's square; the text block is grey.
    const inside = page.raster.redPixels(s.x1, s.y1, s.x2, s.y2);
    assert.ok(inside > area * 0.08, `too little red inside the seal: ${inside} px`);
    assert.equal(page.raster.redPixels(0, 0, at.pageWidth, at.pageHeight), inside, 'no red outside the seal');

    // The outer ring: red at its left, right, top and bottom.
    const ringR = s.r * 0.96;
    for (const [dx, dy] of [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ] as const) {
      assert.ok(page.raster.isRed(s.cx + dx * ringR, s.cy + dy * ringR), `ring missing at ${dx},${dy}`);
    }
    // Vertical writing: the name's ink spans more height than width, upper and lower halves both inked.
    const upper = page.raster.redPixels(s.cx - s.r * 0.4, s.cy + 2, s.cx + s.r * 0.4, s.cy + s.r * 0.7);
    const lower = page.raster.redPixels(s.cx - s.r * 0.4, s.cy - s.r * 0.7, s.cx + s.r * 0.4, s.cy - 2);
    assert.ok(upper > 40 && lower > 40, `both characters inked (upper ${upper}, lower ${lower})`);
    assert.equal(appearance.layout.nameDirection, 'vertical');

    assert.equal(sealText(appearance, page), '山田');
    assert.match(page.text, /代表取締役 山田/);
    assert.match(page.text, /株式会社サンプル/);
    assert.match(page.text, /2026-11-21 15:04 JST/);

    assert.equal(page.fonts.length, 1);
    const [fontName, ...columns] = page.fonts[0]!.split(/\s{2,}/);
    assert.match(fontName!, /^[A-Z]{6}\+IPAexMincho$/);
    assert.equal(fontName, appearance.baseFont);
    assert.match(columns.join(' '), /CID TrueType Identity-H yes yes yes/, 'emb yes sub yes uni yes');
  });

  it('reads multi-character names back in order: 佐々木, 長谷川, two columns 山田 太郎', () => {
    for (const [name, label] of [
      ['佐々木', 'sasaki'],
      ['長谷川', 'hasegawa'],
      ['勅使河原', 'teshigawara'],
      ['山田 太郎', 'yamada-taro'],
    ] as const) {
      const { appearance, page } = seal({ name }, label);
      assert.equal(sealText(appearance, page), name, label);
      const s = sealSquare(appearance);
      assert.ok(page.raster.redPixels(s.x1, s.y1, s.x2, s.y2) > 0, label);
    }
  });

  it('puts a full name in two columns, family name on the right as in vertical Japanese', () => {
    const { appearance, page } = seal({ name: '山田 太郎' }, 'columns');
    const s = sealSquare(appearance);
    // 山 is the top of the right column, 太 the top of the left: both halves carry ink.
    const right = page.raster.redPixels(s.cx + 2, s.cy - s.r * 0.6, s.cx + s.r * 0.6, s.cy + s.r * 0.6);
    const left = page.raster.redPixels(s.cx - s.r * 0.6, s.cy - s.r * 0.6, s.cx - 2, s.cy + s.r * 0.6);
    assert.ok(right > 60 && left > 60, `two columns (left ${left}, right ${right})`);
    assert.equal(appearance.layout.nameDirection, 'vertical');
  });

  it('keeps long names inside the inner ring: the gap between the rings stays clear', () => {
    for (const [name, label] of [
      ['左衛門三郎', 'long-vertical'],
      ['左衛門三郎 太郎', 'long-columns'],
      ['Christopher Montgomery', 'long-latin'],
    ] as const) {
      const appearance = buildSealAppearance({ name, signingTime, width: 300, height: 140 });
      const place = { pageWidth: 340, pageHeight: 170, x: 20, y: 15 };
      const page = render(appearance, place, label);
      const { cx, cy, r } = appearance.layout.seal;
      const [px, py] = [20 + cx, 15 + cy];
      for (let degrees = 0; degrees < 360; degrees += 5) {
        const a = (degrees * Math.PI) / 180;
        const [gx, gy] = [px + Math.cos(a) * r * 0.885, py + Math.sin(a) * r * 0.885];
        assert.ok(!page.raster.isRed(gx, gy), `${label}: ink between the rings at ${degrees}°`);
        const [ox, oy] = [px + Math.cos(a) * r * 0.96, py + Math.sin(a) * r * 0.96];
        assert.ok(page.raster.isRed(ox, oy), `${label}: outer ring broken at ${degrees}°`);
      }
      assert.equal(sealText(appearance, page, place), name);
    }
  });

  it('writes Latin names horizontally and extracts them', () => {
    const { appearance, page } = seal({ name: 'John Smith', lang: 'en' }, 'latin');
    assert.equal(appearance.layout.nameDirection, 'horizontal');
    assert.equal(sealText(appearance, page), 'John Smith');
    assert.match(page.text, /Digitally signed/);
    assert.match(page.text, /Signed 2026-11-21 15:04 JST/);
  });

  it('shows a red TEST mark outside production and none otherwise', () => {
    const marked = seal({ name: '山田', environmentMark: 'TEST' }, 'test-mark');
    const plain = seal({ name: '山田' }, 'no-mark');
    const textBox = (a: SealAppearance) => {
      const t = a.layout.text;
      return [at.x + t.x, at.y + t.y, at.x + t.x + t.width, at.y + t.y + t.height] as const;
    };
    assert.ok(
      marked.page.raster.redPixels(...textBox(marked.appearance)) > 30,
      'red TEST box in the text block',
    );
    assert.equal(plain.page.raster.redPixels(...textBox(plain.appearance)), 0);
    assert.match(marked.page.text, /TEST/);
    assert.doesNotMatch(plain.page.text, /TEST/);
  });

  it('writes the date in 和暦 when asked', () => {
    const { page } = seal({ name: '山田', dateStyle: 'wareki' }, 'wareki');
    assert.match(page.text, /署名日時 令和8年11月21日 15:04 JST/);
  });

  it('stacks the text under the seal in a square field and keeps everything inside the box', () => {
    const appearance = buildSealAppearance({ name: '長谷川', signingTime, width: 120, height: 120 });
    const page = render(appearance, at, 'square');
    const s = sealSquare(appearance);
    assert.ok(appearance.layout.text.y + appearance.layout.text.height <= appearance.layout.seal.cy - s.r);
    assert.equal(
      page.raster.redPixels(0, 0, at.pageWidth, at.pageHeight),
      page.raster.redPixels(s.x1, s.y1, s.x2, s.y2),
    );
    assert.equal(sealText(appearance, page), '長谷川');
    assert.match(page.text, /2026-11-21 15:04 JST/);
  });
});
