/**
 * Prepare + digest of a signature revision on a 1-page, a 100-page and a ~100 MB PDF, next to a plain
 * SHA-256 of the same file measured in the same run. Each measurement runs in its own process so
 * peak RSS belongs to that operation alone. Run: npx tsx bench/pdf.ts
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prepareSignatureRevision } from '../src/pdf/index.ts';

/** Writes a PDF of `pages` text pages plus one opaque stream of `padBytes`, in chunks. */
function writeBenchPdf(file: string, pages: number, padBytes: number): void {
  const fd = openSync(file, 'w');
  let position = 0;
  const offsets: number[] = [];
  const write = (chunk: string | Buffer): void => {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    writeSync(fd, buffer);
    position += buffer.length;
  };
  const object = (body: () => void): void => {
    offsets.push(position);
    write(`${offsets.length} 0 obj\n`);
    body();
    write('\nendobj\n');
  };
  write('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  const firstPage = 4;
  const kids = Array.from({ length: pages }, (_, i) => `${firstPage + i * 2} 0 R`).join(' ');
  object(() => write('<< /Type /Catalog /Pages 2 0 R >>'));
  object(() => write(`<< /Type /Pages /Kids [${kids}] /Count ${pages} /MediaBox [0 0 595 842] >>`));
  object(() => write('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'));
  const padRef = firstPage + pages * 2;
  for (let i = 0; i < pages; i++) {
    const xobject = i === 0 && padBytes > 0 ? ` /XObject << /Pad ${padRef} 0 R >>` : '';
    object(() =>
      write(
        `<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >>${xobject} >> /Contents ${firstPage + i * 2 + 1} 0 R >>`,
      ),
    );
    const text = `BT /F1 24 Tf 72 700 Td (Page ${i + 1}) Tj ET`;
    object(() => write(`<< /Length ${text.length} >>\nstream\n${text}\nendstream`));
  }
  if (padBytes > 0) {
    object(() => {
      write(`<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Length ${padBytes} >>\nstream\n`);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      for (let left = padBytes; left > 0; left -= chunk.length)
        write(left >= chunk.length ? chunk : chunk.subarray(0, left));
      write('\nendstream');
    });
  }
  const xref = position;
  write(`xref\n0 ${offsets.length + 1}\n0000000000 65535 f\r\n`);
  for (const offset of offsets) write(`${String(offset).padStart(10, '0')} 00000 n\r\n`);
  write(`trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  closeSync(fd);
}

async function measure(kind: string, file: string, output: string): Promise<void> {
  const started = process.hrtime.bigint();
  if (kind === 'sha256') {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }))
      hash.update(chunk as Buffer);
    hash.digest();
  } else {
    const prepared = await prepareSignatureRevision(file, {
      fieldName: 'Bench',
      contentsSize: 16384,
      output,
    });
    await prepared.digestByteRange('sha256');
  }
  const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ milliseconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
}

function child(kind: string, file: string, output: string): { milliseconds: number; peakRssMiB: number } {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--measure', kind, file, output],
    {
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as { milliseconds: number; peakRssMiB: number };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-bench-pdf-'));
  try {
    const cases = [
      { name: '1 page', pages: 1, pad: 0 },
      { name: '100 pages', pages: 100, pad: 0 },
      { name: '~100 MB', pages: 10, pad: 100 * 1024 * 1024 },
    ];
    console.log(
      'case        size MiB  sha256 ms  prepare+digest ms  ratio   sha256 RSS MiB  prepare RSS MiB',
    );
    for (const c of cases) {
      const file = path.join(dir, `${c.pages}-${c.pad}.pdf`);
      writeBenchPdf(file, c.pages, c.pad);
      const size = statSync(file).size / 1024 / 1024;
      // Warm the page cache so both measurements read from memory alike.
      child('sha256', file, '');
      const hash = child('sha256', file, '');
      const prepare = child('prepare', file, path.join(dir, 'out.pdf'));
      console.log(
        `${c.name.padEnd(11)} ${size.toFixed(1).padStart(8)} ${hash.milliseconds.toFixed(1).padStart(10)} ${prepare.milliseconds
          .toFixed(1)
          .padStart(
            18,
          )} ${(prepare.milliseconds / hash.milliseconds).toFixed(2).padStart(6)}x ${hash.peakRssMiB
          .toFixed(0)
          .padStart(15)} ${prepare.peakRssMiB.toFixed(0).padStart(16)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--measure') await measure(process.argv[3]!, process.argv[4]!, process.argv[5]!);
else await main();
