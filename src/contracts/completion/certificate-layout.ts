/**
 * The certificate of completion as a company would hand it to its counterparty: Japanese first,
 * times in Japan time, amounts in 円, statuses and authentication methods in words, one block per
 * party, and the hashes and audit references in an appendix. The English follows each label so the
 * counterparty abroad reads the same document. Set on A4 by buildTextPdf (src/seal).
 */
import { buildTextPdf } from '../../seal/index.ts';
import { methodWords } from '../model/method-words.ts';
import type { CertificateOfCompletion } from './certificate.ts';

export const CERTIFICATE_TITLE = '合意締結証明書 / Certificate of Completion';

const JST_MS = 9 * 3600_000;

/** 2026年12月6日 17:05 (日本時間) — or 「—」 when unknown. */
export function jstDateTime(iso: string | null): string {
  if (iso === null) return '—';
  const t = new Date(Date.parse(iso) + JST_MS);
  if (Number.isNaN(t.getTime())) return '—';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}年${t.getUTCMonth() + 1}月${t.getUTCDate()}日 ${two(t.getUTCHours())}:${two(t.getUTCMinutes())} (日本時間)`;
}

function jstDate(date: string | null): string {
  const m = date === null ? null : /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  return m === null || m === undefined ? '—' : `${m[1]}年${Number(m[2])}月${Number(m[3])}日`;
}

/** 1,650,000円; other currencies keep their code. */
export function amountText(amount: number | null, currency: string): string {
  if (amount === null) return '—';
  const grouped = amount.toLocaleString('ja-JP');
  return currency === 'JPY' ? `${grouped}円` : `${grouped} ${currency}`;
}

const STATUS: Record<string, string> = {
  signed: '署名済み / Signed',
  approved: '承認済み / Approved',
  waiting: '未対応 / Not yet acted',
  declined: '却下 / Declined',
  viewed: '閲覧済み / Viewed',
};
const ROLE: Record<string, string> = {
  signer: '署名者 / Signer',
  approver: '承認者 / Approver',
  viewer: '閲覧者 / Viewer',
};
const MODE: Record<string, string> = {
  'witness-type': '立会人型 (事業者の電子署名) / Witness-type',
  'signer-type': '当事者型 (本人の電子証明書) / Signer-type',
};

const words = (table: Record<string, string>, value: string | null): string =>
  value === null ? '—' : (table[value] ?? value);

const method = (value: string | null): string => (value === null ? '—' : (methodWords(value) ?? value));

function partyLines(c: CertificateOfCompletion): string[] {
  const lines = ['当事者 / Parties'];
  for (const [i, p] of c.parties.entries()) {
    const who = [p.label == null ? null : `${p.label}`, p.company, p.title, `${p.name} 様`]
      .filter((x) => x !== null && x !== '')
      .join(' ');
    lines.push(
      '',
      `${i + 1}. ${who}`,
      `   メールアドレス / E-mail: ${p.email}`,
      `   役割 / Role: ${words(ROLE, p.role)}${p.signingMode === null ? '' : `、${words(MODE, p.signingMode)}`}`,
      `   状態 / Status: ${words(STATUS, p.status)}`,
      `   日時 / Time: ${jstDateTime(p.actedAt)}`,
      `   本人確認の方法 / Authentication: ${method(p.authentication)}`,
      ...(p.signatureActivation == null
        ? []
        : [`   署名時の本人確認 / Signature activation: ${method(p.signatureActivation)}`]),
      `   接続元 IP アドレス / IP address: ${p.sourceIp ?? '—'}`,
    );
    const conf = p.confirmation as { text?: string; confirmedAt?: string } | null;
    if (conf !== null && typeof conf === 'object' && typeof conf.text === 'string') {
      lines.push(`   同意した文言 (${jstDateTime(conf.confirmedAt ?? null)}) / Consent: ${conf.text}`);
    }
  }
  return lines;
}

function appendixLines(c: CertificateOfCompletion): string[] {
  const lines = ['', '付録: 文書のハッシュ値と監査記録 / Appendix: document hashes and audit references'];
  for (const d of c.documents) {
    lines.push(
      `- ${d.name}`,
      `  送信時の原本 (SHA-256) / Original: ${d.originalSha256}`,
      `  署名済み (SHA-256) / Signed: ${d.signedSha256}`,
    );
  }
  lines.push(
    '',
    '監査記録 (番号・日時・種類・記録のハッシュ値) / Audit records (no., time, type, record hash)',
  );
  for (const a of c.audit) lines.push(`- #${a.seq} ${jstDateTime(a.time)} ${a.type} ${a.hash}`);
  return lines;
}

/** The certificate's lines below its title, ready for buildTextPdf. */
export function certificateLines(c: CertificateOfCompletion): string[] {
  const e = c.envelope;
  return [
    '下記の契約が、記載の当事者により電子署名され締結されたことを証明します。',
    'This certifies that the contract below was signed electronically by the parties listed.',
    '',
    `契約書名 / Title: ${e.title}`,
    `取引先 / Counterparty: ${e.counterparty}`,
    `取引年月日 / Transaction date: ${jstDate(e.transactionDate)}`,
    `金額 / Amount: ${amountText(e.amount, e.currency)}`,
    `送信日時 / Sent: ${jstDateTime(e.sentAt)}`,
    `締結日時 / Completed: ${jstDateTime(e.completedAt)}`,
    `契約 ID / Contract ID: ${e.id}`,
    '',
    ...partyLines(c),
    ...appendixLines(c),
    '',
    'この証明書は署名済み PDF に添付され、その後に付けたアーカイブタイムスタンプで改ざんから保護されています。',
    'This certificate is attached to the signed PDF and protected by the archive timestamp added after it.',
  ];
}

/** The certificate as an A4 PDF of its own (attached to the final PDF, and downloadable). */
export function certificatePdf(c: CertificateOfCompletion): Buffer {
  return buildTextPdf({
    title: CERTIFICATE_TITLE,
    lines: certificateLines(c),
    createdAt: new Date(c.envelope.completedAt),
  });
}
