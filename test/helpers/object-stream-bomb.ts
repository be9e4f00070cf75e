/**
 * The outside review's hostile PDF (issue #16 F3): a valid PDF of small size whose object streams
 * each inflate to a large size, every one under the per-stream cap. Object i (catalog, page tree,
 * page, form fields) lives in object stream i, so reading the document touches every stream. The
 * streams are byte-identical (each holds all objects; the xref picks object i from stream i), so one
 * deflate serves all of them. With the defaults, 20 streams of 100 MiB: a 2 MB file, 2 GiB inflated.
 */
import { deflateSync } from 'node:zlib';

export interface BombOptions {
  /** Object streams (at least 4: catalog, pages, page, one field). */
  readonly streams?: number;
  /** Inflated size of each stream, bytes. */
  readonly inflatedBytes?: number;
}

export function objectStreamBomb(options: BombOptions = {}): Buffer {
  const streams = options.streams ?? 20;
  const inflated = options.inflatedBytes ?? 100 * 1024 * 1024;
  const fields = Array.from({ length: streams - 3 }, (_, i) => `${i + 4} 0 R`).join(' ');
  const bodies = [
    `<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [${fields}] >> >>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
    ...Array.from({ length: streams - 3 }, (_, i) => `<< /FT /Sig /T (field${i + 4}) >>`),
  ];
  let objects = '';
  const offsets: number[] = [];
  for (const body of bodies) {
    offsets.push(objects.length);
    objects += `${body}\n`;
  }
  const header = bodies.map((_, i) => `${i + 1} ${offsets[i]}`).join(' ');
  const first = header.length + 1;
  const plain = Buffer.alloc(Math.max(inflated, first + objects.length), 0x20);
  plain.write(`${header}\n${objects}`, 0, 'latin1');
  const data = deflateSync(plain, { level: 9 });

  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let size = parts[0]!.length;
  const streamOffsets: number[] = [];
  const push = (chunk: Buffer) => {
    parts.push(chunk);
    size += chunk.length;
  };
  for (let s = 0; s < streams; s += 1) {
    streamOffsets.push(size);
    push(
      Buffer.from(
        `${streams + 1 + s} 0 obj\n<< /Type /ObjStm /N ${streams} /First ${first} /Filter /FlateDecode /Length ${data.length} >>\nstream\n`,
        'latin1',
      ),
    );
    push(data);
    push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  }
  // The cross-reference stream (unfiltered): type 1 for the streams, type 2 (object i in stream i).
  const xrefNumber = 2 * streams + 1;
  const rows: Buffer[] = [Buffer.from([0, 0, 0, 0, 0xff, 0xff])];
  for (let i = 0; i < streams; i += 1)
    rows.push(Buffer.from([2, 0, 0, (streams + 1 + i) >> 8, (streams + 1 + i) & 0xff, i]));
  for (const offset of streamOffsets) {
    const row = Buffer.alloc(6);
    row[0] = 1;
    row.writeUIntBE(offset, 1, 4);
    rows.push(row);
  }
  const xrefOffset = size;
  rows.push(Buffer.from([1, ...toBytes(xrefOffset, 4), 0]));
  const table = Buffer.concat(rows);
  push(
    Buffer.from(
      `${xrefNumber} 0 obj\n<< /Type /XRef /Size ${xrefNumber + 1} /W [1 4 1] /Root 1 0 R /Length ${table.length} >>\nstream\n`,
      'latin1',
    ),
  );
  push(table);
  push(Buffer.from(`\nendstream\nendobj\nstartxref\n${xrefOffset}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

function toBytes(value: number, width: number): number[] {
  const out = Buffer.alloc(width);
  out.writeUIntBE(value, 0, width);
  return [...out];
}
