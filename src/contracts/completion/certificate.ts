/**
 * The certificate of completion (合意締結証明書): who took part, how each was authenticated, when,
 * from where, the documents' hashes and the audit records of the envelope, in Japanese and English.
 * It travels inside the final PDF as embedded files (an A4 PDF and text for people, JSON for machines), added
 * before the archive timestamp so that the timestamp covers it.
 */
import { createHash } from 'node:crypto';
import {
  appendRevision,
  flateStream,
  PdfArray,
  PdfDict,
  type PdfObject,
  PdfString,
  pdfArray,
  pdfDict,
  pdfName,
  pdfNumber,
  pdfText,
} from '../../pdf/index.ts';
import type { EnvelopeTable, PartyTable } from '../store/tables.ts';
import { CERTIFICATE_TITLE, certificateLines, certificatePdf } from './certificate-layout.ts';

export const CERTIFICATE_TEXT_NAME = 'certificate-of-completion.txt';
export const CERTIFICATE_JSON_NAME = 'certificate-of-completion.json';
export const CERTIFICATE_PDF_NAME = 'certificate-of-completion.pdf';

export interface AuditReference {
  readonly seq: number;
  readonly time: string;
  readonly type: string;
  readonly hash: string;
}

export interface CertificateOfCompletion {
  readonly format: 'shomei/certificate-of-completion';
  readonly version: 1;
  readonly envelope: {
    readonly id: string;
    readonly title: string;
    readonly counterparty: string;
    readonly transactionDate: string | null;
    readonly amount: number | null;
    readonly currency: string;
    readonly sentAt: string | null;
    readonly completedAt: string;
  };
  readonly parties: readonly {
    /** 甲/乙/丙 … (absent in certificates made before labels existed). */
    readonly label?: string | null;
    readonly name: string;
    readonly company: string | null;
    readonly title: string | null;
    readonly email: string;
    readonly role: string;
    readonly signingMode: string | null;
    readonly status: string;
    readonly actedAt: string | null;
    readonly authentication: string | null;
    /** A signer-type party's signature activation factors ('pin+totp', 'pin+login-totp', …). */
    readonly signatureActivation?: string | null;
    readonly sourceIp: string | null;
    readonly confirmation: unknown;
  }[];
  readonly documents: readonly {
    readonly name: string;
    readonly originalSha256: string;
    readonly signedSha256: string;
  }[];
  readonly audit: readonly AuditReference[];
}

export function buildCertificate(
  envelope: EnvelopeTable,
  parties: readonly PartyTable[],
  documents: readonly { name: string; originalSha256: string; signedSha256: string }[],
  audit: readonly AuditReference[],
  completedAt: Date,
): CertificateOfCompletion {
  return {
    format: 'shomei/certificate-of-completion',
    version: 1,
    envelope: {
      id: envelope.id,
      title: envelope.title,
      counterparty: envelope.counterparty,
      transactionDate: envelope.transaction_date,
      amount: envelope.amount === null ? null : Number(envelope.amount),
      currency: envelope.currency,
      sentAt: envelope.sent_at,
      completedAt: completedAt.toISOString(),
    },
    parties: parties
      .filter((p) => p.status !== 'removed')
      .map((p) => {
        const evidence = p.evidence === null ? {} : (JSON.parse(p.evidence) as Record<string, unknown>);
        return {
          label: p.label ?? null,
          name: p.name,
          company: p.company,
          title: p.title,
          email: p.email,
          role: p.role,
          signingMode: p.signing_mode,
          status: p.status,
          actedAt: p.acted_at,
          authentication: typeof evidence.authentication === 'string' ? evidence.authentication : null,
          signatureActivation:
            typeof evidence.signatureActivation === 'string' ? evidence.signatureActivation : null,
          sourceIp: typeof evidence.sourceIp === 'string' ? evidence.sourceIp : null,
          confirmation: evidence.confirmation ?? null,
        };
      }),
    documents,
    audit,
  };
}

/** The text attachment: the same words as the PDF (certificate-layout.ts), for any text viewer. */
export function certificateText(c: CertificateOfCompletion): string {
  return `${[CERTIFICATE_TITLE, '='.repeat(42), ...certificateLines(c)].join('\n')}\n`;
}

function embeddedFile(data: Buffer, subtype: string): ReturnType<typeof flateStream> {
  return flateStream(
    pdfDict({
      Type: pdfName('EmbeddedFile'),
      Subtype: pdfName(subtype),
      Params: pdfDict({
        Size: pdfNumber(data.length),
        CheckSum: PdfString.hex(new Uint8Array(createHash('md5').update(data).digest())),
      }),
    }),
    data,
  );
}

/** Appends a revision that attaches the certificate (text + JSON) through /Names /EmbeddedFiles and /AF. */
export async function attachCertificate(
  input: Uint8Array,
  output: string,
  certificate: CertificateOfCompletion,
): Promise<void> {
  const text = Buffer.from(certificateText(certificate), 'utf8');
  const json = Buffer.from(JSON.stringify(certificate, null, 2), 'utf8');
  const pdf = certificatePdf(certificate);
  await appendRevision(
    input,
    (reader, update) => {
      const specs: [string, PdfObject][] = [];
      for (const [name, data, subtype, description] of [
        [
          CERTIFICATE_PDF_NAME,
          pdf,
          'application/pdf',
          '合意締結証明書 (PDF) / Certificate of completion (PDF)',
        ],
        [CERTIFICATE_TEXT_NAME, text, 'text/plain', '合意締結証明書 / Certificate of completion'],
        [
          CERTIFICATE_JSON_NAME,
          json,
          'application/json',
          '合意締結証明書 (JSON) / Certificate of completion (JSON)',
        ],
      ] as const) {
        const stream = update.add(embeddedFile(data, subtype));
        const spec = update.add(
          pdfDict({
            Type: pdfName('Filespec'),
            F: pdfText(name),
            UF: pdfText(name),
            Desc: pdfText(description),
            AFRelationship: pdfName('Supplement'),
            EF: pdfDict({ F: stream, UF: stream }),
          }),
        );
        specs.push([name, spec]);
      }
      const catalog = reader.catalog.clone();
      const names = reader.dict(catalog.get('Names'))?.clone() ?? new PdfDict();
      const existing = reader.dict(names.get('EmbeddedFiles'));
      const pairs: [string, PdfObject][] = [];
      const existingNames = existing === undefined ? undefined : reader.resolve(existing.get('Names'));
      if (existingNames instanceof PdfArray) {
        for (let i = 0; i + 1 < existingNames.items.length; i += 2) {
          const key = existingNames.items[i];
          if (key instanceof PdfString) pairs.push([key.text(), existingNames.items[i + 1]!]);
        }
      }
      pairs.push(...specs);
      pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      names.set('EmbeddedFiles', pdfDict({ Names: pdfArray(...pairs.flatMap(([k, v]) => [pdfText(k), v])) }));
      catalog.set('Names', names);
      const af = reader.resolve(catalog.get('AF'));
      catalog.set('AF', pdfArray(...(af instanceof PdfArray ? af.items : []), ...specs.map(([, v]) => v)));
      update.set(reader.catalogRef, catalog);
    },
    { output },
  );
}

/** Reads the attached certificate (JSON) back out of a PDF; undefined when there is none. */
export async function extractCertificate(pdf: Uint8Array): Promise<CertificateOfCompletion | undefined> {
  const { openPdf, PdfStream } = await import('../../pdf/index.ts');
  const reader = await openPdf(pdf);
  try {
    const names = reader.dict(reader.catalog.get('Names'));
    const files = reader.dict(names?.get('EmbeddedFiles'));
    const list = reader.resolve(files?.get('Names'));
    if (!(list instanceof PdfArray)) return undefined;
    for (let i = 0; i + 1 < list.items.length; i += 2) {
      const key = list.items[i];
      if (!(key instanceof PdfString) || key.text() !== CERTIFICATE_JSON_NAME) continue;
      const spec = reader.dict(list.items[i + 1]);
      const stream = reader.resolve(reader.dict(spec?.get('EF'))?.get('F'));
      if (!(stream instanceof PdfStream)) return undefined;
      return JSON.parse(Buffer.from(reader.streamData(stream)).toString('utf8')) as CertificateOfCompletion;
    }
    return undefined;
  } finally {
    reader.close();
  }
}
