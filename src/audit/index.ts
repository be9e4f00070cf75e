/** The audit module: hash-chained, append-only audit trail with signed, timestamped checkpoints. */

export { ALERT_RULES, type AlertRule, REQUIRED_PRECEDING_STEPS } from './alert-rules.ts';
export { type Alert, AlertMonitor, type AlertNotifier } from './alerts.ts';
export {
  ARCHIVE_FORMAT,
  type ArchiveManifest,
  type ArchiveRange,
  type ArchiveVerification,
  type ExportResult,
  exportAuditArchive,
  verifyAuditArchive,
} from './archive.ts';
export { canonicalJson } from './canonical.ts';
export { type ChainBreak, GENESIS_HASH, hashRecord } from './chain.ts';
export { CHECKPOINT_KEY_PURPOSE, ensureCheckpointKey } from './checkpoint-key.ts';
export { type Checkpoint, Checkpointer, type CheckpointReason } from './checkpoints.ts';
export type {
  AuditActor,
  AuditActorKind,
  AuditEventInput,
  AuditOutcome,
  AuditRecord,
  AuditSubject,
  AuditTrail,
} from './events.ts';
export { auditMigrations } from './migrations.ts';
export {
  AuditParameterStore,
  type AuditParameters,
  type AuditParametersJson,
  mergeAuditParameters,
  parametersToJson,
} from './parameters.ts';
export {
  DEFAULT_RETENTION_YEARS,
  LEGAL_RETENTION_FLOOR_YEARS,
  type PruneResult,
  pruneAuditRecords,
  retentionCutoff,
} from './prune.ts';
export { AUDIT_LIMITS, isSecretKey } from './sanitise.ts';
export {
  type AuditSearchFilter,
  parseSearchFilter,
  parseTimeBound,
  SEARCH_MAX_LIMIT,
  searchAuditEvents,
} from './search.ts';
export {
  type AuditServices,
  type AuditSettings,
  DEFAULT_AUDIT_SETTINGS,
  type OpenAuditOptions,
  openAuditServices,
} from './service.ts';
export {
  type AlertView,
  type AuditRecordView,
  alertSchema,
  auditExportBody,
  auditPageSchema,
  auditRecordSchema,
  auditSearchQuery,
  chainVerificationSchema,
} from './shapes.ts';
export type { AuditTables } from './tables.ts';
export { type CheckpointTimestamper, verifyTimestampToken } from './timestamp.ts';
export { type ChainHead, DatabaseAuditTrail, type TransactionalAuditTrail } from './trail.ts';
export { type ChainVerification, spkiFingerprint, verifyAuditChain } from './verify.ts';
