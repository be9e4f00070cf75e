/** The typed errors of the PDF module. Messages never include document content, only structure facts. */
import { type ShomeiError, shomeiError } from '../errors/index.ts';

export function pdfMalformed(reason: string, details: Record<string, unknown> = {}): ShomeiError {
  return shomeiError(
    'SHOMEI_PDF_MALFORMED',
    `PDFの構造が不正なため読み込めません（${reason}）。`,
    `The PDF is malformed and cannot be read (${reason}).`,
    { status: 422, details: { reason, ...details } },
  );
}

export function pdfTruncated(): ShomeiError {
  return shomeiError(
    'SHOMEI_PDF_TRUNCATED',
    'PDFが途中で切れています（startxref または %%EOF がありません）。',
    'The PDF is truncated (no startxref or %%EOF).',
    { status: 422 },
  );
}

export function pdfEncrypted(): ShomeiError {
  return shomeiError(
    'SHOMEI_PDF_ENCRYPTED',
    '暗号化されたPDFには署名できません。暗号化を解除してから送信してください。',
    'Encrypted PDFs cannot be signed. Remove the encryption and submit the file again.',
    { status: 422 },
  );
}

export function pdfTooLarge(size: number, limit: number): ShomeiError {
  return shomeiError(
    'SHOMEI_PDF_TOO_LARGE',
    `PDFが大きすぎます（${size} バイト、上限 ${limit} バイト）。`,
    `The PDF is too large (${size} bytes, limit ${limit} bytes).`,
    { status: 413, details: { size, limit } },
  );
}

/** A structural limit (depth, object count, stream length…) was exceeded: hostile or absurd input. */
export function pdfLimitExceeded(limit: string, value: number, max: number): ShomeiError {
  return shomeiError(
    'SHOMEI_PDF_MALFORMED',
    `PDFが処理上限を超えています（${limit}: ${value} > ${max}）。`,
    `The PDF exceeds a processing limit (${limit}: ${value} > ${max}).`,
    { status: 422, details: { reason: 'limit', limit, value, max } },
  );
}

export function pdfSignatureTooLarge(needed: number, available: number): ShomeiError {
  return shomeiError(
    'SHOMEI_PDF_SIGNATURE_TOO_LARGE',
    `署名データ（${needed} バイト）が予約領域（${available} バイト）に収まりません。`,
    `The signature (${needed} bytes) does not fit the reserved space (${available} bytes).`,
    { status: 500, details: { needed, available } },
  );
}

export function pdfFieldInvalid(reason: string, details: Record<string, unknown> = {}): ShomeiError {
  return shomeiError(
    'SHOMEI_PDF_FIELD_INVALID',
    `署名フィールドを使用できません（${reason}）。`,
    `The signature field cannot be used (${reason}).`,
    { status: 422, details: { reason, ...details } },
  );
}

export function pdfPageOutOfRange(pageIndex: number, pageCount: number): ShomeiError {
  return shomeiError(
    'SHOMEI_PDF_PAGE_OUT_OF_RANGE',
    `ページ番号が範囲外です（${pageIndex + 1} / ${pageCount}）。`,
    `The page number is out of range (${pageIndex + 1} of ${pageCount}).`,
    { status: 422, details: { pageIndex, pageCount } },
  );
}

export function pdfUnreadable(reason: string): ShomeiError {
  return shomeiError(
    'SHOMEI_PDF_UNREADABLE',
    `PDFファイルを読み込めません（${reason}）。`,
    `The PDF file cannot be read (${reason}).`,
    { status: 422, details: { reason } },
  );
}
