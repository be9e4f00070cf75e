/** Contracts migrations (0700 range); the same code runs on SQLite and PostgreSQL. */
import type { Kysely } from 'kysely';
import { binaryType, type DialectName, type NamedMigrations } from '../../store/index.ts';
import { bulkMigrations } from './bulk-migrations.ts';
import { partyMigrations } from './party-migrations.ts';
import { recordsMigrations } from './records-migrations.ts';
import { searchMigrations } from './search-migrations.ts';
import { workflowMigrations } from './workflow-migrations.ts';

export const contractsMigrations = (dialect: DialectName): NamedMigrations => ({
  '0700_contracts_envelopes': {
    async up(db: Kysely<unknown>) {
      const binary = binaryType(dialect);
      await db.schema
        .createTable('contract_envelopes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('counterparty', 'text', (c) => c.notNull())
        .addColumn('transaction_date', 'text')
        .addColumn('amount', 'bigint')
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('signing_order', 'text', (c) => c.notNull())
        .addColumn('message', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .addColumn('completed_at', 'text')
        .addColumn('closed_reason', 'text')
        .addColumn('retention_until', 'text')
        .addColumn('legal_hold', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // 電子帳簿保存法 search: every condition is scoped by tenant, so the tenant leads each index.
      for (const [name, columns] of [
        ['contract_envelopes_tenant_date', ['tenant_id', 'transaction_date']],
        ['contract_envelopes_tenant_amount', ['tenant_id', 'amount']],
        ['contract_envelopes_tenant_counterparty', ['tenant_id', 'counterparty']],
        ['contract_envelopes_tenant_status', ['tenant_id', 'status', 'created_at']],
        ['contract_envelopes_retention', ['retention_until']],
      ] as const) {
        await db.schema
          .createIndex(name)
          .on('contract_envelopes')
          .columns([...columns])
          .execute();
      }
      await db.schema
        .createTable('contract_parties')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('envelope_id', 'text', (c) => c.notNull().references('contract_envelopes.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('signing_mode', 'text')
        .addColumn('user_id', 'text')
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('company', 'text')
        .addColumn('title', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('access_code_hash', 'text')
        .addColumn('link_token_hash', 'text', (c) => c.unique())
        .addColumn('link_expires_at', 'text')
        .addColumn('link_used_at', 'text')
        .addColumn('party_session_hash', 'text', (c) => c.unique())
        .addColumn('party_session_expires_at', 'text')
        .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('credential_id', 'text')
        .addColumn('placement', 'text')
        .addColumn('acted_at', 'text')
        .addColumn('evidence', 'text')
        .addColumn('decline_reason', 'text')
        .execute();
      await db.schema
        .createIndex('contract_parties_envelope')
        .on('contract_parties')
        .column('envelope_id')
        .execute();
      await db.schema.createIndex('contract_parties_user').on('contract_parties').column('user_id').execute();
      await db.schema
        .createTable('contract_documents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('envelope_id', 'text', (c) => c.notNull().references('contract_envelopes.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('hsm_key_id', 'text')
        .addColumn('sealed_key', binary)
        .addColumn('current_version', 'integer', (c) => c.notNull())
        .addColumn('original_sha256', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('shredded_at', 'text')
        .execute();
      await db.schema
        .createIndex('contract_documents_envelope')
        .on('contract_documents')
        .column('envelope_id')
        .execute();
      await db.schema
        .createTable('contract_document_versions')
        .addColumn('document_id', 'text', (c) => c.notNull().references('contract_documents.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('data', binary)
        .addColumn('blob_ref', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('contract_document_versions_pk', ['document_id', 'version'])
        .execute();
      await db.schema
        .createTable('contract_tenant_settings')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('retention_years', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('contract_api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('acting_user_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('contract_webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret_sealed', binary, (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .execute();
      await db.schema
        .createTable('contract_webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('webhook_id', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('delivered_at', 'text')
        .addColumn('last_error', 'text')
        .execute();
      await db.schema
        .createIndex('contract_webhook_deliveries_due')
        .on('contract_webhook_deliveries')
        .columns(['delivered_at', 'next_attempt_at'])
        .execute();
    },
  },
  '0701_contracts_search_order': {
    async up(db: Kysely<unknown>) {
      // Search pages are ordered newest first within a tenant; this index serves that order directly.
      await db.schema
        .createIndex('contract_envelopes_tenant_created')
        .on('contract_envelopes')
        .columns(['tenant_id', 'created_at', 'id'])
        .execute();
      // A counterparty's envelopes, already in page order (the most common 電帳法 query).
      await db.schema
        .createIndex('contract_envelopes_tenant_counterparty_created')
        .on('contract_envelopes')
        .columns(['tenant_id', 'counterparty', 'created_at', 'id'])
        .execute();
    },
  },
  '0702_contracts_search_by_transaction_date': {
    async up(db: Kysely<unknown>) {
      // Pages ordered by transaction date (orderBy=transactionDate) walk this index without sorting.
      await db.schema
        .createIndex('contract_envelopes_tenant_date_id')
        .on('contract_envelopes')
        .columns(['tenant_id', 'transaction_date', 'id'])
        .execute();
    },
  },
  ...recordsMigrations(dialect),
  // Templates, bulk send, reminders and internal approval: 0730–0739.
  ...workflowMigrations(dialect),
  // Parties by person: the party's own tenant (0740–0749).
  ...partyMigrations(),
  // Bulk send as a queued job (0750–0759).
  ...bulkMigrations(dialect),
  // Search in either width: NFKC search columns (0760–0769).
  ...searchMigrations(),
});
