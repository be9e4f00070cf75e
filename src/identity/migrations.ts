/** Identity tables (range 0300). Plain types only so that SQLite and PostgreSQL take the same DDL. */
import type { Kysely } from 'kysely';
import { binaryType, type DialectName, type NamedMigrations } from '../store/index.ts';

export const identityMigrations = (dialect: DialectName): NamedMigrations => ({
  '0300_identity_accounts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('identity_tenants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('second_factor', 'text', (c) => c.notNull())
        .addColumn('allowed_second_factors', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('identity_users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('identity_tenants.id'))
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('family_name', 'text', (c) => c.notNull())
        .addColumn('given_name', 'text', (c) => c.notNull())
        .addColumn('family_name_kana', 'text')
        .addColumn('given_name_kana', 'text')
        .addColumn('organisation_name', 'text')
        .addColumn('department', 'text')
        .addColumn('title', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('activated_at', 'text')
        .addColumn('last_login_at', 'text')
        .addColumn('suspended_at', 'text')
        .addColumn('closed_at', 'text')
        .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_at', 'text')
        .addColumn('locked_until', 'text')
        .execute();
      await db.schema.createIndex('identity_users_tenant').on('identity_users').column('tenant_id').execute();
      await db.schema
        .createTable('identity_passwords')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('identity_users.id'))
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('set_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('identity_activation_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('identity_users.id'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createTable('identity_applications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('submitted_at', 'text', (c) => c.notNull())
        .addColumn('requested_tenant_slug', 'text')
        .addColumn('organisation_name', 'text', (c) => c.notNull())
        .addColumn('user_email', 'text', (c) => c.notNull())
        .addColumn('user_display_name', 'text', (c) => c.notNull())
        .addColumn('user_family_name', 'text', (c) => c.notNull())
        .addColumn('user_given_name', 'text', (c) => c.notNull())
        .addColumn('user_family_name_kana', 'text')
        .addColumn('user_given_name_kana', 'text')
        .addColumn('user_department', 'text')
        .addColumn('user_title', 'text')
        .addColumn('delegation', 'text')
        .addColumn('decided_at', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('decision_reason', 'text')
        .addColumn('identity_check_method', 'text')
        .addColumn('identity_check_reference', 'text')
        .addColumn('tenant_id', 'text')
        .addColumn('user_id', 'text')
        .execute();
      await db.schema
        .createIndex('identity_applications_status')
        .on('identity_applications')
        .columns(['status', 'submitted_at'])
        .execute();
      await db.schema
        .createTable('identity_delegations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('identity_users.id'))
        .addColumn('application_id', 'text', (c) => c.notNull())
        .addColumn('delegate_name', 'text', (c) => c.notNull())
        .addColumn('delegate_email', 'text', (c) => c.notNull())
        .addColumn('relationship', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('evidence_reference', 'text', (c) => c.notNull())
        .addColumn('verified_by', 'text', (c) => c.notNull())
        .addColumn('verified_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
    },
  },
  '0301_identity_authenticators': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('identity_totp')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('identity_users.id'))
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('sealed_seed', binaryType(dialect), (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('last_time_step', 'bigint')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('confirmed_at', 'text')
        .execute();
      await db.schema
        .createTable('identity_recovery_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('identity_users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createTable('identity_passkeys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('identity_users.id'))
        .addColumn('public_key', binaryType(dialect), (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .addColumn('transports', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createIndex('identity_passkeys_user')
        .on('identity_passkeys')
        .column('user_id')
        .execute();
    },
  },
  '0302_identity_sessions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('identity_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', 'text', (c) => c.notNull().references('identity_users.id'))
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('assurance', 'text', (c) => c.notNull())
        .addColumn('methods', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('authenticated_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revoke_reason', 'text')
        .addColumn('source', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('federation', 'text')
        .addColumn('challenge', 'text')
        .addColumn('challenge_purpose', 'text')
        .addColumn('challenge_expires_at', 'text')
        .execute();
      await db.schema
        .createIndex('identity_sessions_user')
        .on('identity_sessions')
        .column('user_id')
        .execute();
      await db.schema
        .createTable('identity_source_failures')
        .addColumn('source', 'text', (c) => c.primaryKey())
        .addColumn('window_started_at', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('identity_federated_links')
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('identity_users.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_login_at', 'text')
        .addPrimaryKeyConstraint('identity_federated_links_pk', ['issuer', 'subject'])
        .execute();
      await db.schema
        .createTable('identity_oidc_flows')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('code_verifier', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
});
