/**
 * Bulk send (一括送信): one template to many counterparties. The request only checks the job and
 * stores it (rows, slot, reminders, the submitting actor); it answers at once with the job id and a
 * worker (bulk-worker.ts) makes one envelope per row, which is sent at once — or, when the template
 * names internal approvers, waits for their approval. Progress and each row's outcome are read back
 * here, by the job's creator and tenant administrators; the access codes are taken once by the
 * sender (bulk-codes.ts).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ContractsContext } from '../context.ts';
import type { BulkJobView, BulkRowResult, BulkSubmitted } from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { remindersSchema } from '../model/template-model.ts';
import { parseWith, workflowErrors } from '../model/workflow-errors.ts';
import { auditActorOf } from '../parties/access.ts';
import { workflowDb } from '../parties/internal-approval-gate.ts';
import { hasPermission } from '../parties/permissions.ts';
import { loadTemplate, templateActor } from './templates.ts';

export const bulkSendSchema = z
  .object({
    rows: z.array(z.unknown()).min(1),
    /** The slot each row fills; default: the template's only slot without a fixed party. */
    slot: z.string().min(1).max(20).optional(),
    reminders: remindersSchema.optional(),
  })
  .strict();

/** What the worker needs to make the rows (kept on the job until it is done). */
export interface BulkInput {
  readonly rows: readonly unknown[];
  readonly slot: string;
  readonly reminders?: z.infer<typeof remindersSchema> | undefined;
}

/** A sender may have this many jobs queued or running at once (each may hold the largest body). */
export const MAX_OPEN_BULK_JOBS = 3;

export type { BulkJobView, BulkRowResult, BulkSubmitted };

/** Checks and stores a bulk job; the worker is woken by the caller. */
export async function submitBulkSend(
  ctx: ContractsContext,
  actor: ContractActor,
  templateId: string,
  raw: unknown,
): Promise<BulkSubmitted> {
  const sender = templateActor(actor, 'write');
  // The size limit is checked before any row is looked at, and answered with its own code.
  const count = (raw as { rows?: unknown } | null)?.rows;
  if (Array.isArray(count) && count.length > ctx.settings.maxBulkRows)
    throw workflowErrors.bulkTooLarge(ctx.settings.maxBulkRows);
  const input = parseWith(bulkSendSchema, raw, contractErrors.invalid);
  const template = await loadTemplate(ctx, sender.tenantId, templateId);
  const open = template.definition.slots.filter((s) => s.userId === undefined);
  const slot = input.slot ?? (open.length === 1 ? open[0]!.label : undefined);
  if (slot === undefined || !open.some((s) => s.label === slot))
    throw contractErrors.invalid('slot', 'name the one slot each row fills (a slot without a fixed party)');
  if (open.length > 1)
    throw contractErrors.invalid('slot', 'every other slot of the template needs a fixed party');
  if (template.documents.length === 0) throw contractErrors.invalid('documents', 'the template has no PDF');
  const db = workflowDb(ctx);
  const openJobs = await db
    .selectFrom('contract_bulk_jobs')
    .select(({ fn }) => fn.countAll<number>().as('n'))
    .where('tenant_id', '=', sender.tenantId)
    .where('created_by', '=', sender.userId)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirstOrThrow();
  if (Number(openJobs.n) >= MAX_OPEN_BULK_JOBS) throw workflowErrors.bulkBusy(MAX_OPEN_BULK_JOBS);
  const jobId = randomUUID();
  // The job's own key for its access codes, sealed under the HSM's KEK (bulk-codes.ts).
  const codesKey = await ctx.vault.newDocumentKey(jobId);
  codesKey.contentKey.fill(0);
  const stored: BulkInput = { rows: input.rows, slot, reminders: input.reminders };
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
      status: 'queued',
      input: JSON.stringify(stored),
      actor: JSON.stringify(actor),
      codes_state: 'none',
      codes_hsm_key_id: codesKey.hsmKeyId,
      codes_sealed_key: codesKey.sealedKey,
    })
    .execute();
  await ctx.audit.append({
    type: 'envelope.bulk-queue',
    actor: auditActorOf(actor),
    subject: { kind: 'contract-bulk-job', id: jobId },
    outcome: 'success',
    source: actor.source,
    details: { templateId, total: input.rows.length },
  });
  return { jobId, templateId, status: 'queued', total: input.rows.length };
}

function storedMessage(stored: string | null): { ja: string; en: string } {
  try {
    return JSON.parse(stored ?? '') as { ja: string; en: string };
  } catch {
    return { ja: stored ?? '', en: stored ?? '' };
  }
}

/** A bulk job's progress and the outcome of each row so far (never the access codes). */
export async function getBulkJob(
  ctx: ContractsContext,
  actor: ContractActor,
  jobId: string,
): Promise<BulkJobView> {
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
    .select(['row_index', 'email', 'envelope_id', 'error_code', 'error_message', 'state', 'status'])
    .where('job_id', '=', job.id)
    .where('state', '=', 'done')
    .orderBy('row_index')
    .execute();
  const made = rows.filter((r) => r.envelope_id !== null).length;
  return {
    jobId: job.id,
    templateId: job.template_id,
    createdAt: job.created_at,
    status: job.status ?? 'done',
    total: Number(job.total),
    done: rows.length,
    created: made,
    failed: rows.length - made,
    accessCodes: job.codes_state ?? 'none',
    finishedAt: job.finished_at ?? null,
    rows: rows.map((r) => ({
      index: Number(r.row_index),
      email: r.email === '' ? null : r.email,
      ...(r.envelope_id === null ? {} : { envelopeId: r.envelope_id }),
      ...(r.status === 'sent' || r.status === 'awaiting-approval' ? { status: r.status } : {}),
      ...(r.error_code === null
        ? {}
        : { error: { code: r.error_code, message: storedMessage(r.error_message) } }),
    })),
  };
}
