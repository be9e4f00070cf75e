/**
 * Validation of signed PDFs (any producer) and detached CAdES files with reasons in Japanese and
 * English: ETSI EN 319 102-1 indications, past validation with timestamps, modification analysis.
 */
export { inputTooLarge as validationInputTooLarge, unusableInput } from './errors.ts';
export { renderHtmlReport } from './html.ts';
export {
  type CertificateStatusAnswer,
  OnlineRevocation,
  type OnlineRevocationOptions,
  revocationUnavailable,
} from './online-revocation.ts';
export {
  DEFAULT_POLICY,
  parsePolicy,
  readPolicyFile,
  type ValidationPolicy,
  validationPolicySchema,
} from './policy.ts';
export { httpRevocationFetcher } from './revocation.ts';
export { type ValidationRoutesOptions, validationRoutes } from './routes.ts';
export { parseAnchors, readTrustAnchors } from './trust.ts';
export type * from './types.ts';
export {
  exitCodeOf,
  MAX_DOCUMENT_BYTES,
  readLimited,
  validateCades,
  validateDocument,
  validatePdf,
} from './validate.ts';
