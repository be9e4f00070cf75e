/** Discarding a never-sent draft (its own file: envelopes and bulk send both use it, without a cycle). */
import type { AuditActor } from '../../audit/index.ts';
import type { ContractsContext } from '../context.ts';
import { contractErrors } from '../model/errors.ts';
import { workflowDb } from '../parties/internal-approval-gate.ts';

/**
 * Removes a draft that was never sent (a bulk row whose sending failed after creation): rows go,
 * HSM keys are destroyed, blob files overwritten. Nothing of it was ever shown to anyone.
 */
export async function discardDraft(
  ctx: ContractsContext,
  envelopeId: string,
  by: AuditActor,
  reason: string,
): Promise<void> {
  const db = workflowDb(ctx);
  const documents = await db
    .selectFrom('contract_documents')
    .selectAll()
    .where('envelope_id', '=', envelopeId)
    .execute();
  const versions =
    documents.length === 0
      ? []
      : await db
          .selectFrom('contract_document_versions')
          .select('blob_ref')
          .where(
            'document_id',
            'in',
            documents.map((d) => d.id),
          )
          .execute();
  await db.transaction().execute(async (trx) => {
    const draft = await trx
      .selectFrom('contract_envelopes')
      .select('status')
      .where('id', '=', envelopeId)
      .executeTakeFirst();
    if (draft?.status !== 'draft') throw contractErrors.state(draft?.status ?? 'missing', 'discarded');
    await trx.deleteFrom('contract_envelope_reminders').where('envelope_id', '=', envelopeId).execute();
    await trx.deleteFrom('contract_internal_approvals').where('envelope_id', '=', envelopeId).execute();
    for (const d of documents)
      await trx.deleteFrom('contract_document_versions').where('document_id', '=', d.id).execute();
    await trx.deleteFrom('contract_documents').where('envelope_id', '=', envelopeId).execute();
    await trx.deleteFrom('contract_parties').where('envelope_id', '=', envelopeId).execute();
    await trx.deleteFrom('contract_envelopes').where('id', '=', envelopeId).execute();
  });
  for (const d of documents)
    if (d.hsm_key_id !== null) await ctx.vault.discardKey(d.hsm_key_id, 'draft discarded');
  for (const v of versions) await ctx.vault.removeBlob(v.blob_ref);
  await ctx.audit.append({
    type: 'envelope.discard',
    actor: by,
    subject: { kind: 'envelope', id: envelopeId },
    outcome: 'success',
    details: { reason: reason.slice(0, 200), documents: documents.length },
  });
}
