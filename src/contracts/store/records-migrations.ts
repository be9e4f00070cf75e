/**
 * Migration 0720: imported records, the correction and deletion log (append-only by trigger, as the
 * audit tables are), and per-user tenant permissions. Numbered apart from the workflow's 070x.
 */
import { type Kysely, sql } from 'kysely';
import type { DialectName, NamedMigrations } from '../../store/index.ts';

const REFUSAL = 'SHOMEI_RECORD_LOG_APPEND_ONLY';

async function appendOnly(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect === 'sqlite') {
    for (const op of ['update', 'delete']) {
      await sql
        .raw(
          `create trigger contract_record_log_no_${op} before ${op} on contract_record_log
           begin select raise(abort, '${REFUSAL}: the correction and deletion log cannot be changed'); end`,
        )
        .execute(db);
    }
    return;
  }
  await sql
    .raw(
      `create function shomei_contract_record_log_refuse() returns trigger language plpgsql as $$
       begin
         raise exception '${REFUSAL}: % on contract_record_log refused', tg_op;
       end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger contract_record_log_append_only before update or delete on contract_record_log
       for each row execute function shomei_contract_record_log_refuse()`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger contract_record_log_no_truncate before truncate on contract_record_log
       for each statement execute function shomei_contract_record_log_refuse()`,
    )
    .execute(db);
}

export const recordsMigrations = (dialect: DialectName): NamedMigrations => ({
  '0720_contracts_imports_corrections_permissions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('contract_imports')
        .addColumn('envelope_id', 'text', (c) => c.primaryKey().references('contract_envelopes.id'))
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('signature_status', 'text', (c) => c.notNull())
        .addColumn('signatures', 'integer', (c) => c.notNull())
        .addColumn('indication', 'text')
        .addColumn('validation_report', 'text')
        .addColumn('validation_error', 'text')
        .addColumn('parties', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('imported_by', 'text', (c) => c.notNull())
        .addColumn('imported_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('contract_record_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('envelope_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('changes', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // Log searches are by date range, record or user, always within a tenant, newest first.
      for (const [name, columns] of [
        ['contract_record_log_tenant_time', ['tenant_id', 'created_at', 'id']],
        ['contract_record_log_tenant_record', ['tenant_id', 'envelope_id', 'created_at']],
        ['contract_record_log_tenant_actor', ['tenant_id', 'actor_id', 'created_at']],
      ] as const) {
        await db.schema
          .createIndex(name)
          .on('contract_record_log')
          .columns([...columns])
          .execute();
      }
      await appendOnly(db, dialect);
      await db.schema
        .createTable('contract_tenant_permissions')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('permission', 'text', (c) => c.notNull())
        .addColumn('granted_by', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('contract_tenant_permissions_pk', ['tenant_id', 'user_id', 'permission'])
        .execute();
    },
  },
});
