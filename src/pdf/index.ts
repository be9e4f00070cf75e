/**
 * PDF reading and incremental writing for signatures. Other modules import only from here.
 *
 * - `openPdf` reads the last revision lazily (xref tables, xref streams, object streams, hybrids).
 * - `appendRevision` writes an incremental update without touching earlier bytes.
 * - `prepareSignatureRevision` / `digestByteRange` / `embedSignatureContents` are the PAdES mechanics.
 * - `appendDocumentSecurityStore` / `extractDss` handle /DSS; `listSignatures` / `revisions` feed validation.
 */

export {
  DEFAULT_PDF_BUDGET,
  type PdfBudgetLimits,
  pdfBudgetDefaults,
  setPdfBudgetDefaults,
  withPdfBudget,
} from './budget.ts';
export type { ByteSource } from './byte-source.ts';
export { appendDocumentSecurityStore, extractDss, vriKey } from './dss.ts';
export { appendRevision, type IncrementalUpdate } from './incremental-writer.ts';
export * from './objects.ts';
export { DEFAULT_PDF_LIMITS, type OpenPdfOptions, openPdf, type PdfReader, revisions } from './reader.ts';
export {
  type DigestAlgorithm,
  describeSignature,
  digestByteRange,
  embedSignatureContents,
  listSignatures,
  prepareSignatureRevision,
  readText,
} from './signature.ts';
export type * from './types.ts';
