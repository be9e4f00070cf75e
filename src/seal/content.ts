/**
 * A content-stream writer (§8, §9.4) for the few operators a seal needs. Numbers go through the pdf
 * module's formatter so that the stream is deterministic and never contains exponents.
 */
import { formatPdfNumber, pdfText, serializePdf } from '../pdf/index.ts';
import { cidHex } from './cmap.ts';

export type Rgb = readonly [number, number, number];

const KAPPA = (4 * (Math.SQRT2 - 1)) / 3; // four cubic Béziers approximate a circle within 0.03 %

export class ContentStream {
  private readonly ops: string[] = [];

  private op(operator: string, ...operands: number[]): this {
    this.ops.push([...operands.map(formatPdfNumber), operator].join(' '));
    return this;
  }

  save(): this {
    return this.op('q');
  }
  restore(): this {
    return this.op('Q');
  }
  fillColor([r, g, b]: Rgb): this {
    return this.op('rg', r, g, b);
  }
  strokeColor([r, g, b]: Rgb): this {
    return this.op('RG', r, g, b);
  }
  lineWidth(width: number): this {
    return this.op('w', width);
  }
  rect(x: number, y: number, w: number, h: number): this {
    return this.op('re', x, y, w, h);
  }
  stroke(): this {
    return this.op('S');
  }
  fill(): this {
    return this.op('f');
  }

  /** A closed circle path of four Bézier arcs, starting at the rightmost point, counter-clockwise. */
  circle(cx: number, cy: number, r: number): this {
    const k = r * KAPPA;
    this.op('m', cx + r, cy);
    this.op('c', cx + r, cy + k, cx + k, cy + r, cx, cy + r);
    this.op('c', cx - k, cy + r, cx - r, cy + k, cx - r, cy);
    this.op('c', cx - r, cy - k, cx - k, cy - r, cx, cy - r);
    this.op('c', cx + k, cy - r, cx + r, cy - k, cx + r, cy);
    return this.op('h');
  }

  /**
   * Draws glyph runs as one text object. Each run is a CID string advanced by the font's /W widths,
   * starting at its origin (baseline-left) in form space; `actualText` wraps them in a /Span so that extraction yields the text in reading order
   * even when the glyphs are stacked vertically (§14.9.4).
   */
  text(
    font: string,
    size: number,
    runs: readonly { cids: readonly number[]; x: number; y: number }[],
    options: { actualText?: string; scaleY?: number; strokeWidth?: number } = {},
  ): this {
    if (options.actualText !== undefined) {
      this.ops.push(
        `/Span <</ActualText ${serializePdf(pdfText(options.actualText)).toString('latin1')}>> BDC`,
      );
    }
    this.ops.push('BT');
    this.ops.push(`/${font} ${formatPdfNumber(size)} Tf`);
    if (options.strokeWidth !== undefined) {
      // Fill and stroke (render mode 2) thickens thin Mincho strokes the way a carved seal looks.
      this.op('w', options.strokeWidth);
      this.op('Tr', 2);
    }
    const sy = options.scaleY ?? 1;
    for (const run of runs) {
      this.op('Tm', 1, 0, 0, sy, run.x, run.y);
      this.ops.push(`<${run.cids.map(cidHex).join('')}> Tj`);
    }
    this.ops.push('ET');
    if (options.actualText !== undefined) this.ops.push('EMC');
    return this;
  }

  bytes(): Uint8Array {
    return new Uint8Array(Buffer.from(`${this.ops.join('\n')}\n`, 'latin1'));
  }
}
