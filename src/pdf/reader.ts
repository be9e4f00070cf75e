// Draft: implementation follows.
import type { PdfDict, PdfObject, PdfRef } from './objects.ts';
import type { PdfFormField, PdfPageInfo, PdfReadLimits, PdfRevision, PdfSource } from './types.ts';

export const DEFAULT_PDF_LIMITS: PdfReadLimits = {
  maxFileBytes: 256 * 1024 * 1024,
  maxObjects: 2_000_000,
  maxDepth: 64,
  maxStreamBytes: 32 * 1024 * 1024,
  maxDecodedStreamBytes: 64 * 1024 * 1024,
  maxRevisions: 1000,
};

export interface PdfReader {
  readonly size: number;
  readonly trailer: PdfDict;
  readonly revisions: readonly PdfRevision[];
  readonly catalog: PdfDict;
  resolve(value: PdfObject | undefined): PdfObject | undefined;
  getObject(ref: PdfRef): PdfObject | undefined;
  pageCount(): number;
  page(index: number): PdfPageInfo;
  formFields(): PdfFormField[];
  close(): Promise<void>;
}

export async function openPdf(
  _source: PdfSource,
  _options: { limits?: Partial<PdfReadLimits> } = {},
): Promise<PdfReader> {
  throw new Error('not implemented yet');
}

export async function revisions(_source: PdfSource): Promise<PdfRevision[]> {
  throw new Error('not implemented yet');
}
