/** The audit module: hash-chained, append-only audit trail with signed, timestamped checkpoints. */
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
export { AUDIT_LIMITS, isSecretKey } from './sanitise.ts';
export {
  type AuditServices,
  type AuditSettings,
  DEFAULT_AUDIT_SETTINGS,
  type OpenAuditOptions,
  openAuditServices,
} from './service.ts';
export type { AuditTables } from './tables.ts';
export { type CheckpointTimestamper, checkTimestampImprint } from './timestamp.ts';
export { type ChainHead, DatabaseAuditTrail } from './trail.ts';
export { type ChainVerification, spkiFingerprint, verifyAuditChain } from './verify.ts';
