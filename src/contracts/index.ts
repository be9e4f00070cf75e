/**
 * contracts: the e-contract service (SCA) — tenants' envelopes with encrypted PDFs, parties and
 * roles, witness-type (立会人型) and signer-type (当事者型) signing, the certificate of completion,
 * B-LTA completion, retention with legal hold and crypto-shredding, 電子帳簿保存法 search, archive
 * timestamp renewal, REST API with tenant API keys, and webhooks.
 */
export {
  type ActCompletion,
  type ActPreparation,
  type ActSeal,
  completeActSignature,
  prepareActSignature,
} from './act-assembly.ts';
export { API_SCOPES, type ApiScope } from './api-keys.ts';
export {
  CERTIFICATE_JSON_NAME,
  CERTIFICATE_TEXT_NAME,
  type CertificateOfCompletion,
  certificateText,
  extractCertificate,
} from './certificate.ts';
export type { CertificateDownload } from './certificate-pdf.ts';
export {
  assembleCompletedDocument,
  type CompletionAssemblyInput,
  type CompletionProvider,
} from './completion-assembly.ts';
export { type ContractsSettings, DEFAULT_CONTRACTS_SETTINGS } from './context.ts';
export {
  CORRECTABLE_FIELDS,
  type RecordLogEntry,
  type RecordLogPage,
  searchRecordLog,
} from './corrections.ts';
export { type ImportMetadata, type ImportView, importRecord, importView } from './imports.ts';
export { LAWFUL_DELETION_KIND, lawfulDeletionExecutor } from './lawful-deletion.ts';
export { contractsMigrations } from './migrations.ts';
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
} from './model.ts';
export {
  type PermissionGrant,
  setPermission,
  TENANT_PERMISSION_NAMES,
  TENANT_PERMISSIONS,
  type TenantPermission,
} from './permissions.ts';
export {
  cscRemoteSigner,
  inProcessRemoteSigner,
  type RemoteSigner,
  type RemoteSignRequest,
  type SignerCertificates,
} from './remote-signer.ts';
export type { RenewalOptions, RenewalOutcome } from './renewal.ts';
export { type ContractRoutesOptions, contractRoutes, PARTY_HEADER } from './routes.ts';
export { type EnvelopeSummary, type SearchPage, searchEnvelopes } from './search.ts';
export { ContractService, type ContractServiceDependencies, generateWebhookSealKey } from './service.ts';
export type { ContractsTables } from './tables.ts';
export { EXPORT_FORMAT, type ExportManifest, type ExportSummary, exportTenant } from './tenant-export.ts';
export type { TimelineActor, TimelineEntry } from './timeline.ts';
export { contentKeyAad, DOCUMENT_KEY_PURPOSE } from './vault.ts';
export { MAX_WEBHOOK_ATTEMPTS, signPayload } from './webhooks.ts';
