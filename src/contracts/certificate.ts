/**
 * The certificate of completion (合意締結証明書): who took part, how each was authenticated, when,
 * from where, the documents' hashes and the audit records of the envelope, in Japanese and English.
 * It travels inside the final PDF as embedded files (text for people, JSON for machines), added
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
} from '../pdf/index.ts';
import type { EnvelopeTable, PartyTable } from './tables.ts';

export const CERTIFICATE_TEXT_NAME = 'certificate-of-completion.txt';
export const CERTIFICATE_JSON_NAME = 'certificate-of-completion.json';

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
          sourceIp: typeof evidence.sourceIp === 'string' ? evidence.sourceIp : null,
          confirmation: evidence.confirmation ?? null,
        };
      }),
    documents,
    audit,
  };
}

const ROLE_JA: Record<string, string> = { signer: '署名者', approver: '承認者', viewer: '閲覧者' };
const MODE_JA: Record<string, string> = { 'signer-type': '当事者型', 'witness-type': '立会人型' };

export function certificateText(c: CertificateOfCompletion): string {
  const lines = [
    '合意締結証明書 / Certificate of Completion',
    '==========================================',
    `件名 / Title: ${c.envelope.title}`,
    `契約 ID / Envelope ID: ${c.envelope.id}`,
    `取引先 / Counterparty: ${c.envelope.counterparty}`,
    `取引年月日 / Transaction date: ${c.envelope.transactionDate ?? '-'}`,
    `金額 / Amount: ${c.envelope.amount === null ? '-' : `${c.envelope.amount} ${c.envelope.currency}`}`,
    `送信日時 / Sent (UTC): ${c.envelope.sentAt ?? '-'}`,
    `締結日時 / Completed (UTC): ${c.envelope.completedAt}`,
    '',
    '当事者 / Parties',
  ];
  for (const [i, p] of c.parties.entries()) {
    lines.push(
      `${i + 1}. ${p.label == null ? '' : `[${p.label}]`} ${p.company ?? ''} ${p.title ?? ''} ${p.name} <${p.email}>`.replace(
        /\s+/g,
        ' ',
      ),
      `   役割 / Role: ${ROLE_JA[p.role] ?? p.role} / ${p.role}${p.signingMode === null ? '' : ` (${MODE_JA[p.signingMode] ?? ''} / ${p.signingMode})`}`,
      `   状態 / Status: ${p.status}   日時 / Time (UTC): ${p.actedAt ?? '-'}`,
      `   認証方法 / Authentication: ${p.authentication ?? '-'}   IP アドレス / IP address: ${p.sourceIp ?? '-'}`,
    );
    if (p.confirmation !== null && typeof p.confirmation === 'object') {
      const conf = p.confirmation as { text?: string; confirmedAt?: string };
      lines.push(`   確認 / Confirmation (${conf.confirmedAt ?? ''}): ${conf.text ?? ''}`);
    }
  }
  lines.push('', '文書 / Documents');
  for (const d of c.documents) {
    lines.push(
      `- ${d.name}`,
      `  原本 SHA-256 / Original: ${d.originalSha256}`,
      `  署名済 SHA-256 / Signed: ${d.signedSha256}`,
    );
  }
  lines.push('', '監査ログ参照 / Audit trail references (seq, time, type, record hash)');
  for (const a of c.audit) lines.push(`- #${a.seq} ${a.time} ${a.type} ${a.hash}`);
  lines.push(
    '',
    'この証明書は署名済み PDF に添付され、その後のアーカイブタイムスタンプで保護されています。',
    'This certificate is attached to the signed PDF and protected by the archive timestamp added after it.',
  );
  return `${lines.join('\n')}\n`;
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
  await appendRevision(
    input,
    (reader, update) => {
      const specs: [string, PdfObject][] = [];
      for (const [name, data, subtype, description] of [
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
  const { openPdf, PdfStream } = await import('../pdf/index.ts');
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
