/**
 * Tables of templates, bulk send, reminders and internal approval (migrations 0730+). Kept apart
 * from tables.ts so that the envelope tables stay readable; ContractsTables includes these.
 */

export type TemplateTable = {
  id: string;
  tenant_id: string;
  name: string;
  /** JSON of the validated template definition (title, slots, order, expiry, reminders, approvers). */
  definition: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
};

/** A template's PDF: one version only, encrypted like envelope documents under its own HSM key. */
export type TemplateDocumentTable = {
  id: string;
  template_id: string;
  position: number;
  name: string;
  hsm_key_id: string | null;
  sealed_key: Uint8Array | null;
  sha256: string;
  size: number;
  data: Uint8Array | null;
  blob_ref: string | null;
  status: 'active' | 'shredded';
  created_at: string;
};

export type BulkJobTable = {
  id: string;
  tenant_id: string;
  template_id: string;
  created_by: string;
  created_at: string;
  total: number;
  created: number;
  failed: number;
  /** Migration 0750 (queued bulk send); optional on insert. queued → running → done. */
  status?: 'queued' | 'running' | 'done';
  /** JSON of the rows, slot and reminders, kept until the job is done. */
  input?: string | null;
  /** JSON of the ContractActor that submitted the job, for the worker. */
  actor?: string | null;
  /** An instance works the job while this is in the future. */
  lease_until?: string | null;
  finished_at?: string | null;
  /** none (no codes), ready (sealed, not yet taken), taken (served once, then wiped). */
  codes_state?: 'none' | 'ready' | 'taken';
  codes_hsm_key_id?: string | null;
  codes_sealed_key?: Uint8Array | null;
};

export type BulkRowTable = {
  job_id: string;
  row_index: number;
  email: string;
  envelope_id: string | null;
  error_code: string | null;
  error_message: string | null;
  /** Migration 0750: claimed (being made), draft (envelope made, not yet sent) or done. */
  state?: 'claimed' | 'draft' | 'done';
  /** sent or awaiting-approval, for a row that made its envelope. */
  status?: string | null;
  /** The row's access codes, AES-GCM under the job's sealed key until the sender takes them. */
  codes?: Uint8Array | null;
};

/** Per-tenant reminder defaults (absent: the installation's defaults). */
export type ReminderSettingsTable = {
  tenant_id: string;
  interval_days: number;
  max_reminders: number;
  updated_at: string;
};

/** Per-envelope reminder settings (absent: the tenant's defaults). */
export type EnvelopeReminderTable = {
  envelope_id: string;
  interval_days: number;
  max_reminders: number;
};

/**
 * One reminder mailed to one party. The primary key (party, kind, sequence) is the claim: of two
 * instances running the job at once, only one inserts the row and mails.
 */
export type ReminderTable = {
  party_id: string;
  kind: 'scheduled' | 'manual';
  sequence: number;
  envelope_id: string;
  sent_at: string;
  sent_by: string;
};

/** One internal approver's decision in one round of approval before sending. */
export type InternalApprovalTable = {
  envelope_id: string;
  round: number;
  approver_user_id: string;
  /** withdrawn: another approver of the round rejected first. */
  status: 'pending' | 'approved' | 'rejected' | 'withdrawn';
  requested_by: string;
  requested_at: string;
  decided_at: string | null;
  reason: string | null;
  /** JSON: document hashes reviewed, authentication, source IP. */
  evidence: string | null;
};

export type WorkflowTables = {
  contract_templates: TemplateTable;
  contract_template_documents: TemplateDocumentTable;
  contract_bulk_jobs: BulkJobTable;
  contract_bulk_rows: BulkRowTable;
  contract_reminder_settings: ReminderSettingsTable;
  contract_envelope_reminders: EnvelopeReminderTable;
  contract_reminders: ReminderTable;
  contract_internal_approvals: InternalApprovalTable;
};
