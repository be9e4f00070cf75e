/**
 * Access codes of a queued bulk send (issue #16 F7). The worker makes them long after the request
 * ended, so they wait in the database — each row's codes AES-256-GCM under a key of the job's own,
 * itself sealed under the HSM's document KEK — until the job's sender takes them, once: the taking
 * wipes the ciphertexts and the sealed key in one transaction. Codes are never logged or audited.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ContractsContext } from '../context.ts';
import type { TakenCodes } from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { workflowErrors } from '../model/workflow-errors.ts';
import { auditActorOf } from '../parties/access.ts';
import { workflowDb } from '../parties/internal-approval-gate.ts';
import { templateActor } from './templates.ts';

export type RowCodes = readonly { readonly email: string; readonly accessCode: string }[];

export type { TakenCodes };

const aad = (jobId: string, index: number): Buffer => Buffer.from(`shomei/bulk-codes/v1/${jobId}/${index}`);

export function sealRowCodes(key: Buffer, jobId: string, index: number, codes: RowCodes): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(jobId, index));
  const body = Buffer.concat([cipher.update(JSON.stringify(codes), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function openRowCodes(key: Buffer, jobId: string, index: number, sealed: Uint8Array): RowCodes {
  const bytes = Buffer.from(sealed);
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12)).setAAD(aad(jobId, index));
  decipher.setAuthTag(bytes.subarray(12, 28));
  const plain = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as RowCodes;
}

/** The job's code key, opened from its sealed form (the worker and the taking both need it). */
export async function openJobKey(
  ctx: ContractsContext,
  job: {
    id: string;
    codes_hsm_key_id?: string | null | undefined;
    codes_sealed_key?: Uint8Array | null | undefined;
  },
): Promise<Buffer> {
  if (job.codes_hsm_key_id == null || job.codes_sealed_key == null) throw workflowErrors.bulkCodesTaken();
  return ctx.vault.unsealKey(job.id, job.codes_hsm_key_id, job.codes_sealed_key);
}

/**
 * Serves a finished job's access codes to its sender, once. A second call, another user (even an
 * administrator), or a job still running is refused; nothing of the codes stays behind.
 */
export async function takeAccessCodes(
  ctx: ContractsContext,
  actor: ContractActor,
  jobId: string,
): Promise<TakenCodes> {
  const sender = templateActor(actor, 'write');
  const db = workflowDb(ctx);
  const job = await db
    .selectFrom('contract_bulk_jobs')
    .selectAll()
    .where('id', '=', jobId.slice(0, 100))
    .where('tenant_id', '=', sender.tenantId)
    .executeTakeFirst();
  // Only the sender passes the codes on: for anybody else the job does not exist here.
  if (job === undefined || job.created_by !== sender.userId) throw contractErrors.notFound();
  if (job.status !== 'done') throw workflowErrors.bulkRunning();
  if (job.codes_state !== 'ready') throw workflowErrors.bulkCodesTaken();
  const key = await openJobKey(ctx, job);
  const sealed = await db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('contract_bulk_jobs')
      .set({ codes_state: 'taken', codes_hsm_key_id: null, codes_sealed_key: null })
      .where('id', '=', job.id)
      .where('codes_state', '=', 'ready')
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) throw workflowErrors.bulkCodesTaken();
    const rows = await trx
      .selectFrom('contract_bulk_rows')
      .select(['row_index', 'codes'])
      .where('job_id', '=', job.id)
      .where('codes', 'is not', null)
      .orderBy('row_index')
      .execute();
    await trx.updateTable('contract_bulk_rows').set({ codes: null }).where('job_id', '=', job.id).execute();
    return rows;
  });
  const codes = sealed.flatMap((r) =>
    openRowCodes(key, job.id, Number(r.row_index), r.codes!).map((c) => ({
      index: Number(r.row_index),
      ...c,
    })),
  );
  key.fill(0);
  // That the codes were handed over is recorded; the codes themselves never are.
  await ctx.audit.append({
    type: 'envelope.bulk-codes-taken',
    actor: auditActorOf(actor),
    subject: { kind: 'contract-bulk-job', id: job.id },
    outcome: 'success',
    source: actor.source,
    details: { codes: codes.length },
  });
  return { jobId: job.id, codes };
}
