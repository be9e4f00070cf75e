/** Tables owned by the audit module (migrations 0400–0499). */

export interface AuditEventTable {
  seq: number;
  event_id: string;
  recorded_at: string;
  type: string;
  actor_kind: string;
  actor_id: string;
  actor_tenant_id: string | null;
  subject_kind: string | null;
  subject_id: string | null;
  outcome: string;
  source: string | null;
  /** Canonical JSON of the details. */
  details: string;
  prev_hash: string;
  hash: string;
}

/** One row ('head') that appends lock, so several processes extend one chain in order. */
export interface AuditChainHeadTable {
  id: string;
  last_seq: number;
  last_hash: string;
}

export interface AuditCheckpointTable {
  id: string;
  through_seq: number;
  head_hash: string;
  signed_at: string;
  reason: string;
  /** The exact bytes that were signed (canonical JSON). */
  payload: string;
  key_id: string;
  algorithm: string;
  public_key: Uint8Array;
  signature: Uint8Array;
  /** RFC 3161 TimeStampToken (DER) over SHA-256(payload); null when no TSA answered. */
  timestamp_token: Uint8Array | null;
}

/** Exports written, so pruning can require that a range was archived and verified first. */
export interface AuditExportTable {
  id: string;
  from_seq: number;
  through_seq: number;
  archive_sha256: string;
  manifest_sha256: string;
  exported_at: string;
  exported_by: string;
  verified_at: string | null;
}

export interface AuditPruneTable {
  id: string;
  through_seq: number;
  through_hash: string;
  checkpoint_id: string;
  export_id: string;
  pruned_at: string;
  pruned_by: string;
}

export interface AuditAlertTable {
  id: string;
  rule: string;
  severity: string;
  raised_at: string;
  actor_id: string | null;
  summary_ja: string;
  summary_en: string;
  /** JSON array of the event ids behind the alert. */
  event_ids: string;
  /** JSON array of their sequence numbers. */
  event_seqs: string;
  notified_at: string | null;
}

export interface AuditAlertCursorTable {
  id: string;
  last_seq: number;
}

// A type alias, not an interface: Kysely's withTables needs an index-compatible shape.
export type AuditTables = {
  audit_events: AuditEventTable;
  audit_chain_head: AuditChainHeadTable;
  audit_checkpoints: AuditCheckpointTable;
  audit_exports: AuditExportTable;
  audit_prunes: AuditPruneTable;
  audit_alerts: AuditAlertTable;
  audit_alert_cursor: AuditAlertCursorTable;
};
