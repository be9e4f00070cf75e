/** Tables owned by the admin module (migrations 0500–0599). */

export interface RoleGrantTable {
  id: string;
  user_id: string;
  role: string;
  /** 1 for the four privileged roles; a partial unique index allows one live privileged grant per user. */
  privileged: number;
  granted_at: string;
  granted_by: string;
  /** The dual-control request that put the grant into effect (null for the initial bootstrap). */
  approval_id: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

export interface TrainingRecordTable {
  id: string;
  user_id: string;
  topic: string;
  trainer: string;
  /** Date of the training, YYYY-MM-DD. */
  trained_on: string;
  recorded_by: string;
  recorded_at: string;
}

export interface ApprovalRequestTable {
  id: string;
  kind: string;
  /** Canonical JSON of the validated payload (never secrets). */
  payload: string;
  requested_by: string;
  requested_at: string;
  expires_at: string;
  /** pending → executing → approved | failed; pending → rejected | (expired when read after expiry). */
  status: string;
  decided_by: string | null;
  decided_at: string | null;
  /** Canonical JSON of the executor's result, or the failure code. */
  outcome: string | null;
}

export interface MaintenanceTerminalTable {
  id: string;
  label: string;
  /** Hex SHA-256 of the terminal's client certificate (DER), lower case. */
  certificate_sha256: string;
  registered_at: string;
  registered_by: string;
  revoked_at: string | null;
}

/** One published version of a policy document (ADR 033); rows are only ever inserted. */
export interface PolicyVersionTable {
  document: string;
  version: number;
  /** ISO-8601 UTC: from when this version is the one in force. */
  effective_at: string;
  published_at: string;
  published_by: string;
  approval_id: string;
  /** Hex SHA-256 of the UTF-8 Markdown, checked again whenever the version is served. */
  sha256: string;
  markdown: string;
}

/** A provider's text for a named template item (PROVIDER_NAME, CONTACT…), set under dual control. */
export interface PolicyItemTable {
  name: string;
  value: string;
  set_at: string;
  set_by: string;
}

/** A finished step of the service termination (ADR 036): the approved plan, notices, exports, keys. */
export interface ServiceTerminationTable {
  step: string;
  done_at: string;
  done_by: string;
  /** JSON: what the step did (no secrets). */
  outcome: string;
}

/** A public notice (key compromise, service termination); rows are only ever inserted. */
export interface PublicNoticeTable {
  /** The incident or termination plan it belongs to: one notice each. */
  reference: string;
  kind: string;
  published_at: string;
  published_by: string;
  effective_at: string;
  /** Canonical JSON of the facts and the ja/en text (no secrets, no addresses). */
  body: string;
  /** Hex SHA-256 of body, checked again whenever the notice is served. */
  sha256: string;
}

export type AdminTables = {
  admin_role_grants: RoleGrantTable;
  admin_training_records: TrainingRecordTable;
  admin_approval_requests: ApprovalRequestTable;
  admin_maintenance_terminals: MaintenanceTerminalTable;
  admin_policy_versions: PolicyVersionTable;
  admin_policy_items: PolicyItemTable;
  admin_service_termination: ServiceTerminationTable;
  admin_public_notices: PublicNoticeTable;
};
