/** Migrations of templates, bulk send, reminders and internal approval (0730 range, after the records migrations of 0720). */
import type { Kysely } from 'kysely';
import { binaryType, type DialectName, type NamedMigrations } from '../../store/index.ts';

export const workflowMigrations = (dialect: DialectName): NamedMigrations => ({
  '0730_contracts_templates': {
    async up(db: Kysely<unknown>) {
      const binary = binaryType(dialect);
      await db.schema
        .createTable('contract_templates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .execute();
      await db.schema
        .createIndex('contract_templates_tenant')
        .on('contract_templates')
        .columns(['tenant_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('contract_template_documents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('template_id', 'text', (c) => c.notNull().references('contract_templates.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('hsm_key_id', 'text')
        .addColumn('sealed_key', binary)
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('data', binary)
        .addColumn('blob_ref', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('contract_template_documents_template')
        .on('contract_template_documents')
        .column('template_id')
        .execute();
      // 甲/乙/丙: the party's label in the contract, shown in mails and the certificate of completion.
      await db.schema.alterTable('contract_parties').addColumn('label', 'text').execute();
    },
  },
  '0731_contracts_bulk_send': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('contract_bulk_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('template_id', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('created', 'integer', (c) => c.notNull())
        .addColumn('failed', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('contract_bulk_rows')
        .addColumn('job_id', 'text', (c) => c.notNull().references('contract_bulk_jobs.id'))
        .addColumn('row_index', 'integer', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('envelope_id', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addPrimaryKeyConstraint('contract_bulk_rows_pk', ['job_id', 'row_index'])
        .execute();
    },
  },
  '0732_contracts_reminders': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('contract_reminder_settings')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('interval_days', 'integer', (c) => c.notNull())
        .addColumn('max_reminders', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('contract_envelope_reminders')
        .addColumn('envelope_id', 'text', (c) => c.primaryKey().references('contract_envelopes.id'))
        .addColumn('interval_days', 'integer', (c) => c.notNull())
        .addColumn('max_reminders', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('contract_reminders')
        .addColumn('party_id', 'text', (c) => c.notNull().references('contract_parties.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('sequence', 'integer', (c) => c.notNull())
        .addColumn('envelope_id', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text', (c) => c.notNull())
        .addColumn('sent_by', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('contract_reminders_pk', ['party_id', 'kind', 'sequence'])
        .execute();
      await db.schema
        .createIndex('contract_reminders_envelope')
        .on('contract_reminders')
        .column('envelope_id')
        .execute();
    },
  },
  '0733_contracts_internal_approval': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('contract_internal_approvals')
        .addColumn('envelope_id', 'text', (c) => c.notNull().references('contract_envelopes.id'))
        .addColumn('round', 'integer', (c) => c.notNull())
        .addColumn('approver_user_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addColumn('reason', 'text')
        .addColumn('evidence', 'text')
        .addPrimaryKeyConstraint('contract_internal_approvals_pk', [
          'envelope_id',
          'round',
          'approver_user_id',
        ])
        .execute();
      await db.schema
        .createIndex('contract_internal_approvals_approver')
        .on('contract_internal_approvals')
        .columns(['approver_user_id', 'status'])
        .execute();
    },
  },
});
