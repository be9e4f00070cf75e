import { type Kysely, sql } from 'kysely';
import type { DialectName, NamedMigrations } from '../store/index.ts';

export const adminMigrations = (dialect: DialectName): NamedMigrations => ({
  '0500_admin_roles': {
    async up(db: Kysely<unknown>) {
      void dialect;
      await db.schema
        .createTable('admin_role_grants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('privileged', 'integer', (c) => c.notNull())
        .addColumn('granted_at', 'text', (c) => c.notNull())
        .addColumn('granted_by', 'text', (c) => c.notNull())
        .addColumn('approval_id', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .execute();
      // The database itself refuses a second live privileged role for one person, even if two
      // approvals race past the check in code.
      await sql`create unique index admin_role_grants_one_privileged on admin_role_grants (user_id) where revoked_at is null and privileged = 1`.execute(
        db,
      );
      await sql`create unique index admin_role_grants_live on admin_role_grants (user_id, role) where revoked_at is null`.execute(
        db,
      );
      await db.schema
        .createTable('admin_training_records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('trainer', 'text', (c) => c.notNull())
        .addColumn('trained_on', 'text', (c) => c.notNull())
        .addColumn('recorded_by', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('admin_training_user')
        .on('admin_training_records')
        .columns(['user_id', 'trained_on'])
        .execute();
      await db.schema
        .createTable('admin_approval_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'text')
        .addColumn('outcome', 'text')
        .execute();
      await db.schema
        .createIndex('admin_approval_status')
        .on('admin_approval_requests')
        .columns(['status', 'requested_at'])
        .execute();
      await db.schema
        .createTable('admin_maintenance_terminals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('certificate_sha256', 'text', (c) => c.notNull())
        .addColumn('registered_at', 'text', (c) => c.notNull())
        .addColumn('registered_by', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await sql`create unique index admin_terminals_live on admin_maintenance_terminals (certificate_sha256) where revoked_at is null`.execute(
        db,
      );
    },
  },
  // Published policy documents (ADR 033): each version kept as published, never updated.
  '0530_admin_policies': {
    kind: 'expand',
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('admin_policy_versions')
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('effective_at', 'text', (c) => c.notNull())
        .addColumn('published_at', 'text', (c) => c.notNull())
        .addColumn('published_by', 'text', (c) => c.notNull())
        .addColumn('approval_id', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('markdown', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('admin_policy_versions_pk', ['document', 'version'])
        .execute();
      await db.schema
        .createTable('admin_policy_items')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('set_at', 'text', (c) => c.notNull())
        .addColumn('set_by', 'text', (c) => c.notNull())
        .execute();
    },
  },
  // Public notices of a key compromise or the service's end (PS 3.6.1, 3.7): inserted, never updated.
  '0545_admin_public_notices': {
    kind: 'expand',
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('admin_public_notices')
        .addColumn('reference', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('published_at', 'text', (c) => c.notNull())
        .addColumn('published_by', 'text', (c) => c.notNull())
        .addColumn('effective_at', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .execute();
    },
  },
  // Service termination (ADR 036): one row per finished step, so a resumed run skips what is done.
  '0550_admin_service_termination': {
    kind: 'expand',
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('admin_service_termination')
        .addColumn('step', 'text', (c) => c.primaryKey())
        .addColumn('done_at', 'text', (c) => c.notNull())
        .addColumn('done_by', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .execute();
    },
  },
});
