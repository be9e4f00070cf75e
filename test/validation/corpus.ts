/**
 * The validation test corpus, made in the tests: PDFs signed at each level with HSM keys by our
 * signer (src/ades with the embedded CA and TSA), extra signer certificates from the embedded CA
 * (to revoke), and independent signers (pdfsig -add-signature with an NSS key, openssl cms).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  type EmbeddedSigning,
  openEmbeddedSigning,
  type SignatureLevel,
  signPdf,
  type TimestampAuthority,
} from '../../src/ades/index.ts';
import { allMigrations } from '../../src/app/index.ts';
import { type DigestSigner, digestSignerFor } from '../../src/crypto/index.ts';
import { listSignatures, PdfString, serializePdf } from '../../src/pdf/index.ts';
import { buildCsr, certificateFacts, parseCertificate } from '../../src/pki/index.ts';
import { applyMigrations } from '../../src/store/index.ts';
import { tsaMigrations } from '../../src/tsa/index.ts';
import {
  httpRevocationFetcher,
  type RevocationFetcher,
  type SignatureValidationResult,
  type ValidationReport,
} from '../../src/validation/index.ts';
import { writeSamplePdf } from '../ades/sample-pdf.ts';
import { openTestShomei } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';

export interface Corpus {
  /** Real HTTP to the fixture's CA server, whatever host the certificate URLs name. */
  readonly fetcher: RevocationFetcher;
  readonly embedded: EmbeddedFixture;
  readonly dir: string;
  readonly input: string;
  readonly root: Buffer;
  file(name: string): string;
  sign(level: SignatureLevel, options?: SignOptions): Promise<string>;
  /** A new HSM key with its own e-seal certificate from the embedded CA. */
  newSigner(label: string): Promise<{ signer: DigestSigner; chain: Buffer[]; serial: string }>;
  close(): Promise<void>;
}

export interface SignOptions {
  readonly source?: string;
  readonly output?: string;
  readonly signer?: { signer: DigestSigner; chain: readonly Buffer[] };
  readonly tsa?: TimestampAuthority;
  readonly docMdp?: 1 | 2 | 3;
}

let counter = 0;

export interface EmbeddedFixture extends EmbeddedSigning {
  readonly shomei: Awaited<ReturnType<typeof openTestShomei>>;
  /** Origin of the HTTP server that publishes the CA's OCSP responder, CRLs and certificates. */
  readonly origin: string;
  close(): Promise<void>;
}

/** The embedded CA's publication endpoints over HTTP, as a relying party reaches them. */
function serveCa(server: Server, signing: () => EmbeddedSigning | undefined): void {
  server.on('request', (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', async () => {
      const ca = signing()?.ca;
      try {
        if (ca === undefined) throw new Error('not ready');
        let body: Buffer;
        if (request.method === 'POST' && request.url === '/pki/ocsp')
          body = await ca.respondOcsp(Buffer.concat(chunks));
        else if (request.url === '/pki/crl/issuing.crl') body = await ca.crl('issuing');
        else if (request.url === '/pki/crl/root.crl') body = await ca.crl('root');
        else {
          response.writeHead(404).end();
          return;
        }
        response.writeHead(200, { 'content-length': body.length }).end(body);
      } catch {
        response.writeHead(500).end();
      }
    });
  });
}

export async function embeddedFixture(): Promise<EmbeddedFixture> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let signing: EmbeddedSigning | undefined;
  serveCa(server, () => signing);
  const shomei = await openTestShomei({ SHOMEI_PUBLIC_URL: origin });
  const sets = allMigrations(shomei.database.dialect);
  const names = new Set(sets.flatMap((set) => Object.keys(set)));
  const tsa = tsaMigrations(shomei.database.dialect);
  if (!Object.keys(tsa).every((n) => names.has(n))) sets.push(tsa);
  await applyMigrations(shomei.database.db, sets);
  signing = await openEmbeddedSigning(shomei);
  return {
    ...signing,
    shomei,
    origin,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await shomei.close();
    },
  };
}

/**
 * The certificates name the installation's public URL; in the test the CA answers on an ephemeral
 * port, so the origin is replaced and the request goes over real HTTP with the production fetcher.
 */
function localFetcher(origin: string): RevocationFetcher {
  const local = (url: string) => {
    const parsed = new URL(url);
    return `${origin}${parsed.pathname}`;
  };
  return {
    ocsp: (url, request) => httpRevocationFetcher.ocsp(local(url), request),
    crl: (url) => httpRevocationFetcher.crl(local(url)),
  };
}

export async function openCorpus(): Promise<Corpus> {
  const embedded = await embeddedFixture();
  const dir = embedded.shomei.home;
  const input = path.join(dir, 'contract.pdf');
  writeSamplePdf(input, { pages: 2 });
  const file = (name: string) => path.join(dir, name);
  return {
    embedded,
    dir,
    input,
    root: embedded.root,
    fetcher: localFetcher(embedded.origin),
    file,
    async sign(level, options = {}) {
      counter += 1;
      const output = options.output ?? file(`signed-${level}-${counter}.pdf`);
      await signPdf({
        input: options.source ?? input,
        output,
        signer: options.signer?.signer ?? embedded.signer,
        certificateChain: options.signer?.chain ?? embedded.certificateChain,
        level,
        tsa: options.tsa ?? embedded.tsa,
        revocationSource: embedded.revocationSource,
        reason: '契約締結',
        ...(options.docMdp ? { docMdp: options.docMdp } : {}),
      });
      return output;
    },
    async newSigner(label) {
      const shomei = embedded.shomei;
      const key = await shomei.crypto.generateSigningKey('EC-P256', label);
      await shomei.keys.record({
        keyId: key.id,
        label: key.label,
        kind: key.kind,
        algorithm: key.algorithm,
        purpose: 'validation-test',
        ...(key.publicKey === undefined ? {} : { publicKey: key.publicKey }),
      });
      const signer = await digestSignerFor(shomei.crypto, key.id);
      const issued = await embedded.ca.issue({
        csr: await buildCsr(signer, [
          { type: 'C', value: 'JP' },
          { type: 'CN', value: `検証テスト ${label}` },
        ]),
        profile: 'e-seal',
      });
      return {
        signer,
        chain: [issued.der, ...(await embedded.ca.chain())],
        serial: certificateFacts(parseCertificate(issued.der)).serialNumber,
      };
    },
    close: () => embedded.close(),
  };
}

/** Appends an incremental update that replaces page 1's content stream (object 6 of the sample PDF). */
export function appendContentChange(source: string, output: string): void {
  const bytes = readFileSync(source);
  const text = 'BT /F1 24 Tf 72 720 Td (PAY 1,000,000 YEN) Tj ET';
  const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(bytes.toString('latin1'))![1]);
  const size = Number(/\/Size (\d+)/g.exec(bytes.subarray(startxref).toString('latin1'))?.[1] ?? 0) || 200;
  const body = `6 0 obj\n<< /Length ${text.length} >>\nstream\n${text}\nendstream\nendobj\n`;
  const at = bytes.length;
  const xref = at + body.length;
  const root = /\/Root (\d+ \d+ R)/.exec(bytes.toString('latin1'))![1];
  const update = `${body}xref\n0 1\n0000000000 65535 f \n6 1\n${String(at).padStart(10, '0')} 00000 n \ntrailer\n<< /Size ${size} /Root ${root} /Prev ${startxref} >>\nstartxref\n${xref}\n%%EOF\n`;
  writeFileSync(output, Buffer.concat([bytes, Buffer.from(update, 'latin1')]));
}

export function only(
  report: ValidationReport,
  kind: 'signature' | 'document-timestamp' = 'signature',
): SignatureValidationResult {
  const found = report.signatures.filter((s) => s.kind === kind);
  if (found.length === 0) throw new Error(`no ${kind} in the report`);
  return found[0]!;
}

/** All reason texts of a result, for "names the cause" assertions. */
export function reasonText(result: SignatureValidationResult): { ja: string; en: string } {
  return {
    ja: result.reasons.map((r) => r.ja).join('\n'),
    en: result.reasons.map((r) => r.en).join('\n'),
  };
}

export { listSignatures, PdfString, run, serializePdf };

/** Writes `der` into the /Contents hole of signature `index` (padded with zeros), leaving every signed byte as it is. */
export async function replaceContents(file: string, index: number, der: Uint8Array): Promise<void> {
  const signatures = await listSignatures(file);
  const [, b, c] = signatures[index]!.byteRange as [number, number, number, number];
  const bytes = readFileSync(file);
  const hex = Buffer.from(der).toString('hex').toUpperCase();
  if (hex.length > c - b - 2) throw new Error('does not fit the hole');
  bytes.write(`<${hex.padEnd(c - b - 2, '0')}>`, b, 'latin1');
  writeFileSync(file, bytes);
}
