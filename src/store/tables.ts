/** Tables owned by the foundation. Other modules declare theirs beside their code. */

export interface InstallationTable {
  id: string;
  environment: string;
  token_label: string;
  created_at: string;
  /** Random marker also stored in the token and in backups, so an instance refuses foreign parts. */
  installation_id: string;
}

export interface KeyRecordTable {
  key_id: string;
  label: string;
  kind: string;
  algorithm: string;
  /** Why the key exists: provider-seal, ca-root, tsa, user-signing, wrapping, data-encryption, … */
  purpose: string;
  /** Hex SHA-256 of the SubjectPublicKeyInfo (null for secret keys). */
  public_key_sha256: string | null;
  status: 'active' | 'destroyed';
  created_at: string;
  destroyed_at: string | null;
  destroy_reason: string | null;
}

export interface FoundationTables {
  installation: InstallationTable;
  key_records: KeyRecordTable;
}
