/**
 * Where things go inside the appearance box: the seal circle, the name inside it, the text block.
 * Pure arithmetic on glyph advances (1/1000 em) so that it can be reasoned about and tested alone.
 */

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Circle {
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
}

export interface Frame {
  readonly seal: Circle;
  readonly text: Box;
  readonly arrangement: 'side' | 'stacked';
}

/** Seal on the left and text on the right for wide fields, seal above text for tall or square ones. */
export function frame(width: number, height: number): Frame {
  const m = Math.min(width, height) * 0.04;
  if (width >= height * 1.6) {
    const d = Math.min(height - 2 * m, width * 0.42);
    const gap = d * 0.12;
    const left = m + d + gap;
    return {
      arrangement: 'side',
      seal: { cx: m + d / 2, cy: height / 2, r: d / 2 },
      text: { x: left, y: m, width: width - m - left, height: height - 2 * m },
    };
  }
  const d = Math.min(width - 2 * m, height * 0.55);
  const gap = d * 0.08;
  return {
    arrangement: 'stacked',
    seal: { cx: width / 2, cy: height - m - d / 2, r: d / 2 },
    text: { x: m, y: m, width: width - 2 * m, height: height - 2 * m - d - gap },
  };
}

/** Ring widths and the radius inside which the name must stay. */
export function rings(r: number): {
  outer: number;
  outerWidth: number;
  inner: number;
  innerWidth: number;
  free: number;
} {
  const outerWidth = r * 0.075;
  const innerWidth = r * 0.028;
  const inner = r * 0.83;
  return {
    outer: r - outerWidth / 2,
    outerWidth,
    inner,
    innerWidth,
    free: inner - innerWidth / 2 - r * 0.05,
  };
}

// The ideographic em box of a horizontal CJK glyph spans [descent, ascent] around the baseline; its
// centre sits this far above the baseline (IPAex: ascent 0.88, descent -0.12 → 0.38 em).
export function emCentre(ascent: number, descent: number): number {
  return (ascent + descent) / 2000;
}

/** Glyph ink covers about this share of the em box; corners of the box are empty in real glyphs. */
const INK = 0.9;

export interface PlacedRun {
  /** Index into the caller's runs (a column's glyph or a line). */
  readonly index: number;
  readonly x: number;
  readonly y: number;
}

export interface VerticalName {
  readonly size: number;
  readonly scaleY: number;
  /** One entry per glyph, columns right to left, each column top to bottom. */
  readonly glyphs: readonly PlacedRun[];
}

/** Vertical squeeze for long columns, as carved seals do, so that 3–5 kanji stay large. */
function squeeze(longest: number): number {
  return longest <= 2 ? 1 : longest === 3 ? 0.9 : longest === 4 ? 0.82 : 0.76;
}

/** Largest size in (0, hi] for which `fits` holds; `fits` is monotone (smaller always fits). */
function largest(hi: number, fits: (size: number) => boolean): number {
  let lo = 0;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

const inside = (free: number, x: number, y: number): boolean => x * x + y * y <= free * free;

/**
 * Lays out columns of full-width glyphs (first column rightmost) inside a circle of radius `free`
 * around (0, 0). `centre` is the em-box centre above the baseline, in em.
 */
export function layoutVertical(columns: readonly number[], free: number, centre: number): VerticalName {
  const longest = Math.max(...columns);
  const k = squeeze(longest);
  const gapRatio = 0.08;
  const geometry = (s: number) => {
    const pitch = s * (1 + gapRatio);
    return columns.map((n, c) => ({ n, cx: ((columns.length - 1) / 2 - c) * pitch }));
  };
  const fits = (s: number) =>
    geometry(s).every(({ n, cx }) => {
      const halfW = (s * INK) / 2;
      const halfH = (n * s * k) / 2 - (s * k * (1 - INK)) / 2;
      return [cx - halfW, cx + halfW].every((x) => inside(free, x, halfH) && inside(free, x, -halfH));
    });
  const size = largest(free * 2, fits);
  const glyphs: PlacedRun[] = [];
  let index = 0;
  for (const { n, cx } of geometry(size)) {
    const top = (n * size * k) / 2;
    for (let i = 0; i < n; i++) {
      const cellCentreY = top - (i + 0.5) * size * k;
      glyphs.push({ index: index++, x: cx - size / 2, y: cellCentreY - centre * size * k });
    }
  }
  return { size, scaleY: k, glyphs };
}

export interface HorizontalLines {
  readonly size: number;
  /** One entry per line, top to bottom; x, y is the baseline origin. */
  readonly lines: readonly PlacedRun[];
}

/** Centred lines (widths in em) inside a circle of radius `free` around (0, 0). */
export function layoutHorizontalInCircle(widths: readonly number[], free: number): HorizontalLines {
  const pitch = 1.15;
  const [below, above] = [0.22, 0.78]; // descender and ascender share of the em, Latin text
  const baselines = (s: number) =>
    widths.map((_, i) => ((widths.length - 1) / 2 - i) * pitch * s - ((above - below) / 2) * s);
  const fits = (s: number) =>
    baselines(s).every((b, i) => {
      const halfW = (widths[i]! * s) / 2;
      return [b - below * s, b + above * s].every((y) => inside(free, halfW, y));
    });
  const size = largest(free * 2, fits);
  return {
    size,
    lines: baselines(size).map((y, index) => ({ index, x: (-widths[index]! * size) / 2, y })),
  };
}

/** Left-aligned lines in a box, as large as fit up to `maxSize`, centred vertically. */
export function layoutBlock(widths: readonly number[], box: Box, maxSize: number): HorizontalLines {
  const pitch = 1.3;
  const widest = Math.max(...widths, 0.001);
  const size = Math.max(0, Math.min(maxSize, box.width / widest, box.height / (widths.length * pitch)));
  const blockHeight = widths.length * pitch * size;
  const top = box.y + box.height / 2 + blockHeight / 2;
  return {
    size,
    lines: widths.map((_, index) => ({ index, x: box.x, y: top - (index + 1) * pitch * size + 0.3 * size })),
  };
}
