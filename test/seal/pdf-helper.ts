/**
 * A one-page PDF that shows a seal appearance, for checking it with poppler until the pdf module's
 * incremental writer can place it in a real signature field. The seal's placeholder object numbers
 * are used as they are; the page objects are numbered after them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import {
  PdfRef,
  PdfStream,
  pdfArray,
  pdfDict,
  pdfName,
  pdfNumber,
  pdfRect,
  type SignatureAppearance,
  serializeIndirectObject,
} from '../../src/pdf/index.ts';
import { run } from '../helpers/run.ts';

export interface Placement {
  readonly pageWidth: number;
  readonly pageHeight: number;
  /** Lower-left corner of the appearance on the page. */
  readonly x: number;
  readonly y: number;
}

export function pageWithAppearance(appearance: SignatureAppearance | undefined, at: Placement): Buffer {
  const objects = [...(appearance?.objects ?? [])];
  let next = Math.max(0, ...objects.map((o) => o.ref.objectNumber));
  const ref = () => new PdfRef(++next);
  const xobjectRef = ref();
  const contentRef = ref();
  const pageRef = ref();
  const pagesRef = ref();
  const catalogRef = ref();
  const content = Buffer.from(appearance ? `q 1 0 0 1 ${at.x} ${at.y} cm /Seal Do Q\n` : '', 'latin1');
  if (appearance) objects.push({ ref: xobjectRef, value: appearance.xobject });
  objects.push(
    { ref: contentRef, value: new PdfStream(pdfDict({}), new Uint8Array(content)) },
    {
      ref: pageRef,
      value: pdfDict({
        Type: pdfName('Page'),
        Parent: pagesRef,
        MediaBox: pdfRect(0, 0, at.pageWidth, at.pageHeight),
        Resources: appearance ? pdfDict({ XObject: pdfDict({ Seal: xobjectRef }) }) : pdfDict({}),
        Contents: contentRef,
      }),
    },
    {
      ref: pagesRef,
      value: pdfDict({ Type: pdfName('Pages'), Kids: pdfArray(pageRef), Count: pdfNumber(1) }),
    },
    { ref: catalogRef, value: pdfDict({ Type: pdfName('Catalog'), Pages: pagesRef }) },
  );
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets = new Map<number, number>();
  let length = parts[0]!.length;
  for (const { ref: r, value } of objects) {
    offsets.set(r.objectNumber, length);
    const bytes = serializeIndirectObject(r, value);
    parts.push(bytes);
    length += bytes.length;
  }
  let xref = `xref\n0 ${next + 1}\n0000000000 65535 f \n`;
  for (let n = 1; n <= next; n++) {
    const offset = offsets.get(n);
    xref += offset === undefined ? '0000000000 65535 f \n' : `${String(offset).padStart(10, '0')} 00000 n \n`;
  }
  xref += `trailer\n<</Size ${next + 1} /Root ${catalogRef.objectNumber} 0 R>>\nstartxref\n${length}\n%%EOF\n`;
  parts.push(Buffer.from(xref, 'latin1'));
  return Buffer.concat(parts);
}

/** A decoded RGB(A) raster with a helper that counts seal-red pixels in a rectangle (PDF points). */
export interface Raster {
  readonly width: number;
  readonly height: number;
  /** Red pixels in [x1, x2) × [y1, y2), in page points (origin bottom-left, 72 dpi = 1 px per point). */
  redPixels(x1: number, y1: number, x2: number, y2: number): number;
  isRed(x: number, y: number): boolean;
}

export function raster(png: { width: number; height: number; data: Uint8Array }): Raster {
  const isRedAt = (px: number, py: number): boolean => {
    if (px < 0 || py < 0 || px >= png.width || py >= png.height) return false;
    const i = (py * png.width + px) * 4;
    const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
    // Anti-aliased vermilion: strong red, weak green and blue (grey text never passes).
    return r > 150 && g < 140 && b < 140 && r - g > 70;
  };
  return {
    width: png.width,
    height: png.height,
    isRed: (x, y) => isRedAt(Math.floor(x), png.height - 1 - Math.floor(y)),
    redPixels(x1, y1, x2, y2) {
      let count = 0;
      for (let y = Math.max(0, Math.floor(y1)); y < Math.min(png.height, Math.ceil(y2)); y++) {
        for (let x = Math.max(0, Math.floor(x1)); x < Math.min(png.width, Math.ceil(x2)); x++) {
          if (isRedAt(x, png.height - 1 - y)) count++;
        }
      }
      return count;
    },
  };
}

export interface Rendered {
  readonly pdf: string;
  readonly raster: Raster;
  /** `pdffonts` output lines after the header. */
  readonly fonts: string[];
  /** Text of the whole page. */
  readonly text: string;
  /** Text inside a rectangle (page points, origin bottom-left). */
  textIn(x: number, y: number, width: number, height: number): string;
}

/** Writes the page under artifacts/seal (gitignored, kept for people to look at) and rasterises it at 72 dpi. */
export function render(appearance: SignatureAppearance, at: Placement, label: string): Rendered {
  return renderPdf(pageWithAppearance(appearance, at), at, label);
}

/** As `render`, for a PDF made elsewhere (`at.pageHeight` is used for text cropping). */
export function renderPdf(bytes: Uint8Array, at: Pick<Placement, 'pageHeight'>, label: string): Rendered {
  mkdirSync(ARTIFACTS, { recursive: true });
  const pdf = path.join(ARTIFACTS, `${label}.pdf`);
  writeFileSync(pdf, bytes);
  const png = path.join(ARTIFACTS, label);
  const ppm = run('pdftoppm', ['-r', '72', '-png', '-singlefile', pdf, png]);
  if (ppm.status !== 0) throw new Error(`pdftoppm failed: ${ppm.stderr}`);
  const image = PNG.sync.read(readFileSync(`${png}.png`));
  const fonts = run('pdffonts', [pdf]);
  if (fonts.status !== 0) throw new Error(`pdffonts failed: ${fonts.stderr}`);
  const textOf = (args: string[]) => {
    const result = run('pdftotext', ['-enc', 'UTF-8', ...args, pdf, '-']);
    if (result.status !== 0) throw new Error(`pdftotext failed: ${result.stderr}`);
    return result.stdout;
  };
  return {
    pdf,
    raster: raster(image),
    fonts: fonts.stdout
      .split('\n')
      .slice(2)
      .filter((l) => l.trim() !== ''),
    text: textOf([]),
    textIn: (x, y, width, height) =>
      // pdftotext crops in pixels from the top-left at -r 72, i.e. in points from the top.
      textOf([
        '-r',
        '72',
        '-x',
        String(Math.floor(x)),
        '-y',
        String(Math.floor(at.pageHeight - y - height)),
        '-W',
        String(Math.ceil(width)),
        '-H',
        String(Math.ceil(height)),
      ]),
  };
}

const ARTIFACTS = path.resolve(import.meta.dirname, '../../artifacts/seal');
