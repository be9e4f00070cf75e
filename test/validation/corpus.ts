/**
 * The validation test corpus, made in the tests: PDFs signed at each level with HSM keys by our
 * signer (src/ades with the embedded CA and TSA), extra signer certificates from the embedded CA
 * (to revoke), and independent signers (pdfsig -add-signature with an NSS key, openssl cms).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type SignatureLevel, signPdf, type TimestampAuthority } from '../../src/ades/index.ts';
import { type DigestSigner, digestSignerFor } from '../../src/crypto/index.ts';
import { listSignatures, PdfString, serializePdf } from '../../src/pdf/index.ts';
import { buildCsr, certificateFacts, parseCertificate } from '../../src/pki/index.ts';
import type { SignatureValidationResult, ValidationReport } from '../../src/validation/index.ts';
import { type EmbeddedFixture, embeddedFixture } from '../ades/embedded.ts';
import { writeSamplePdf } from '../ades/sample-pdf.ts';
import { run } from '../helpers/run.ts';

export interface Corpus {
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
