/**
 * contracts: the e-contract service (SCA) — tenants' envelopes with encrypted PDFs, parties and
 * roles, witness-type (立会人型) and signer-type (当事者型) signing, the certificate of completion,
 * B-LTA completion, retention with legal hold and crypto-shredding, 電子帳簿保存法 search, archive
 * timestamp renewal, REST API with tenant API keys, and webhooks.
 */

export {
  CERTIFICATE_JSON_NAME,
  CERTIFICATE_TEXT_NAME,
  type CertificateOfCompletion,
  certificateText,
  extractCertificate,
} from './completion/certificate.ts';
export type { CertificateDownload } from './completion/certificate-pdf.ts';
export {
  assembleCompletedDocument,
  type CompletionAssemblyInput,
  type CompletionProvider,
} from './completion/completion-assembly.ts';
export type { RenewalOptions, RenewalOutcome } from './completion/renewal.ts';
export { type ContractsSettings, DEFAULT_CONTRACTS_SETTINGS } from './context.ts';
export {
  CORRECTABLE_FIELDS,
  type RecordLogEntry,
  type RecordLogPage,
  searchRecordLog,
} from './envelopes/corrections.ts';
export { LAWFUL_DELETION_KIND, lawfulDeletionExecutor } from './envelopes/lawful-deletion.ts';
export { type EnvelopeSummary, type SearchPage, searchEnvelopes } from './envelopes/search.ts';
export type { TimelineActor, TimelineEntry } from './envelopes/timeline.ts';
export { type ContractRoutesOptions, contractRoutes, PARTY_HEADER } from './http/routes.ts';
export type {
  ContractActor,
  DocumentView,
  EnvelopeInput,
  EnvelopeSearch,
  EnvelopeStatus,
  EnvelopeView,
  PartyRole,
  PartyView,
  SigningMode,
} from './model/model.ts';
export {
  type PermissionGrant,
  setPermission,
  TENANT_PERMISSION_NAMES,
  TENANT_PERMISSIONS,
  type TenantPermission,
} from './parties/permissions.ts';
export { ContractService, type ContractServiceDependencies, generateWebhookSealKey } from './service.ts';
export {
  type ActCompletion,
  type ActPreparation,
  type ActSeal,
  completeActSignature,
  prepareActSignature,
} from './signing/act-assembly.ts';
export {
  cscRemoteSigner,
  inProcessRemoteSigner,
  type RemoteSigner,
  type RemoteSignRequest,
  type SignerCertificates,
} from './signing/remote-signer.ts';
export { contractsMigrations } from './store/migrations.ts';
export type { ContractsTables } from './store/tables.ts';
export { contentKeyAad, DOCUMENT_KEY_PURPOSE } from './store/vault.ts';
export { API_SCOPES, type ApiScope } from './tenants/api-keys.ts';
export {
  EXPORT_FORMAT,
  type ExportManifest,
  type ExportSummary,
  exportTenant,
} from './tenants/tenant-export.ts';
export { MAX_WEBHOOK_ATTEMPTS, signPayload } from './tenants/webhooks.ts';
export { type ImportMetadata, type ImportView, importRecord, importView } from './workflow/imports.ts';
