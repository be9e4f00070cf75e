/** Tables of the contracts module (migrations 0700+). Times are ISO-8601 UTC text; dates are YYYY-MM-DD. */

export type EnvelopeStatus =
  | 'draft'
  | 'sent'
  | 'completing'
  | 'completed'
  | 'cancelled'
  | 'declined'
  | 'expired'
  /** Signed elsewhere or on paper and imported (imports.ts); never goes through the workflow. */
  | 'imported';
export type PartyRole = 'signer' | 'approver' | 'viewer';
export type SigningMode = 'signer-type' | 'witness-type';
export type PartyStatus = 'waiting' | 'signed' | 'approved' | 'declined' | 'removed';
export type DocumentStatus = 'active' | 'shredded';

export type EnvelopeTable = {
  id: string;
  tenant_id: string;
  title: string;
  counterparty: string;
  /** 取引年月日 (YYYY-MM-DD), for 電子帳簿保存法 search. */
  transaction_date: string | null;
  /** 取引金額 in the smallest unit of the currency (yen). */
  amount: number | string | null;
  currency: string;
  status: EnvelopeStatus;
  signing_order: 'sequential' | 'parallel';
  message: string | null;
  expires_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  completed_at: string | null;
  closed_reason: string | null;
  retention_until: string | null;
  legal_hold: number;
  /** title and counterparty in NFKC, lower case (search-columns.ts); null only in rows older code wrote. */
  search_title: string | null;
  search_counterparty: string | null;
};

export type PartyTable = {
  id: string;
  envelope_id: string;
  position: number;
  role: PartyRole;
  signing_mode: SigningMode | null;
  user_id: string | null;
  email: string;
  company: string | null;
  title: string | null;
  name: string;
  status: PartyStatus;
  /** scrypt hash of the access code sent separately; null for account holders. */
  access_code_hash: string | null;
  /** SHA-256 of the single-use link token. */
  link_token_hash: string | null;
  link_expires_at: string | null;
  link_used_at: string | null;
  /** SHA-256 of the short-lived party session issued when the link and access code were accepted. */
  party_session_hash: string | null;
  party_session_expires_at: string | null;
  failed_attempts: number;
  credential_id: string | null;
  /** Where the seal goes: JSON {page, rect}. */
  placement: string | null;
  acted_at: string | null;
  /** JSON evidence: confirmation text, authentication method, source IP, document hashes. */
  evidence: string | null;
  decline_reason: string | null;
  /** 甲/乙/丙 …: the party's label in the contract (migration 0730; optional on insert). */
  label?: string | null | undefined;
  /** The tenant of an account-holding party (migration 0740; optional on insert): its company lists the envelope. */
  tenant_id?: string | null | undefined;
};

export type DocumentTable = {
  id: string;
  envelope_id: string;
  position: number;
  name: string;
  /** The HSM data-encryption key that seals this document's content key (one per document). */
  hsm_key_id: string | null;
  /** The content key, sealed by the HSM key (AES-GCM in the token); null once shredded. */
  sealed_key: Uint8Array | null;
  current_version: number;
  original_sha256: string;
  status: DocumentStatus;
  created_at: string;
  shredded_at: string | null;
};

export type DocumentVersionTable = {
  document_id: string;
  version: number;
  /** original, signature, approval, completion, archive-renewal */
  kind: string;
  sha256: string;
  size: number;
  /** Ciphertext (PostgreSQL); null when the blob is a file under the data directory (SQLite). */
  data: Uint8Array | null;
  /** File name under the blob directory (SQLite); unique per write so a losing race never removes the winner's file. */
  blob_ref: string | null;
  created_at: string;
};

export type TenantSettingsTable = {
  tenant_id: string;
  retention_years: number;
  updated_at: string;
};

/** A tenant's allowed signing modes, comma-separated (migration 0741); no row: both. */
export type TenantSigningPolicyTable = {
  tenant_id: string;
  allowed_modes: string;
  updated_at: string;
};

export type ApiKeyTable = {
  id: string;
  tenant_id: string;
  /** SHA-256 of the secret part. */
  secret_hash: string;
  scopes: string;
  acting_user_id: string;
  created_at: string;
  revoked_at: string | null;
};

export type WebhookTable = {
  id: string;
  tenant_id: string;
  url: string;
  /** Sealed HMAC secret (HSM data-encryption key of the module). */
  secret_sealed: Uint8Array;
  created_at: string;
  disabled_at: string | null;
};

export type WebhookDeliveryTable = {
  id: string;
  webhook_id: string;
  event: string;
  payload: string;
  attempts: number;
  next_attempt_at: string;
  delivered_at: string | null;
  last_error: string | null;
};

export type ContractsTables = {
  contract_envelopes: EnvelopeTable;
  contract_parties: PartyTable;
  contract_documents: DocumentTable;
  contract_document_versions: DocumentVersionTable;
  contract_tenant_settings: TenantSettingsTable;
  contract_tenant_signing_policy: TenantSigningPolicyTable;
  contract_api_keys: ApiKeyTable;
  contract_webhooks: WebhookTable;
  contract_webhook_deliveries: WebhookDeliveryTable;
};
