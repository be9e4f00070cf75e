/** Tables of the CA module (migrations 0100+). Times are ISO-8601 UTC text. */

export interface CaAuthorityTable {
  /** 'root' | 'issuing' */
  name: string;
  key_id: string;
  certificate: Uint8Array;
  serial_number: string;
  subject: string;
  /** Last CRL number used; incremented atomically for each new CRL. */
  crl_number: number;
  /** The delegated OCSP responder for certificates this authority issued (null for the root). */
  ocsp_key_id: string | null;
  ocsp_certificate: Uint8Array | null;
  created_at: string;
  /** The last CRL, signed before the authority's key was destroyed after a compromise (ADR 035). */
  final_crl: Uint8Array | null;
  /** The last regular CRL (DER), its CRL number, the revocations it lists (stamp) and when it was signed (ADR 049). */
  last_crl: Uint8Array | null;
  last_crl_number: number | null;
  last_crl_stamp: string | null;
  last_crl_produced_at: string | null;
}

export interface CaCertificateTable {
  serial_number: string;
  issuer: string;
  profile: string;
  subject: string;
  certificate: Uint8Array;
  public_key_sha256: string;
  key_id: string | null;
  not_before: string;
  not_after: string;
  status: 'valid' | 'revoked';
  revoked_at: string | null;
  revocation_reason: string | null;
  application_id: string | null;
  issued_at: string;
}

export interface CaApplicationTable {
  id: string;
  status: 'pending' | 'approved' | 'rejected';
  profile: string;
  /** JSON: NameAttribute[] */
  subject: string;
  /** JSON: SubjectAltNames */
  alt_names: string;
  /** JSON: ApplicationParty */
  applicant: string;
  identity_check_method: string;
  identity_check_reference: string;
  /** JSON: Delegation, or null */
  delegation: string | null;
  csr: Uint8Array;
  public_key_sha256: string;
  submitted_at: string;
  submitted_by: string;
  decided_at: string | null;
  decided_by: string | null;
  decision_reason: string | null;
  certificate_serial: string | null;
}

export type CaTables = {
  ca_authorities: CaAuthorityTable;
  ca_certificates: CaCertificateTable;
  ca_applications: CaApplicationTable;
};
