/** Migrations of the remote signature service; they run on SQLite and PostgreSQL alike. */
import type { Kysely } from 'kysely';
import { binaryType, type DialectName, type NamedMigrations } from '../store/index.ts';

export const rsspMigrations = (dialect: DialectName): NamedMigrations => ({
  '0600_rssp_credentials_and_sad': {
    async up(db: Kysely<unknown>) {
      const bin = binaryType(dialect);
      await db.schema
        .createTable('rssp_credentials')
        .addColumn('credential_id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text')
        .addColumn('description', 'text')
        .addColumn('key_id', 'text')
        .addColumn('key_algorithm', 'text', (c) => c.notNull())
        .addColumn('public_key', bin, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('scal', 'text', (c) => c.notNull())
        .addColumn('auth_mode', 'text', (c) => c.notNull())
        .addColumn('multisign', 'integer', (c) => c.notNull())
        .addColumn('allowed_clients', 'text')
        .addColumn('certificate', bin)
        .addColumn('certificate_chain', 'text')
        .addColumn('cert_serial', 'text')
        .addColumn('cert_issuer_dn', 'text')
        .addColumn('cert_subject_dn', 'text')
        .addColumn('cert_not_before', 'text')
        .addColumn('cert_not_after', 'text')
        .addColumn('certificate_request_id', 'text')
        .addColumn('pin_hash', 'text')
        .addColumn('otp_method', 'text')
        .addColumn('totp_seed_sealed', bin)
        .addColumn('last_totp_step', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('email', 'text')
        .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rssp_credentials_user').on('rssp_credentials').column('user_id').execute();

      await db.schema
        .createTable('rssp_sads')
        .addColumn('sad_hash', 'text', (c) => c.primaryKey())
        .addColumn('credential_id', 'text', (c) => c.notNull().references('rssp_credentials.credential_id'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text')
        .addColumn('num_signatures', 'integer', (c) => c.notNull())
        .addColumn('remaining', 'integer', (c) => c.notNull())
        .addColumn('hash_algorithm_oid', 'text')
        .addColumn('hash_bound', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('auth_method', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('transaction_expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('rssp_sad_hashes')
        .addColumn('sad_hash', 'text', (c) =>
          c.notNull().references('rssp_sads.sad_hash').onDelete('cascade'),
        )
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('consumed_at', 'text')
        .addPrimaryKeyConstraint('rssp_sad_hashes_pk', ['sad_hash', 'digest'])
        .execute();

      await db.schema
        .createTable('rssp_otp_challenges')
        .addColumn('challenge_id', 'text', (c) => c.primaryKey())
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('consumed_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('rssp_otp_challenges_credential')
        .on('rssp_otp_challenges')
        .column('credential_id')
        .execute();

      await db.schema
        .createTable('rssp_client_systems')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('tls_certificate_sha256', 'text')
        .addColumn('tenant_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('rssp_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('client_id', 'text')
        .addColumn('tenant_id', 'text')
        .addColumn('credential_id', 'text')
        .addColumn('grant_id', 'text', (c) => c.notNull())
        .addColumn('auth_method', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rssp_tokens_grant').on('rssp_tokens').column('grant_id').execute();

      await db.schema
        .createTable('rssp_authorization_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text')
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('code_challenge', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('credential_id', 'text')
        .addColumn('num_signatures', 'integer')
        .addColumn('hash_algorithm_oid', 'text')
        .addColumn('hashes', 'text')
        .addColumn('authorization_details', 'text')
        .addColumn('auth_method', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('consumed_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('rssp_request_nonces')
        .addColumn('nonce', 'text', (c) => c.primaryKey())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0601_rssp_certificate_request': {
    async up(db: Kysely<unknown>) {
      // The CSR is kept so that the RA can certify the key later (RA-approval mode).
      await db.schema
        .alterTable('rssp_credentials')
        .addColumn('certificate_request', binaryType(dialect))
        .execute();
    },
  },
  '0602_rssp_pushed_authorization_requests': {
    async up(db: Kysely<unknown>) {
      // PAR (RFC 9126): authorization parameters sent by the client beforehand, referenced by request_uri.
      await db.schema
        .createTable('rssp_pushed_requests')
        .addColumn('request_uri_hash', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('consumed_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0603_rssp_asynchronous_operations': {
    async up(db: Kysely<unknown>) {
      // operationMode "A" results (signatures/signPolling) and decoupled authorisations
      // (credentials/authorizeCheck); both keyed by the hash of the identifier handed to the client.
      await db.schema
        .createTable('rssp_async_results')
        .addColumn('response_hash', 'text', (c) => c.primaryKey())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .execute();
      await db.schema
        .createIndex('rssp_async_results_expiry')
        .on('rssp_async_results')
        .column('expires_at')
        .execute();
      await db.schema
        .createTable('rssp_pending_authorizations')
        .addColumn('handle_hash', 'text', (c) => c.primaryKey())
        .addColumn('approval_id', 'text', (c) => c.notNull().unique())
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text')
        .addColumn('num_signatures', 'integer', (c) => c.notNull())
        .addColumn('hashes', 'text')
        .addColumn('hash_algorithm_oid', 'text')
        .addColumn('description', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('auth_method', 'text')
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .execute();
      await db.schema
        .createIndex('rssp_pending_authorizations_credential')
        .on('rssp_pending_authorizations')
        .column('credential_id')
        .execute();
    },
  },
  '0610_rssp_credential_applications': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rssp_credential_applications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text')
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('submitted_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('identity_check_method', 'text')
        .addColumn('identity_check_reference', 'text')
        .addColumn('decision_reason', 'text')
        .execute();
      await db.schema
        .createIndex('rssp_credential_applications_user')
        .on('rssp_credential_applications')
        .columns(['user_id', 'status'])
        .execute();
    },
  },
  '0611_rssp_renewal_and_signing_factor': {
    kind: 'expand',
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('rssp_credential_applications')
        .addColumn('renews_credential_id', 'text')
        .execute();
      await db.schema
        .createTable('rssp_tenant_signing')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('signing_factor', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('rssp_credential_expiry_notices')
        .addColumn('credential_id', 'text', (c) => c.notNull())
        .addColumn('cert_serial', 'text', (c) => c.notNull())
        .addColumn('threshold_days', 'integer', (c) => c.notNull())
        .addColumn('sent_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('rssp_credential_expiry_notices_pk', ['cert_serial', 'threshold_days'])
        .execute();
    },
  },
});
