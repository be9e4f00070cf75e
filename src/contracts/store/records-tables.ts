/**
 * Tables for imported records, the correction and deletion log, and tenant permissions
 * (migration 0720). Kept apart from tables.ts so the envelope workflow's tables stay as they are.
 */

/** A contract signed elsewhere or on paper, stored as an envelope row with status `imported`. */
export type ImportTable = {
  envelope_id: string;
  tenant_id: string;
  /** `electronic`: a PDF signed elsewhere; `paper-scan`: a scanned paper contract. */
  source: string;
  /** `signed`: signatures or timestamps were found and validated; `none`: no signature (e.g. a scan). */
  signature_status: 'signed' | 'none';
  /** Signatures and document timestamps found in the PDF. */
  signatures: number;
  /** The overall indication (TOTAL_PASSED / INDETERMINATE / TOTAL_FAILED), null without signatures. */
  indication: string | null;
  /** JSON ValidationReport from src/validation, null without signatures or when validation failed. */
  validation_report: string | null;
  validation_error: string | null;
  /** JSON array of the parties named by the importer ({name, company?, email?}). */
  parties: string;
  note: string | null;
  imported_by: string;
  imported_at: string;
};

export type RecordLogKind = 'correction' | 'deletion';

/** 訂正削除の履歴: append-only (triggers refuse UPDATE and DELETE on both dialects). */
export type RecordLogTable = {
  id: string;
  tenant_id: string;
  envelope_id: string;
  kind: RecordLogKind;
  /** JSON {field: {before, after}} for corrections; {documents} for deletions. */
  changes: string;
  reason: string;
  actor_kind: string;
  /** User id, `api-key:<id>` or a process name. */
  actor_id: string;
  created_at: string;
};

export type TenantPermissionTable = {
  tenant_id: string;
  user_id: string;
  permission: string;
  granted_by: string;
  granted_at: string;
};

export type RecordsTables = {
  contract_imports: ImportTable;
  contract_record_log: RecordLogTable;
  contract_tenant_permissions: TenantPermissionTable;
};
