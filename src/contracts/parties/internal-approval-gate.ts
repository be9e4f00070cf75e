/**
 * The gate of internal approval (社内承認) before sending: once approval was requested for a draft,
 * it is sent only when every approver of the latest round approved exactly its current documents.
 * Kept apart from internal-approval.ts so that sending (envelopes.ts) depends on this check alone.
 */
import type { Kysely } from 'kysely';
import type { ContractsContext } from '../context.ts';
import { workflowErrors } from '../model/workflow-errors.ts';
import type { ContractsTables } from '../store/tables.ts';
import type { InternalApprovalTable, WorkflowTables } from '../store/workflow-tables.ts';

export function workflowDb(ctx: ContractsContext): Kysely<ContractsTables & WorkflowTables> {
  return ctx.db.withTables<WorkflowTables>();
}

/** The rows of the latest approval round of an envelope (empty when approval was never requested). */
export async function latestRound(
  ctx: ContractsContext,
  envelopeId: string,
): Promise<InternalApprovalTable[]> {
  const db = workflowDb(ctx);
  const top = await db
    .selectFrom('contract_internal_approvals')
    .select(({ fn }) => fn.max<number>('round').as('round'))
    .where('envelope_id', '=', envelopeId)
    .executeTakeFirst();
  if (top?.round === null || top?.round === undefined) return [];
  return db
    .selectFrom('contract_internal_approvals')
    .selectAll()
    .where('envelope_id', '=', envelopeId)
    .where('round', '=', Number(top.round))
    .orderBy('approver_user_id')
    .execute();
}

export async function assertApprovedForSending(ctx: ContractsContext, envelopeId: string): Promise<void> {
  const round = await latestRound(ctx, envelopeId);
  if (round.length === 0) return;
  const rejected = round.find((r) => r.status === 'rejected');
  if (rejected !== undefined) throw workflowErrors.approvalRejected(rejected.reason ?? '');
  if (round.some((r) => r.status !== 'approved')) throw workflowErrors.approvalPending();
  const current = await ctx.db
    .selectFrom('contract_documents as d')
    .innerJoin('contract_document_versions as v', (join) =>
      join.onRef('v.document_id', '=', 'd.id').onRef('v.version', '=', 'd.current_version'),
    )
    .select('v.sha256')
    .where('d.envelope_id', '=', envelopeId)
    .orderBy('d.position')
    .execute();
  const hashes = current.map((d) => d.sha256).join(',');
  for (const r of round) {
    const reviewed = (JSON.parse(r.evidence ?? '{}') as { documentSha256?: string[] }).documentSha256 ?? [];
    if (reviewed.join(',') !== hashes) throw workflowErrors.approvalStale();
  }
}

/** Whether approvers still have the draft (the unprocessed-input sweep leaves it alone). */
export async function hasPendingApproval(ctx: ContractsContext, envelopeId: string): Promise<boolean> {
  const row = await workflowDb(ctx)
    .selectFrom('contract_internal_approvals')
    .select('envelope_id')
    .where('envelope_id', '=', envelopeId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return row !== undefined;
}
