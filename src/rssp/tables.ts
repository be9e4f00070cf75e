/** Tables of the remote signature service (migration range 0600). Times are ISO-8601 UTC text. */

export type CredentialStatus = 'pending-certificate' | 'active' | 'suspended' | 'revoked' | 'ended';
export type CredentialAuthMode = 'explicit' | 'oauth2code';
export type OtpMethod = 'totp' | 'email';

export type CredentialTable = {
  credential_id: string;
  user_id: string;
  tenant_id: string | null;
  description: string | null;
  /** CKA_ID of the key in the HSM; null once the key is destroyed. */
  key_id: string | null;
  key_algorithm: string;
  /** SubjectPublicKeyInfo (DER) of the HSM key, kept after destruction for the record. */
  public_key: Uint8Array;
  status: CredentialStatus;
  scal: '1' | '2';
  auth_mode: CredentialAuthMode;
  multisign: number;
  /** Client systems allowed to use the credential (JSON array of client ids); null: any registered one. */
  allowed_clients: string | null;
  certificate: Uint8Array | null;
  /** JSON array of Base64 DER certificates from the issuer upwards. */
  certificate_chain: string | null;
  cert_serial: string | null;
  cert_issuer_dn: string | null;
  cert_subject_dn: string | null;
  cert_not_before: string | null;
  cert_not_after: string | null;
  certificate_request_id: string | null;
  /** PKCS#10 (DER) signed by the HSM key, for the RA. */
  certificate_request: Uint8Array | null;
  pin_hash: string | null;
  otp_method: OtpMethod | null;
  /** TOTP seed encrypted under the service's data-encryption key in the HSM. */
  totp_seed_sealed: Uint8Array | null;
  /** Highest TOTP time step accepted so far: a code is never accepted twice. */
  last_totp_step: number;
  email: string | null;
  failed_attempts: number;
  locked_at: string | null;
  created_at: string;
  updated_at: string;
};

export type SadTable = {
  /** SHA-256 (hex) of the SAD; the SAD itself is never stored. */
  sad_hash: string;
  credential_id: string;
  user_id: string;
  client_id: string | null;
  num_signatures: number;
  remaining: number;
  hash_algorithm_oid: string | null;
  /** 1 when the SAD is bound to the hashes in rssp_sad_hashes (SCAL2). */
  hash_bound: number;
  status: 'active' | 'replaced';
  auth_method: string;
  expires_at: string;
  transaction_expires_at: string;
  created_at: string;
};

export type SadHashTable = {
  sad_hash: string;
  /** Lower-case hex of the decoded digest bytes. */
  digest: string;
  consumed_at: string | null;
};

export type OtpChallengeTable = {
  challenge_id: string;
  credential_id: string;
  code_hash: string;
  expires_at: string;
  consumed_at: string | null;
  created_at: string;
};

export type ClientSystemTable = {
  client_id: string;
  name: string;
  secret_hash: string;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  /** SHA-256 (hex) of the client's TLS certificate, when it is bound to one (mutual TLS). */
  tls_certificate_sha256: string | null;
  tenant_id: string | null;
  status: 'active' | 'disabled';
  created_at: string;
};

export type TokenScope = 'service' | 'credential';

export type TokenTable = {
  token_hash: string;
  kind: 'access' | 'refresh';
  scope: TokenScope;
  user_id: string | null;
  client_id: string | null;
  tenant_id: string | null;
  credential_id: string | null;
  /** Tokens issued from one grant share it, so that revoking a refresh token revokes its access tokens. */
  grant_id: string;
  auth_method: string;
  expires_at: string;
  revoked_at: string | null;
  created_at: string;
};

export type AuthorizationCodeTable = {
  code_hash: string;
  client_id: string;
  user_id: string;
  tenant_id: string | null;
  redirect_uri: string;
  code_challenge: string;
  scope: TokenScope;
  credential_id: string | null;
  num_signatures: number | null;
  hash_algorithm_oid: string | null;
  /** JSON array of hex digests. */
  hashes: string | null;
  authorization_details: string | null;
  auth_method: string;
  expires_at: string;
  consumed_at: string | null;
  created_at: string;
};

export type RequestNonceTable = {
  nonce: string;
  actor_id: string;
  created_at: string;
};

export type PushedRequestTable = {
  request_uri_hash: string;
  client_id: string;
  /** JSON object of the authorization parameters (already validated once). */
  parameters: string;
  expires_at: string;
  consumed_at: string | null;
  created_at: string;
};

/** The outcome of a signHash/signDoc with operationMode "A", kept until polled once or expired. */
export type AsyncResultTable = {
  /** SHA-256 (hex) of the responseID; the responseID itself is never stored. */
  response_hash: string;
  method: 'signatures/signHash' | 'signatures/signDoc';
  credential_id: string;
  user_id: string;
  client_id: string | null;
  status: 'pending' | 'done' | 'failed' | 'retrieved';
  /** JSON of the response body (done) or of {error, error_description, status} (failed); null once retrieved. */
  result: string | null;
  expires_at: string;
  created_at: string;
  completed_at: string | null;
};

/** A decoupled credentials/authorize waiting for the user's approval (PIN + one-time code in shomei). */
export type PendingAuthorizationTable = {
  /** SHA-256 (hex) of the handle given to the SCA. */
  handle_hash: string;
  /** What the user sees and approves; not a secret, useless without the user's login, PIN and code. */
  approval_id: string;
  credential_id: string;
  user_id: string;
  client_id: string | null;
  num_signatures: number;
  /** JSON array of hex digests, or null (SCAL1 without hashes). */
  hashes: string | null;
  hash_algorithm_oid: string | null;
  description: string | null;
  status: 'pending' | 'approved' | 'rejected' | 'retrieved';
  auth_method: string | null;
  expires_at: string;
  created_at: string;
  decided_at: string | null;
};

export type RsspTables = {
  rssp_credentials: CredentialTable;
  rssp_sads: SadTable;
  rssp_sad_hashes: SadHashTable;
  rssp_otp_challenges: OtpChallengeTable;
  rssp_client_systems: ClientSystemTable;
  rssp_tokens: TokenTable;
  rssp_authorization_codes: AuthorizationCodeTable;
  rssp_request_nonces: RequestNonceTable;
  rssp_pushed_requests: PushedRequestTable;
  rssp_async_results: AsyncResultTable;
  rssp_pending_authorizations: PendingAuthorizationTable;
  rssp_credential_applications: CredentialApplicationTable;
  rssp_tenant_signing: TenantSigningTable;
  rssp_credential_expiry_notices: CredentialExpiryNoticeTable;
};

/** A self-service application for a signing credential, waiting for the RA's identity check. */
export type CredentialApplicationTable = {
  id: string;
  credential_id: string;
  user_id: string;
  tenant_id: string | null;
  subject: string;
  algorithm: string;
  status: 'pending' | 'approved' | 'rejected';
  submitted_at: string;
  decided_at: string | null;
  decided_by: string | null;
  identity_check_method: string | null;
  identity_check_reference: string | null;
  decision_reason: string | null;
  /** A renewal (JT2A appendix 4): the credential this one replaces once approved; null for a first application. */
  renews_credential_id: string | null;
};

/** Which second factor activates signing for a tenant's credentials (migration 0611). */
export type SigningFactor = 'credential-otp' | 'login-totp';

export type TenantSigningTable = {
  tenant_id: string;
  signing_factor: SigningFactor;
  updated_at: string;
};

/** One row per certificate and notice threshold: the claim that makes each expiry mail go once. */
export type CredentialExpiryNoticeTable = {
  credential_id: string;
  cert_serial: string;
  threshold_days: number;
  sent_at: string;
};
