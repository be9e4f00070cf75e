/**
 * 訂正削除の履歴 (電子帳簿保存法 真実性の確保): the search metadata of a stored record (title,
 * transaction date, amount, counterparty) is corrected only with a reason; each correction keeps
 * before/after, who, when and why, and each deletion (crypto-shred) is logged likewise. The log is
 * append-only: no code path updates or deletes it and database triggers refuse both. Each entry is
 * also appended to the hash-chained audit trail.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuditActor } from '../../audit/index.ts';
import type { ContractsContext } from '../context.ts';
import type { RecordLogEntry, RecordLogPage } from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import { type ContractActor, isoDate, MAX_AMOUNT, parseInput, text } from '../model/model.ts';
import { auditActorOf, loadEnvelope } from '../parties/access.ts';
import { hasPermission, recordsDb } from '../parties/permissions.ts';
import type { RecordLogTable } from '../store/records-tables.ts';
import { searchForm } from '../store/search-columns.ts';
import type { EnvelopeTable } from '../store/tables.ts';

export const CORRECTABLE_FIELDS = ['title', 'counterparty', 'transactionDate', 'amount'] as const;
export type CorrectableField = (typeof CORRECTABLE_FIELDS)[number];
type FieldValue = string | number | null;

export const correctionSchema = z
  .object({
    recordId: z.string().min(1).max(100),
    reason: text(1000),
    changes: z
      .object({
        title: text(200).optional(),
        counterparty: text(200).optional(),
        transactionDate: isoDate.nullable().optional(),
        amount: z.number().int().min(0).max(MAX_AMOUNT).nullable().optional(),
      })
      .strict(),
  })
  .strict();

const COLUMN: Record<CorrectableField, 'title' | 'counterparty' | 'transaction_date' | 'amount'> = {
  title: 'title',
  counterparty: 'counterparty',
  transactionDate: 'transaction_date',
  amount: 'amount',
};

export type { RecordLogEntry };

function currentValue(envelope: EnvelopeTable, field: CorrectableField): FieldValue {
  const value = envelope[COLUMN[field]];
  if (field === 'amount') return value === null ? null : Number(value);
  return value as FieldValue;
}

function toEntry(row: RecordLogTable): RecordLogEntry {
  return {
    id: row.id,
    recordId: row.envelope_id,
    kind: row.kind,
    changes: JSON.parse(row.changes) as Record<string, unknown>,
    reason: row.reason,
    actor: { kind: row.actor_kind, id: row.actor_id },
    at: row.created_at,
  };
}

/**
 * Who may correct: the sender or importer, or a tenant administrator — or an envelopes:write key
 * acting as one of them (a key never does more than its creator).
 */
async function mayCorrect(
  ctx: ContractsContext,
  actor: ContractActor,
  envelope: EnvelopeTable,
): Promise<boolean> {
  if (actor.kind === 'party' || envelope.tenant_id !== actor.tenantId) return false;
  if (actor.kind === 'api-key' && !actor.scopes.includes('envelopes:write')) return false;
  if (envelope.created_by === actor.userId) return true;
  return hasPermission(ctx.db, actor.tenantId, actor.userId, ['tenant.admin']);
}

/**
 * Corrects metadata with a reason. The envelope row and the log entry change in one transaction,
 * and only if the values are still those read (a concurrent correction gets a conflict).
 */
export async function correctRecord(
  ctx: ContractsContext,
  actor: ContractActor,
  raw: unknown,
): Promise<RecordLogEntry> {
  const input = parseInput(correctionSchema, raw);
  const { envelope } = await loadEnvelope(ctx, actor, input.recordId, 'read');
  if (!(await mayCorrect(ctx, actor, envelope))) throw contractErrors.forbidden();
  const changes: Record<string, { before: FieldValue; after: FieldValue }> = {};
  for (const field of CORRECTABLE_FIELDS) {
    const after = input.changes[field];
    if (after === undefined) continue;
    const before = currentValue(envelope, field);
    if (before !== after) changes[field] = { before, after };
  }
  if (Object.keys(changes).length === 0) {
    throw contractErrors.invalid('changes', 'at least one field with a new value');
  }
  const now = ctx.clock().toISOString();
  const by = auditActorOf(actor);
  const row: RecordLogTable = {
    id: randomUUID(),
    tenant_id: envelope.tenant_id,
    envelope_id: envelope.id,
    kind: 'correction',
    changes: JSON.stringify(changes),
    reason: input.reason,
    actor_kind: by.kind,
    actor_id: by.id,
    created_at: now,
  };
  await recordsDb(ctx.db)
    .transaction()
    .execute(async (trx) => {
      let update = trx
        .updateTable('contract_envelopes')
        .set({ updated_at: now })
        .where('id', '=', envelope.id);
      for (const [field, change] of Object.entries(changes)) {
        const column = COLUMN[field as CorrectableField];
        update = update.set({ [column]: change.after });
        // The search spelling follows the corrected value (search-columns.ts).
        if (column === 'title' || column === 'counterparty')
          update = update.set({ [`search_${column}`]: searchForm(String(change.after)) });
        update =
          change.before === null
            ? update.where(column, 'is', null)
            : update.where(column, '=', change.before);
      }
      const changed = await update.executeTakeFirst();
      if (Number(changed.numUpdatedRows) !== 1) throw contractErrors.conflict();
      await trx.insertInto('contract_record_log').values(row).execute();
    });
  await ctx.audit.append({
    type: 'contracts.record.correct',
    actor: by,
    subject: { kind: 'envelope', id: envelope.id },
    outcome: 'success',
    source: actor.source,
    details: { logId: row.id, changes, reason: input.reason.slice(0, 200) },
  });
  return toEntry(row);
}

/** Called by every crypto-shred of a record (on request or when retention ended). */
export async function logDeletion(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
  by: AuditActor,
  reason: string,
  documents: number,
): Promise<void> {
  const row: RecordLogTable = {
    id: randomUUID(),
    tenant_id: envelope.tenant_id,
    envelope_id: envelope.id,
    kind: 'deletion',
    changes: JSON.stringify({ documents, status: envelope.status }),
    reason: reason.slice(0, 1000) || '(no reason)',
    actor_kind: by.kind,
    actor_id: by.id,
    created_at: ctx.clock().toISOString(),
  };
  await recordsDb(ctx.db).insertInto('contract_record_log').values(row).execute();
  await ctx.audit.append({
    type: 'contracts.record.delete-logged',
    actor: by,
    subject: { kind: 'envelope', id: envelope.id },
    outcome: 'success',
    details: { logId: row.id, documents, reason: row.reason.slice(0, 200) },
  });
}

const when = z.union([isoDate, z.iso.datetime({ offset: true })]);

export const logSearchSchema = z
  .object({
    /** Inclusive; a date means its start (UTC). */
    from: when.optional(),
    /** A date includes the whole day; a date-time is exclusive. */
    to: when.optional(),
    recordId: z.string().min(1).max(100).optional(),
    userId: z.string().min(1).max(120).optional(),
    kind: z.enum(['correction', 'deletion']).optional(),
    /** Auditors only: another tenant than their own. */
    tenantId: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export type { RecordLogPage };

function bound(value: string, end: boolean): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(value).toISOString();
  const day = new Date(`${value}T00:00:00Z`);
  if (end) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString();
}

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && typeof id === 'string' && at.length < 40 && id.length < 100)
      return { at, id };
  } catch {
    // fall through
  }
  throw contractErrors.invalid('cursor', 'not a cursor from a previous page');
}

/**
 * Searches the log of a tenant, newest first, by date range, record and user. Readers: the tenant's
 * administrators and holders of corrections.read; installation auditors (system_auditor) for any tenant.
 */
export async function searchRecordLog(
  ctx: ContractsContext,
  actor: ContractActor,
  raw: unknown,
): Promise<RecordLogPage> {
  const filter = parseInput(logSearchSchema, raw);
  if (actor.kind !== 'user') throw contractErrors.forbidden();
  const auditor = ctx.isAuditor !== undefined && (await ctx.isAuditor(actor.userId));
  const tenantId = filter.tenantId ?? actor.tenantId;
  if (!auditor) {
    if (tenantId !== actor.tenantId) throw contractErrors.forbidden();
    if (!(await hasPermission(ctx.db, tenantId, actor.userId, ['tenant.admin', 'corrections.read']))) {
      throw contractErrors.forbidden();
    }
  }
  let query = recordsDb(ctx.db)
    .selectFrom('contract_record_log')
    .selectAll()
    .where('tenant_id', '=', tenantId);
  if (filter.from !== undefined) query = query.where('created_at', '>=', bound(filter.from, false));
  if (filter.to !== undefined) query = query.where('created_at', '<', bound(filter.to, true));
  if (filter.recordId !== undefined) query = query.where('envelope_id', '=', filter.recordId);
  if (filter.userId !== undefined) query = query.where('actor_id', '=', filter.userId);
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.cursor !== undefined) {
    const after = decodeCursor(filter.cursor);
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', after.at),
        eb.and([eb('created_at', '=', after.at), eb('id', '<', after.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  await ctx.audit.append({
    type: 'contracts.record-log.search',
    actor: auditActorOf(actor),
    outcome: 'success',
    details: { tenantId, results: page.length, asAuditor: auditor },
  });
  return {
    items: page.map(toEntry),
    nextCursor:
      rows.length > filter.limit && last !== undefined
        ? Buffer.from(JSON.stringify([last.created_at, last.id]), 'utf8').toString('base64url')
        : null,
  };
}
