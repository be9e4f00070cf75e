/**
 * Every sentence a validation report says, in Japanese and English, keyed by message (issue #21
 * Deliver 3, as EU DSS's i18n bundles): the checks record a key and its facts; only this file holds
 * words. A key is the reason code it explains, except the three families whose code carries the
 * failure that caused it (SIGNATURE_INVALID, TIMESTAMP_INTEGRITY, TIMESTAMP_TSA_CHAIN).
 */
import type { IntegrityFailure } from './integrity.ts';
import type { TimestampKind } from './types.ts';

/** One text in both languages. */
export interface LocalText {
  readonly ja: string;
  readonly en: string;
}

/** A date for a sentence: ISO 8601 UTC for English, JST for Japanese (see `dateLabel`). */
export interface DateText extends LocalText {
  readonly iso: string;
}

type Role = 'signer' | 'tsa';

const missingDetail = (problems: readonly string[]): LocalText =>
  problems.length === 0
    ? { ja: '', en: '' }
    : { ja: `（${problems.join('; ')}）`, en: ` (${problems.join('; ')})` };

export const MESSAGES = {
  NO_CERTIFICATE_CHAIN_FOUND: (p: { leaf: string; top: string; issuer: string; why: LocalText }) => ({
    ja: `証明書 ${p.leaf} の証明書チェーンを構築できません。${p.top} の発行者「${p.issuer}」は信頼するトラストアンカーにありません（${p.why.ja}）。`,
    en: `No certificate chain could be built for ${p.leaf}: the issuer "${p.issuer}" of ${p.top} is not among the trusted anchors (${p.why.en}).`,
  }),
  CERTIFICATE_EXPIRED_BEFORE_POE: (p: { certificate: string; end: DateText; at: DateText }) => ({
    ja: `証明書 ${p.certificate} は ${p.end.ja} に有効期間が満了しており、タイムスタンプが示す時刻 ${p.at.ja} にはすでに失効していました。`,
    en: `Certificate ${p.certificate} expired on ${p.end.en}, before the time proven by the timestamp (${p.at.en}).`,
  }),
  CERTIFICATE_EXPIRED_NO_POE: (p: { certificate: string; end: DateText }) => ({
    ja: `証明書 ${p.certificate} の有効期間は ${p.end.ja} に満了しています。それより前に署名が存在したことを示すタイムスタンプがないため、署名の有効性を判断できません。`,
    en: `Certificate ${p.certificate} expired on ${p.end.en}, and no timestamp proves that the signature existed before then.`,
  }),
  CERTIFICATE_NOT_YET_VALID: (p: { certificate: string; start: DateText; at: DateText }) => ({
    ja: `証明書 ${p.certificate} の有効期間は ${p.start.ja} からで、署名時刻 ${p.at.ja} にはまだ有効ではありません。`,
    en: `Certificate ${p.certificate} is valid only from ${p.start.en}, after the signature time ${p.at.en}.`,
  }),
  REVOCATION_DATA_MISSING: (p: { certificate: string; problems: readonly string[] }) => {
    const detail = missingDetail(p.problems);
    return {
      ja: `証明書 ${p.certificate} の失効情報（CRL・OCSP）が文書に含まれておらず、取得もできませんでした${detail.ja}。失効していないことを確認できません。`,
      en: `No revocation information (CRL or OCSP) for certificate ${p.certificate} is embedded in the document or could be fetched${detail.en}; it cannot be confirmed that it was not revoked.`,
    };
  },
  REVOCATION_STATUS_UNKNOWN: (p: { certificate: string }) => ({
    ja: `証明書 ${p.certificate} について OCSP 応答者が状態「不明」と回答しました。`,
    en: `The OCSP responder answered "unknown" for certificate ${p.certificate}.`,
  }),
  REVOCATION_DATA_NOT_FRESH: (p: { certificate: string; issued: DateText; at: DateText }) => ({
    ja: `証明書 ${p.certificate} の失効情報は ${p.issued.ja} に発行されたもので、署名時刻 ${p.at.ja} の時点の状態を示していません。`,
    en: `The revocation information for certificate ${p.certificate} was issued on ${p.issued.en} and does not cover the signature time ${p.at.en}.`,
  }),
  REVOKED_BEFORE_SIGNING: (p: { certificate: string; revoked: DateText; claimed: DateText; role: Role }) => ({
    ja: `証明書 ${p.certificate} は ${p.revoked.ja} に失効しており、${p.role === 'tsa' ? 'タイムスタンプの時刻' : '署名時刻'} ${p.claimed.ja} より前です。`,
    en: `Certificate ${p.certificate} was revoked on ${p.revoked.en}, before the ${p.role === 'tsa' ? 'timestamp time' : 'signing time'} ${p.claimed.en}.`,
  }),
  REVOKED_AFTER_POE: (p: { certificate: string; revoked: DateText; at: DateText }) => ({
    ja: `証明書 ${p.certificate} は ${p.revoked.ja} に失効しましたが、署名はそれより前の ${p.at.ja} に存在したことがタイムスタンプで証明されているため有効です。`,
    en: `Certificate ${p.certificate} was revoked on ${p.revoked.en}, but a timestamp proves the signature existed earlier (${p.at.en}), so it stays valid.`,
  }),
  REVOKED_NO_POE: (p: { certificate: string; revoked: DateText }) => ({
    ja: `証明書 ${p.certificate} は ${p.revoked.ja} に失効しています。署名がそれより前に存在したことを示すタイムスタンプがありません。`,
    en: `Certificate ${p.certificate} was revoked on ${p.revoked.en}, and no timestamp proves that the signature existed before then.`,
  }),
  SIGNATURE_NOT_IN_CURRENT_REVISION: (p: { field: string }) => ({
    ja: `署名欄「${p.field}」は以前の改訂にはありますが、現在の文書には表示されません。`,
    en: `Signature field "${p.field}" is in an earlier revision but not in the document as it is displayed now.`,
  }),
  BYTE_RANGE_INVALID: (p: { field: string }) => ({
    ja: `署名欄「${p.field}」の /ByteRange が、ファイルの先頭から署名値（/Contents）以外のすべてを覆っていません。署名されていない部分が隠れている可能性があります。`,
    en: `The /ByteRange of field "${p.field}" does not cover everything from the start of the file except the signature value (/Contents); unsigned bytes may be hidden.`,
  }),
  MODIFIED_AFTER_SIGNING: (p: { revision: number; change: LocalText }) => ({
    ja: `署名後の改訂 ${p.revision}（増分更新）で${p.change.ja}。表示される文書は署名された内容と異なる可能性があります。`,
    en: `Revision ${p.revision} (an incremental update after signing): ${p.change.en}. The document as displayed may not be the signed content.`,
  }),
  MODIFICATION_NOT_PERMITTED: (p: { revision: number; change: LocalText }) => ({
    ja: `署名後の改訂 ${p.revision}（増分更新）で${p.change.ja}。この変更は文書の変更許可（DocMDP）で認められていません。`,
    en: `Revision ${p.revision} (an incremental update after signing): ${p.change.en}. This change is not permitted by the document modification permissions (DocMDP).`,
  }),
  UNSIGNED_DATA_AFTER_EOF: (p: { bytes: number }) => ({
    ja: `最後の %%EOF の後に、改訂として解釈され得るデータ（${p.bytes} バイト）があります。表示ソフトによっては署名されていない内容が表示されます。`,
    en: `After the last %%EOF there are ${p.bytes} bytes that a reader could interpret as a revision; some viewers would display unsigned content.`,
  }),
  FIELD_NOT_IN_FORM: (p: { field: string }) => ({
    ja: `署名欄「${p.field}」はページの注釈にはありますが、フォーム（AcroForm /Fields）に登録されていません。表示ソフトによってはこの署名が表示されません。`,
    en: `Signature field "${p.field}" is in a page's annotations but not in the form (AcroForm /Fields); some viewers will not show this signature.`,
  }),
  SIGNATURE_UNREADABLE: (p: { field: string; what: string }) => ({
    ja: `署名欄「${p.field}」の署名を読み取れません（${p.what}）。`,
    en: `The signature in field "${p.field}" cannot be read (${p.what}).`,
  }),
  DSS_UNREADABLE: (p: { code: string }) => ({
    ja: `文書セキュリティストア（DSS）を読み取れないため、その検証情報は使われていません（${p.code}）。`,
    en: `The document security store (DSS) cannot be read, so its validation data was not used (${p.code}).`,
  }),
  PERMITTED_CHANGES: (p: { revisions: readonly number[]; level: string }) => ({
    ja: `署名後の改訂 ${p.revisions.join(', ')} に許可された変更（${p.level}）があります。`,
    en: `Revisions ${p.revisions.join(', ')} after signing contain permitted changes (${p.level}).`,
  }),
  SIGNATURE_INVALID: (p: { signer: string; detail: LocalText }) => ({
    ja: `署名${p.signer ? `（署名者 ${p.signer}）` : ''}が無効です: ${p.detail.ja}。`,
    en: `The signature${p.signer ? ` by ${p.signer}` : ''} is not valid: ${p.detail.en}.`,
  }),
  NO_SIGNING_CERTIFICATE_V2: (_p: Record<never, never>) => ({
    ja: '署名に signing-certificate(-v2) 属性がないため、ベースラインの B-B レベルに達していません（ETSI EN 319 142-1 / 319 122-1）。',
    en: 'The signature has no signing-certificate(-v2) attribute, so it does not reach the baseline B-B level (ETSI EN 319 142-1 / 319 122-1).',
  }),
  SIGNATURE_TIMESTAMP_INVALID: (p: { detail: LocalText | undefined }) => ({
    ja: `署名タイムスタンプが無効なため、署名時刻を証明できません: ${p.detail?.ja ?? ''}`,
    en: `The signature timestamp is not valid, so the signing time is not proven: ${p.detail?.en ?? ''}`,
  }),
  CLAIMED_TIME_AFTER_TIMESTAMP: (p: { claimed: DateText }) => ({
    ja: `署名者が主張する署名時刻 ${p.claimed.ja} がタイムスタンプの時刻より後です。`,
    en: `The signing time claimed by the signer (${p.claimed.en}) is after the timestamp time.`,
  }),
  TIMESTAMP_UNREADABLE: (p: { kind: LocalText }) => ({
    ja: `${p.kind.ja}を読み取れません（RFC 3161 のトークンではありません）。`,
    en: `The ${p.kind.en} cannot be read (not an RFC 3161 token).`,
  }),
  TIMESTAMP_IMPRINT_MISMATCH: (p: { kind: LocalText; gen: DateText }) => ({
    ja: `${p.gen.ja} の${p.kind.ja}のメッセージインプリントが、対象データのハッシュ値と一致しません。`,
    en: `The message imprint of the ${p.kind.en} of ${p.gen.en} does not match the hash of the data it should cover.`,
  }),
  TIMESTAMP_INTEGRITY: (p: { kind: LocalText; gen: DateText; detail: LocalText }) => ({
    ja: `${p.gen.ja} の${p.kind.ja}が無効です: ${p.detail.ja}。`,
    en: `The ${p.kind.en} of ${p.gen.en} is not valid: ${p.detail.en}.`,
  }),
  TSA_NOT_TIMESTAMPING: (p: { kind: LocalText; tsa: string }) => ({
    ja: `${p.kind.ja}の TSA 証明書 ${p.tsa} にタイムスタンプ用途（id-kp-timeStamping）がありません。`,
    en: `The TSA certificate ${p.tsa} of the ${p.kind.en} lacks the timeStamping extended key usage.`,
  }),
  TIMESTAMP_TSA_CHAIN: (p: { kind: LocalText; gen: DateText; detail: LocalText }) => ({
    ja: `${p.gen.ja} の${p.kind.ja}の TSA 証明書を検証できません: ${p.detail.ja}`,
    en: `The TSA certificate of the ${p.kind.en} of ${p.gen.en} cannot be validated: ${p.detail.en}`,
  }),
} satisfies Record<string, (params: never) => LocalText>;

export type MessageKey = keyof typeof MESSAGES;
export type MessageParams<K extends MessageKey> = Parameters<(typeof MESSAGES)[K]>[0];

/** The words of one message. */
export function messageText<K extends MessageKey>(key: K, params: MessageParams<K>): LocalText {
  return (MESSAGES[key] as (p: MessageParams<K>) => LocalText)(params);
}

/** Why no chain was found, for NO_CERTIFICATE_CHAIN_FOUND. */
export const CHAIN_GAP: Record<'bad-signature' | 'not-a-ca' | 'no-anchor', LocalText> = {
  'bad-signature': { ja: '発行者の署名を検証できません', en: 'the issuer signature does not verify' },
  'not-a-ca': { ja: '発行者が CA 証明書ではありません', en: 'the issuer is not a CA certificate' },
  'no-anchor': {
    ja: '信頼するルート証明書に到達しません',
    en: 'it does not lead to a trusted root certificate',
  },
};

/** The names of timestamp kinds inside a sentence. */
export const TIMESTAMP_KIND: Record<TimestampKind, LocalText> = {
  'signature-timestamp': { ja: '署名タイムスタンプ', en: 'signature timestamp' },
  'document-timestamp': { ja: '文書タイムスタンプ', en: 'document timestamp' },
  'archive-timestamp': { ja: 'アーカイブタイムスタンプ', en: 'archive timestamp' },
};

/** What is wrong with a signature's own CMS, for SIGNATURE_INVALID. */
export const SIGNER_INTEGRITY: Record<IntegrityFailure, LocalText> = {
  'no-signer-certificate': {
    ja: '署名者証明書が署名にも文書にも含まれていません',
    en: 'the signer certificate is neither in the signature nor in the document',
  },
  'signing-certificate-mismatch': {
    ja: '署名者証明書が signing-certificate-v2 属性のハッシュ値と一致しません',
    en: 'the signer certificate does not match the hash in the signing-certificate-v2 attribute',
  },
  'unsupported-digest': { ja: '対応していないアルゴリズムです', en: 'its algorithm is not supported' },
  'weak-digest': {
    ja: 'SHA-1 のダイジェストは現在の暗号要件を満たさず、それより前に署名されたことの証明もありません',
    en: 'its SHA-1 digest no longer meets the cryptographic constraints and nothing proves it was made before',
  },
  'no-message-digest': { ja: 'message-digest 属性がありません', en: 'it has no message-digest attribute' },
  'hash-mismatch': {
    ja: '署名対象データのハッシュ値が署名内の値（message-digest）と一致しません。署名後にデータが改変されています',
    en: 'the hash of the signed data does not match the message-digest in the signature: the data was changed after signing',
  },
  'signature-invalid': {
    ja: '署名値を署名者の公開鍵で検証できません',
    en: "the signature value does not verify with the signer's public key",
  },
};

/** What is wrong with a timestamp token's own CMS, for TIMESTAMP_INTEGRITY; `tsa` names the TSA. */
export function tsaIntegrity(failure: IntegrityFailure, tsa: string): LocalText {
  const words: Record<IntegrityFailure, LocalText> = {
    'no-signer-certificate': { ja: 'TSA 証明書が見つかりません', en: 'the TSA certificate is not found' },
    'signing-certificate-mismatch': {
      ja: `TSA 証明書 ${tsa} が signing-certificate 属性と一致しません`,
      en: `the TSA certificate ${tsa} does not match its signing-certificate attribute`,
    },
    'unsupported-digest': {
      ja: '対応していないハッシュアルゴリズムです',
      en: 'its digest algorithm is not supported',
    },
    'weak-digest': {
      ja: 'SHA-1 のハッシュは現在の暗号要件を満たしません',
      en: 'its SHA-1 digest no longer meets the cryptographic constraints',
    },
    'no-message-digest': { ja: 'message-digest 属性がありません', en: 'it has no message-digest attribute' },
    'hash-mismatch': {
      ja: 'TSTInfo のハッシュ値が一致しません',
      en: 'the hash of its TSTInfo does not match',
    },
    'signature-invalid': {
      ja: `TSA ${tsa} の署名値を検証できません`,
      en: `the signature value of the TSA ${tsa} does not verify`,
    },
  };
  return words[failure];
}
