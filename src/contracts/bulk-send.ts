/**
 * Bulk send (一括送信): one template to many counterparties in one request. Each row fills the
 * template's open slot (the one outside party) and becomes its own envelope, which is sent at once —
 * or, when the template names internal approvers, waits for their approval. Rows are validated and
 * made one by one: a bad row is reported with its typed error and leaves nothing behind; the job is
 * stored first and every row's outcome as it is known, and one aggregate audit record sums it up.
 * The job is read back only by its creator and tenant administrators.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isShomeiError } from '../errors/index.ts';
import { auditActorOf } from './access.ts';
import type { ContractsContext } from './context.ts';
import { type SendResult, sendEnvelope } from './envelopes.ts';
import { contractErrors } from './errors.ts';
import { discardDraft, instantiate } from './from-template.ts';
import { requestApproval } from './internal-approval.ts';
import { workflowDb } from './internal-approval-gate.ts';
import type { ContractActor } from './model.ts';
import { hasPermission } from './permissions.ts';
import { envelopeFieldsSchema, remindersSchema, slotFillSchema } from './template-model.ts';
import { loadTemplate, readTemplateDocument, templateActor } from './templates.ts';
import { parseWith, workflowErrors } from './workflow-errors.ts';

const rowSchema = slotFillSchema
  .omit({ userId: true })
  .extend({
    email: z.string().trim().max(254).email(),
    name: z.string().trim().min(1).max(100),
    /** Envelope fields of this row over the template's (title, counterparty, date, amount, message). */
    fields: envelopeFieldsSchema.optional(),
  })
  .strict();

const bulkSchema = z
  .object({
    rows: z.array(z.unknown()).min(1),
    /** The slot each row fills; default: the template's only slot without a fixed party. */
    slot: z.string().min(1).max(20).optional(),
    reminders: remindersSchema.optional(),
  })
  .strict();

export interface BulkRowResult {
  readonly index: number;
  readonly email: string | null;
  readonly envelopeId?: string;
  /** sent, or awaiting-approval when the template names internal approvers. */
  readonly status?: 'sent' | 'awaiting-approval';
  /** Generated access codes, shown once; the sender passes them on by another channel. */
  readonly accessCodes?: SendResult['accessCodes'];
  readonly error?: { readonly code: string; readonly message: { ja: string; en: string } };
}

export interface BulkResult {
  readonly jobId: string;
  readonly templateId: string;
  readonly created: number;
  readonly failed: number;
  readonly rows: readonly BulkRowResult[];
}

function storedMessage(stored: string | null): { ja: string; en: string } {
  try {
    return JSON.parse(stored ?? '') as { ja: string; en: string };
  } catch {
    return { ja: stored ?? '', en: stored ?? '' };
  }
}

function describe(error: unknown): { code: string; message: { ja: string; en: string } } {
  if (isShomeiError(error)) return { code: error.code, message: error.messages };
  return {
    code: 'SHOMEI_INTERNAL',
    message: { ja: 'この行を処理できませんでした。', en: 'This row could not be processed.' },
  };
}

export async function bulkSend(
  ctx: ContractsContext,
  actor: ContractActor,
  templateId: string,
  raw: unknown,
): Promise<BulkResult> {
  const sender = templateActor(actor, 'write');
  // The size limit is checked before any row is looked at, and answered with its own code.
  const count = (raw as { rows?: unknown } | null)?.rows;
  if (Array.isArray(count) && count.length > ctx.settings.maxBulkRows)
    throw workflowErrors.bulkTooLarge(ctx.settings.maxBulkRows);
  const input = parseWith(bulkSchema, raw, contractErrors.invalid);
  const template = await loadTemplate(ctx, sender.tenantId, templateId);
  const open = template.definition.slots.filter((s) => s.userId === undefined);
  const slot = input.slot ?? (open.length === 1 ? open[0]!.label : undefined);
  if (slot === undefined || !open.some((s) => s.label === slot))
    throw contractErrors.invalid('slot', 'name the one slot each row fills (a slot without a fixed party)');
  if (open.length > 1)
    throw contractErrors.invalid('slot', 'every other slot of the template needs a fixed party');
  if (template.documents.length === 0) throw contractErrors.invalid('documents', 'the template has no PDF');
  const plaintexts = [];
  for (const document of template.documents) plaintexts.push(await readTemplateDocument(ctx, document));
  const approvers = template.definition.internalApprovers ?? [];
  const jobId = randomUUID();
  const db = workflowDb(ctx);
  // The job exists before its first row is sent, and each row's outcome is stored as soon as it is
  // known: whatever happens later, every envelope sent is listed under the job.
  await db
    .insertInto('contract_bulk_jobs')
    .values({
      id: jobId,
      tenant_id: sender.tenantId,
      template_id: templateId,
      created_by: sender.userId,
      created_at: ctx.clock().toISOString(),
      total: input.rows.length,
      created: 0,
      failed: 0,
    })
    .execute();
  const rows: BulkRowResult[] = [];
  const store = async (r: BulkRowResult): Promise<void> => {
    rows.push(r);
    await db
      .insertInto('contract_bulk_rows')
      .values({
        job_id: jobId,
        row_index: r.index,
        email: r.email ?? '',
        envelope_id: r.envelopeId ?? null,
        error_code: r.error?.code ?? null,
        error_message: r.error === undefined ? null : JSON.stringify(r.error.message),
      })
      .execute();
  };
  for (const [index, rawRow] of input.rows.entries()) {
    const email =
      typeof (rawRow as { email?: unknown } | null)?.email === 'string'
        ? String((rawRow as { email: string }).email).slice(0, 254)
        : null;
    let envelopeId: string | undefined;
    try {
      const row = parseWith(rowSchema, rawRow, (field, reason) =>
        contractErrors.invalid(`rows.${index}.${field}`, reason),
      );
      const { fields, ...party } = row;
      envelopeId = await instantiate(
        ctx,
        actor,
        sender,
        template,
        plaintexts,
        { fields: fields ?? {}, parties: { [slot]: party }, reminders: input.reminders },
        { bulkJobId: jobId, bulkRow: index },
      );
      if (approvers.length > 0) {
        await requestApproval(ctx, actor, envelopeId, { approvers });
        await store({ index, email, envelopeId, status: 'awaiting-approval' });
      } else {
        const sent = await sendEnvelope(ctx, actor, envelopeId);
        await store({ index, email, envelopeId, status: 'sent', accessCodes: sent.accessCodes });
      }
    } catch (error) {
      // A row made but not sent (or not put up for approval) is taken back: no half-created envelopes.
      if (envelopeId !== undefined) {
        await discardDraft(
          ctx,
          envelopeId,
          auditActorOf(actor),
          `bulk job ${jobId} row ${index} failed`,
        ).catch(() => undefined);
      }
      await store({ index, email, error: describe(error) });
    }
  }
  const created = rows.filter((r) => r.envelopeId !== undefined).length;
  await db
    .updateTable('contract_bulk_jobs')
    .set({ created, failed: rows.length - created })
    .where('id', '=', jobId)
    .execute();
  // An aggregate that fits any job size: each envelope has its own envelope.send record, each row's
  // outcome is in contract_bulk_rows; here only the counts and how often each error occurred.
  const errors: Record<string, number> = {};
  for (const r of rows) if (r.error !== undefined) errors[r.error.code] = (errors[r.error.code] ?? 0) + 1;
  await ctx.audit.append({
    type: 'envelope.bulk-send',
    actor: auditActorOf(actor),
    subject: { kind: 'contract-bulk-job', id: jobId },
    outcome: rows.length === created ? 'success' : 'failure',
    ...(actor.source === undefined ? {} : { source: actor.source }),
    details: {
      templateId,
      total: rows.length,
      created,
      failed: rows.length - created,
      errors,
    },
  });
  return { jobId, templateId, created, failed: rows.length - created, rows };
}

/** A stored bulk job with the outcome of each row (access codes are not kept). */
export async function getBulkJob(
  ctx: ContractsContext,
  actor: ContractActor,
  jobId: string,
): Promise<
  Omit<BulkResult, 'rows'> & { createdAt: string; rows: Omit<BulkRowResult, 'accessCodes' | 'status'>[] }
> {
  const reader = templateActor(actor, 'read');
  const db = workflowDb(ctx);
  const job = await db
    .selectFrom('contract_bulk_jobs')
    .selectAll()
    .where('id', '=', jobId.slice(0, 100))
    .where('tenant_id', '=', reader.tenantId)
    .executeTakeFirst();
  if (job === undefined) throw contractErrors.notFound();
  // Every recipient's address is in the job: its creator and tenant administrators read it, nobody else.
  if (
    job.created_by !== reader.userId &&
    !(await hasPermission(ctx.db, reader.tenantId, reader.userId, ['tenant.admin']))
  ) {
    throw contractErrors.notFound();
  }
  const rows = await db
    .selectFrom('contract_bulk_rows')
    .selectAll()
    .where('job_id', '=', job.id)
    .orderBy('row_index')
    .execute();
  return {
    jobId: job.id,
    templateId: job.template_id,
    createdAt: job.created_at,
    created: Number(job.created),
    failed: Number(job.failed),
    rows: rows.map((r) => ({
      index: Number(r.row_index),
      email: r.email === '' ? null : r.email,
      ...(r.envelope_id === null ? {} : { envelopeId: r.envelope_id }),
      ...(r.error_code === null
        ? {}
        : { error: { code: r.error_code, message: storedMessage(r.error_message) } }),
    })),
  };
}
