/**
 * Writes simple, valid PDFs for the ades tests and the benchmark: N pages of text and optionally
 * a large incompressible stream, so that a ~100 MB document can be made without keeping it in memory.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

export interface SamplePdfOptions {
  readonly pages?: number;
  /** Adds one image-like stream of this many random bytes (to reach a large file size). */
  readonly paddingBytes?: number;
}

export function writeSamplePdf(file: string, options: SamplePdfOptions = {}): void {
  const pages = options.pages ?? 1;
  const fd = openSync(file, 'w');
  let offset = 0;
  const offsets: number[] = [];
  const write = (data: string | Buffer): void => {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    writeSync(fd, bytes);
    offset += bytes.length;
  };
  const object = (number: number, body: string): void => {
    offsets[number] = offset;
    write(`${number} 0 obj\n${body}\nendobj\n`);
  };
  try {
    write('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
    // 1 catalog, 2 pages, 3 font, 4 padding stream (or empty), then page i: 5+2i, content 6+2i.
    object(1, '<< /Type /Catalog /Pages 2 0 R >>');
    const kids = Array.from({ length: pages }, (_, i) => `${5 + 2 * i} 0 R`).join(' ');
    object(2, `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
    object(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
    const padding = options.paddingBytes ?? 0;
    offsets[4] = offset;
    write(`4 0 obj\n<< /Length ${padding} >>\nstream\n`);
    const chunk = 4 * 1024 * 1024;
    for (let written = 0; written < padding; written += chunk)
      write(randomBytes(Math.min(chunk, padding - written)));
    write('\nendstream\nendobj\n');
    for (let i = 0; i < pages; i++) {
      const text = `BT /F1 24 Tf 72 720 Td (shomei sample page ${i + 1}) Tj ET`;
      object(
        5 + 2 * i,
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${6 + 2 * i} 0 R >>`,
      );
      object(6 + 2 * i, `<< /Length ${text.length} >>\nstream\n${text}\nendstream`);
    }
    const size = 5 + 2 * pages;
    const xref = offset;
    const lines = ['xref', `0 ${size}`, '0000000000 65535 f '];
    for (let n = 1; n < size; n++) lines.push(`${String(offsets[n]).padStart(10, '0')} 00000 n `);
    write(`${lines.join('\n')}\ntrailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  } finally {
    closeSync(fd);
  }
}
