/**
 * Audit tables. The record tables accept INSERT only: triggers refuse UPDATE and DELETE on both
 * dialects (DELETE is let through only for ranges recorded in audit_prunes, the controlled pruning
 * path), and on PostgreSQL UPDATE/DELETE/TRUNCATE are also revoked from the owning role.
 */
import { type Kysely, sql } from 'kysely';
import { binaryType, type DialectName, type NamedMigrations } from '../store/index.ts';
import { GENESIS_HASH } from './chain.ts';

const REFUSAL = 'SHOMEI_AUDIT_APPEND_ONLY';

async function sqliteTriggers(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `create trigger audit_events_no_update before update on audit_events
       begin select raise(abort, '${REFUSAL}: audit records cannot be changed'); end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger audit_events_no_delete before delete on audit_events
       when old.seq > coalesce((select max(through_seq) from audit_prunes), 0)
       begin select raise(abort, '${REFUSAL}: audit records cannot be deleted outside a recorded prune'); end`,
    )
    .execute(db);
  for (const table of ['audit_checkpoints', 'audit_prunes']) {
    await sql
      .raw(
        `create trigger ${table}_no_update before update on ${table}
         begin select raise(abort, '${REFUSAL}: ${table} cannot be changed'); end`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger ${table}_no_delete before delete on ${table}
         begin select raise(abort, '${REFUSAL}: ${table} cannot be deleted'); end`,
      )
      .execute(db);
  }
}

async function postgresTriggers(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `create function shomei_audit_events_guard() returns trigger language plpgsql as $$
       begin
         if tg_op = 'DELETE' then
           if old.seq <= coalesce((select max(through_seq) from audit_prunes), 0) then
             return old;
           end if;
         end if;
         raise exception '${REFUSAL}: % on audit_events refused', tg_op;
       end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create function shomei_audit_refuse() returns trigger language plpgsql as $$
       begin
         raise exception '${REFUSAL}: % on % refused', tg_op, tg_table_name;
       end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger audit_events_append_only before update or delete on audit_events
       for each row execute function shomei_audit_events_guard()`,
    )
    .execute(db);
  for (const table of ['audit_events', 'audit_checkpoints', 'audit_prunes']) {
    if (table !== 'audit_events') {
      await sql
        .raw(
          `create trigger ${table}_append_only before update or delete on ${table}
           for each row execute function shomei_audit_refuse()`,
        )
        .execute(db);
    }
    await sql
      .raw(
        `create trigger ${table}_no_truncate before truncate on ${table}
         for each statement execute function shomei_audit_refuse()`,
      )
      .execute(db);
    // Also by privilege, where the role allows it (the owner may revoke from itself; a superuser
    // is unaffected). Pruning grants DELETE back inside its own transaction.
    await sql.raw(`revoke update, delete, truncate on ${table} from public`).execute(db);
    await sql.raw(`revoke update, delete, truncate on ${table} from current_user`).execute(db);
  }
}

export const auditMigrations = (dialect: DialectName): NamedMigrations => ({
  '0400_audit_chain': {
    async up(db: Kysely<unknown>) {
      const bin = binaryType(dialect);
      await db.schema
        .createTable('audit_events')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull().unique())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_tenant_id', 'text')
        .addColumn('subject_kind', 'text')
        .addColumn('subject_id', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('source', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_time').on('audit_events').column('recorded_at').execute();
      await db.schema
        .createIndex('audit_events_actor')
        .on('audit_events')
        .columns(['actor_id', 'type', 'recorded_at'])
        .execute();
      await db.schema
        .createIndex('audit_events_type')
        .on('audit_events')
        .columns(['type', 'recorded_at'])
        .execute();
      await db.schema
        .createIndex('audit_events_subject')
        .on('audit_events')
        .columns(['subject_id', 'type'])
        .execute();
      await db.schema
        .createTable('audit_chain_head')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .addColumn('last_hash', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into audit_chain_head (id, last_seq, last_hash) values ('head', 0, ${GENESIS_HASH})`.execute(
        db,
      );
      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('through_seq', 'bigint', (c) => c.notNull())
        .addColumn('head_hash', 'text', (c) => c.notNull())
        .addColumn('signed_at', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('public_key', bin, (c) => c.notNull())
        .addColumn('signature', bin, (c) => c.notNull())
        .addColumn('timestamp_token', bin)
        .execute();
      await db.schema
        .createIndex('audit_checkpoints_seq')
        .on('audit_checkpoints')
        .columns(['through_seq', 'signed_at'])
        .execute();
      await db.schema
        .createTable('audit_exports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('from_seq', 'bigint', (c) => c.notNull())
        .addColumn('through_seq', 'bigint', (c) => c.notNull())
        .addColumn('archive_sha256', 'text', (c) => c.notNull())
        .addColumn('manifest_sha256', 'text', (c) => c.notNull())
        .addColumn('exported_at', 'text', (c) => c.notNull())
        .addColumn('exported_by', 'text', (c) => c.notNull())
        .addColumn('verified_at', 'text')
        .execute();
      await db.schema
        .createTable('audit_prunes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('through_seq', 'bigint', (c) => c.notNull())
        .addColumn('through_hash', 'text', (c) => c.notNull())
        .addColumn('checkpoint_id', 'text', (c) => c.notNull())
        .addColumn('export_id', 'text', (c) => c.notNull())
        .addColumn('pruned_at', 'text', (c) => c.notNull())
        .addColumn('pruned_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit_alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('raised_at', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('summary_ja', 'text', (c) => c.notNull())
        .addColumn('summary_en', 'text', (c) => c.notNull())
        .addColumn('event_ids', 'text', (c) => c.notNull())
        .addColumn('event_seqs', 'text', (c) => c.notNull())
        .addColumn('notified_at', 'text')
        .execute();
      await db.schema.createIndex('audit_alerts_raised').on('audit_alerts').column('raised_at').execute();
      await db.schema
        .createTable('audit_alert_cursor')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into audit_alert_cursor (id, last_seq) values ('alerts', 0)`.execute(db);
      if (dialect === 'sqlite') await sqliteTriggers(db);
      else await postgresTriggers(db);
    },
  },
});
