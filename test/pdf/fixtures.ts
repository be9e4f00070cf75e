/**
 * Test PDFs built from scratch (so every byte is known) and transformed by outside tools (qpdf,
 * ghostscript) into the other cross-reference forms.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { run } from '../helpers/run.ts';

export interface WorkDir {
  readonly dir: string;
  file(name: string): string;
  remove(): void;
}

export function makeWorkDir(): WorkDir {
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-pdf-'));
  return {
    dir,
    file: (name) => path.join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Assembles numbered object bodies into a PDF with a classic cross-reference table. */
export function assembleClassicPdf(bodies: readonly string[], trailerExtra = ''): Buffer {
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${bodies.length + 1}\n0000000000 65535 f\r\n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n\r\n`;
  out += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A text page content stream: "Page N". */
function pageContent(n: number): string {
  const text = `BT /F1 24 Tf 72 700 Td (Page ${n}) Tj ET`;
  return `<< /Length ${text.length} >>\nstream\n${text}\nendstream`;
}

/** An N-page document: 1 catalog, 2 pages, 3 font, then page/content pairs. */
export function classicPdf(pageCount: number, options: { withForm?: boolean } = {}): Buffer {
  const bodies: string[] = [];
  const kids = Array.from({ length: pageCount }, (_, i) => `${4 + i * 2} 0 R`).join(' ');
  const formObject = 4 + pageCount * 2;
  bodies.push(
    options.withForm
      ? `<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [${formObject} 0 R ${formObject + 1} 0 R] /DA (/Helv 0 Tf 0 g) >> >>`
      : '<< /Type /Catalog /Pages 2 0 R >>',
  );
  bodies.push(`<< /Type /Pages /Kids [${kids}] /Count ${pageCount} /MediaBox [0 0 595 842] >>`);
  bodies.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  for (let i = 0; i < pageCount; i++) {
    const annots = options.withForm && i === 0 ? ` /Annots [${formObject} 0 R ${formObject + 1} 0 R]` : '';
    bodies.push(
      `<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + i * 2} 0 R${annots} >>`,
    );
    bodies.push(pageContent(i + 1));
  }
  if (options.withForm) {
    bodies.push(
      '<< /FT /Tx /T (name) /V (Taro Yamada) /Type /Annot /Subtype /Widget /Rect [72 600 300 620] /P 4 0 R /F 4 >>',
    );
    bodies.push(
      '<< /FT /Sig /T (signature1) /Type /Annot /Subtype /Widget /Rect [72 500 300 560] /P 4 0 R /F 132 >>',
    );
  }
  return assembleClassicPdf(
    bodies,
    '/ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] ',
  );
}

/**
 * A hybrid-reference file (§7.5.8.4): a classic table for readers of PDF 1.4, plus /XRefStm
 * pointing at a cross-reference stream that locates the objects kept in an object stream.
 */
export function hybridPdf(): Buffer {
  const header = '%PDF-1.5\n%\xe2\xe3\xcf\xd3\n';
  const content = 'BT /F1 24 Tf 72 700 Td (Hybrid) Tj ET';
  // Objects 3 (font) and 6 (info) live only in the object stream 7.
  const objstmObjects = [
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    '<< /Producer (shomei test) >>',
  ];
  let objstmHeader = '';
  let objstmBody = '';
  const numbers = [3, 6];
  objstmObjects.forEach((o, i) => {
    objstmHeader += `${numbers[i]} ${objstmBody.length} `;
    objstmBody += `${o}\n`;
  });
  const objstmData = objstmHeader + objstmBody;
  const plain: [number, string][] = [
    [1, '<< /Type /Catalog /Pages 2 0 R >>'],
    [2, '<< /Type /Pages /Kids [4 0 R] /Count 1 /MediaBox [0 0 595 842] >>'],
    [4, '<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R /Rotate 90 >>'],
    [5, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`],
    [
      7,
      `<< /Type /ObjStm /N 2 /First ${objstmHeader.length} /Length ${objstmData.length} >>\nstream\n${objstmData}\nendstream`,
    ],
  ];
  let out = header;
  const offsets = new Map<number, number>();
  for (const [n, body] of plain) {
    offsets.set(n, Buffer.byteLength(out, 'latin1'));
    out += `${n} 0 obj\n${body}\nendobj\n`;
  }
  // The xref stream (object 8) gives types 2 for objects 3 and 6.
  const rows = Buffer.from([2, 0, 7, 0, 2, 0, 7, 1]);
  const streamData = deflateSync(rows);
  const xrefStmOffset = Buffer.byteLength(out, 'latin1');
  const xrefStm = Buffer.concat([
    Buffer.from(
      `8 0 obj\n<< /Type /XRef /Size 9 /W [1 2 1] /Index [3 1 6 1] /Filter /FlateDecode /Length ${streamData.length} >>\nstream\n`,
      'latin1',
    ),
    streamData,
    Buffer.from('\nendstream\nendobj\n', 'latin1'),
  ]);
  const before = Buffer.from(out, 'latin1');
  const tableOffset = before.length + xrefStm.length;
  let table = 'xref\n0 9\n0000000000 65535 f\r\n';
  for (let n = 1; n <= 8; n++) {
    const offset = n === 8 ? xrefStmOffset : offsets.get(n);
    table +=
      offset === undefined ? '0000000000 00000 f\r\n' : `${String(offset).padStart(10, '0')} 00000 n\r\n`;
  }
  table += `trailer\n<< /Size 9 /Root 1 0 R /Info 6 0 R /XRefStm ${xrefStmOffset} >>\nstartxref\n${tableOffset}\n%%EOF\n`;
  return Buffer.concat([before, xrefStm, Buffer.from(table, 'latin1')]);
}

/** qpdf's rewrite of `input` with xref streams and object streams. */
export function objectStreamPdf(input: string, output: string): Buffer {
  const result = run('qpdf', ['--object-streams=generate', '--compress-streams=y', input, output]);
  if (result.status !== 0) throw new Error(`qpdf failed: ${result.stderr}`);
  return readFileSync(output);
}

/** A PDF produced by ghostscript's pdfwrite from PostScript. */
export function ghostscriptPdf(work: WorkDir, pages: number): string {
  const ps = work.file('gs-input.ps');
  let program = '%!PS\n/Helvetica findfont 24 scalefont setfont\n';
  for (let i = 1; i <= pages; i++) program += `72 700 moveto (Ghostscript page ${i}) show showpage\n`;
  writeFileSync(ps, program);
  const output = work.file('gs-output.pdf');
  const result = run('gs', [
    '-q',
    '-dNOPAUSE',
    '-dBATCH',
    '-dSAFER',
    '-sDEVICE=pdfwrite',
    `-sOutputFile=${output}`,
    ps,
  ]);
  if (result.status !== 0) throw new Error(`gs failed: ${result.stderr}`);
  return output;
}

export function qpdfCheck(file: string): { ok: boolean; output: string } {
  const result = run('qpdf', ['--check', file]);
  return { ok: result.status === 0, output: result.stdout + result.stderr };
}

/** A self-signed software key playing an outside signer (the HSM signer is another module's job). */
export function makeSoftwareSigner(work: WorkDir): { key: string; certificate: string } {
  const key = work.file('signer-key.pem');
  const certificate = work.file('signer-cert.pem');
  const result = run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=Shomei PDF Test Signer',
    '-keyout',
    key,
    '-out',
    certificate,
    '-days',
    '2',
  ]);
  if (result.status !== 0) throw new Error(`openssl req failed: ${result.stderr}`);
  return { key, certificate };
}

/** `openssl cms -sign` over the bytes covered by a ByteRange: a detached CMS without signed attributes. */
export function opensslCmsSign(
  work: WorkDir,
  signer: { key: string; certificate: string },
  file: string,
  byteRange: readonly number[],
): Buffer {
  const bytes = readFileSync(file);
  const [a, b, c, d] = byteRange as [number, number, number, number];
  const data = work.file('covered.bin');
  writeFileSync(data, Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]));
  const der = work.file('signature.der');
  const result = run('openssl', [
    'cms',
    '-sign',
    '-binary',
    '-outform',
    'DER',
    '-noattr',
    '-md',
    'sha256',
    '-in',
    data,
    '-signer',
    signer.certificate,
    '-inkey',
    signer.key,
    '-out',
    der,
  ]);
  if (result.status !== 0) throw new Error(`openssl cms failed: ${result.stderr}`);
  return readFileSync(der);
}

/** The `pdfsig` report for a file (without network revocation checks). */
export function pdfsig(file: string): string {
  const result = run('pdfsig', ['-nocert', file]);
  return result.stdout + result.stderr;
}

/**
 * The same ContentInfo re-encoded as BER with indefinite lengths on its two outer levels, as some
 * signing tools write it (openssl's own -stream would also attach the content, which a PDF
 * signature must not).
 */
export function toIndefiniteLength(der: Buffer): Buffer {
  const header = (at: number): number => {
    const first = der[at + 1]!;
    return first & 0x80 ? 2 + (first & 0x7f) : 2;
  };
  const outer = header(0);
  const oidEnd = outer + 2 + der[outer + 1]!;
  const signedData = oidEnd + header(oidEnd);
  return Buffer.concat([
    Buffer.from([0x30, 0x80]),
    der.subarray(outer, oidEnd),
    Buffer.from([0xa0, 0x80]),
    der.subarray(signedData),
    Buffer.alloc(4),
  ]);
}
