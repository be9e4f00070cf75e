/**
 * Advanced electronic signatures: CMS with an external signer (prepare → sign digests → complete),
 * CAdES detached signatures and PAdES baseline signatures at B-B, B-T, B-LT and B-LTA.
 */
export { archiveTimestampInput, atsHashIndexV3 } from './archive-timestamp.ts';
export {
  type EmbeddedCertificateAuthority,
  embeddedRevocationSource,
  ocspRequestFor,
} from './authority-revocation.ts';
export {
  type CadesExtensionOptions,
  type CadesPrepareOptions,
  type CompleteCadesOptions,
  completeCadesSignature,
  type DetachedContent,
  extendCadesSignature,
  prepareCadesSignature,
  type RenewCadesOptions,
  readCadesSignature,
  renewCadesArchiveTimestamp,
  type SignCadesOptions,
  signCades,
} from './cades.ts';
export { signatureCertificates, signerCertificateOf } from './cms-inspection.ts';
export {
  type CmsSignatureRequest,
  completeCmsSignature,
  type PreparedCmsSignature,
  prepareCmsSignature,
} from './cms-signature.ts';
export { combinedRevocationSource } from './combined-revocation.ts';
export {
  type EmbeddedSigning,
  type EmbeddedSigningDependencies,
  generateProviderSealKey,
  openEmbeddedSigning,
  PROVIDER_SEAL_PURPOSE,
} from './embedded-signing.ts';
export {
  JIS_LEVEL_NAMES,
  levelAtLeast,
  parseSignatureLevel,
  SIGNATURE_LEVELS,
  type SignatureLevel,
} from './levels.ts';
export {
  type CompletePdfSignatureOptions,
  completePdfSignature,
  type PdfSignatureRequest,
  type PdfSigningState,
  type PreparedPdfSignature,
  preparePdfSignature,
  readPdfSigningState,
} from './pades.ts';
export {
  type AddDocumentTimestampOptions,
  type AddValidationDataOptions,
  addDocumentTimestamp,
  addValidationData,
} from './pades-long-term.ts';
export { type SignPdfOptions, type SignPdfResult, signPdf } from './sign-pdf.ts';
export { COMMITMENT_TYPES, type CommitmentType } from './signed-attributes.ts';
export { encodeSignedData, parseSignedData, type SignedDataParts } from './signed-data.ts';
export { type CmsSigningState, readSigningState } from './signing-state.ts';
export { checkTimestampToken, signatureTimestampTime, type TimestampAuthority } from './timestamp.ts';
export {
  gatherValidationData,
  type RevocationInformation,
  type RevocationSource,
  type ValidationMaterial,
} from './validation-data.ts';
