/** Tables owned by the identity module (times are ISO-8601 UTC text; booleans are 0/1 integers). */

export interface TenantTable {
  id: string;
  slug: string;
  name: string;
  second_factor: string;
  /** Comma-separated SecondFactorKind values. */
  allowed_second_factors: string;
  created_at: string;
}

export interface UserTable {
  id: string;
  tenant_id: string;
  /** Lower-cased; unique across the installation. */
  email: string;
  display_name: string;
  family_name: string;
  given_name: string;
  family_name_kana: string | null;
  given_name_kana: string | null;
  organisation_name: string | null;
  department: string | null;
  title: string | null;
  status: string;
  status_reason: string | null;
  created_at: string;
  activated_at: string | null;
  last_login_at: string | null;
  suspended_at: string | null;
  closed_at: string | null;
  failed_attempts: number;
  /** Set while locked; `locked_until` null with `locked_at` set means until an administrator unlocks. */
  locked_at: string | null;
  locked_until: string | null;
}

export interface PasswordTable {
  user_id: string;
  /** PHC string of the argon2id hash (it carries salt and parameters). */
  hash: string;
  /** The parameters used, also as JSON, so a change of policy finds hashes to upgrade. */
  parameters: string;
  set_at: string;
}

export interface ActivationTokenTable {
  token_hash: string;
  user_id: string;
  purpose: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface ApplicationTable {
  id: string;
  status: string;
  submitted_at: string;
  requested_tenant_slug: string | null;
  organisation_name: string;
  user_email: string;
  user_display_name: string;
  user_family_name: string;
  user_given_name: string;
  user_family_name_kana: string | null;
  user_given_name_kana: string | null;
  user_department: string | null;
  user_title: string | null;
  /** JSON of the delegation claimed by an applicant acting for the user (null when the user applies). */
  delegation: string | null;
  decided_at: string | null;
  decided_by: string | null;
  decision_reason: string | null;
  identity_check_method: string | null;
  identity_check_reference: string | null;
  tenant_id: string | null;
  user_id: string | null;
}

export interface DelegationTable {
  id: string;
  user_id: string;
  application_id: string;
  delegate_name: string;
  delegate_email: string;
  relationship: string;
  scope: string;
  evidence_reference: string;
  verified_by: string;
  verified_at: string;
  revoked_at: string | null;
}

export interface TotpTable {
  user_id: string;
  /** The HSM data-encryption key that sealed the seed. */
  key_id: string;
  sealed_seed: Uint8Array;
  status: string;
  /** Highest RFC 6238 time step accepted; codes at or below it are refused (replay). */
  last_time_step: number | null;
  created_at: string;
  confirmed_at: string | null;
}

export interface RecoveryCodeTable {
  code_hash: string;
  user_id: string;
  created_at: string;
  used_at: string | null;
}

export interface PasskeyTable {
  /** base64url credential id */
  id: string;
  user_id: string;
  public_key: Uint8Array;
  counter: number;
  transports: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface SessionTable {
  id: string;
  token_hash: string;
  user_id: string;
  tenant_id: string;
  stage: string;
  assurance: string;
  /** JSON array of AuthenticationMethod */
  methods: string;
  created_at: string;
  authenticated_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoke_reason: string | null;
  source: string | null;
  user_agent: string | null;
  /** JSON FederatedAssertion */
  federation: string | null;
  challenge: string | null;
  challenge_purpose: string | null;
  challenge_expires_at: string | null;
}

export interface SourceFailureTable {
  source: string;
  window_started_at: string;
  failures: number;
}

export interface FederatedLinkTable {
  issuer: string;
  subject: string;
  user_id: string;
  created_at: string;
  last_login_at: string | null;
}

export interface OidcFlowTable {
  /** Hash of the browser-bound handle kept in a short-lived cookie. */
  id: string;
  state: string;
  nonce: string;
  code_verifier: string;
  created_at: string;
  expires_at: string;
}

export type IdentityTables = {
  identity_tenants: TenantTable;
  identity_users: UserTable;
  identity_passwords: PasswordTable;
  identity_activation_tokens: ActivationTokenTable;
  identity_applications: ApplicationTable;
  identity_delegations: DelegationTable;
  identity_totp: TotpTable;
  identity_recovery_codes: RecoveryCodeTable;
  identity_passkeys: PasskeyTable;
  identity_sessions: SessionTable;
  identity_source_failures: SourceFailureTable;
  identity_federated_links: FederatedLinkTable;
  identity_oidc_flows: OidcFlowTable;
};
