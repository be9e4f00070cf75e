/**
 * Internal approval before sending (社内承認). The sender names users of the own tenant; while the
 * draft waits for them nothing reaches anyone outside: sending is refused (internal-approval-gate.ts),
 * so no party is mailed and no signing link exists. Each approver reviews the draft and approves it
 * with the same act as an in-flow approver (signing.ts: the SHA-256 of every document as reviewed,
 * an MFA session) or rejects it with a reason; a rejection sends the draft back to the sender, who
 * may change it and ask again (a new round). The in-flow `approver` role is different: a party who
 * approves in turn after sending, seen by the counterparties and listed in the certificate.
 */
import { z } from 'zod';
import type { ContractsContext } from '../context.ts';
import { toView } from '../envelopes/envelopes.ts';
import type { ApprovalState, ApprovalView } from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { parseWith, workflowErrors } from '../model/workflow-errors.ts';
import { approveSchema, authenticationOf, checkReviewed, currentDocuments } from '../signing/signing.ts';
import type { InternalApprovalTable } from '../store/workflow-tables.ts';
import { auditActorOf, type LoadedEnvelope, loadEnvelope } from './access.ts';
import { latestRound, workflowDb } from './internal-approval-gate.ts';

/** POST /api/envelopes/{id}/internal-approval. */
export const approvalRequestSchema = z
  .object({ approvers: z.array(z.string().min(1).max(100)).min(1).max(10) })
  .strict()
  .refine((r) => new Set(r.approvers).size === r.approvers.length, 'approvers must be distinct');

export const approvalRejectionSchema = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .refine((v) => !/\p{Cc}/u.test(v), 'control characters'),
  })
  .strict();

export type { ApprovalState, ApprovalView };

function stateOf(round: readonly InternalApprovalTable[]): ApprovalState {
  if (round.length === 0) return 'none';
  if (round.some((r) => r.status === 'rejected')) return 'rejected';
  return round.every((r) => r.status === 'approved') ? 'approved' : 'pending';
}

const nameOf = (user: { familyName: string; givenName: string } | undefined): string | null =>
  user === undefined ? null : `${user.familyName} ${user.givenName}`.trim();

async function viewOf(ctx: ContractsContext, loaded: LoadedEnvelope): Promise<ApprovalView> {
  const round = await latestRound(ctx, loaded.envelope.id);
  return {
    envelopeId: loaded.envelope.id,
    round: round[0]?.round ?? 0,
    status: stateOf(round),
    approvers: await Promise.all(
      round.map(async (r) => ({
        userId: r.approver_user_id,
        name: nameOf(await ctx.users(r.approver_user_id)),
        status: r.status,
        decidedAt: r.decided_at,
        reason: r.reason,
      })),
    ),
    envelope: await toView(ctx, loaded),
  };
}

/** The sender, or an approver named in the latest round (the draft is hidden from everyone else). */
async function loadForApproval(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
): Promise<{ loaded: LoadedEnvelope; approver: InternalApprovalTable | undefined }> {
  try {
    return { loaded: await loadEnvelope(ctx, actor, envelopeId, 'manage'), approver: undefined };
  } catch (error) {
    if (actor.kind !== 'user' || envelopeId.length > 100) throw error;
    const round = await latestRound(ctx, envelopeId);
    const approver = round.find((r) => r.approver_user_id === actor.userId);
    const envelope = await ctx.db
      .selectFrom('contract_envelopes')
      .selectAll()
      .where('id', '=', envelopeId)
      .executeTakeFirst();
    if (approver === undefined || envelope === undefined || envelope.tenant_id !== actor.tenantId)
      throw error;
    const parties = await ctx.db
      .selectFrom('contract_parties')
      .selectAll()
      .where('envelope_id', '=', envelopeId)
      .orderBy('position')
      .execute();
    return { loaded: { envelope, parties, party: undefined, isSender: false, ownTenant: false }, approver };
  }
}

async function mail(ctx: ContractsContext, to: string, subject: string, lines: string[]): Promise<void> {
  try {
    await ctx.mailer.send({ to, subject: subject.slice(0, 200), text: lines.join('\n') });
  } catch {
    // Mail trouble must not undo the decision; the state is visible over the API.
  }
}

async function record(
  ctx: ContractsContext,
  actor: ContractActor,
  type: string,
  envelopeId: string,
  details: Record<string, unknown>,
): Promise<void> {
  await ctx.audit.append({
    type,
    actor: auditActorOf(actor),
    subject: { kind: 'envelope', id: envelopeId },
    outcome: 'success',
    source: actor.source,
    details,
  });
}

export async function requestApproval(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  raw: unknown,
): Promise<ApprovalView> {
  const input = parseWith(approvalRequestSchema, raw, contractErrors.invalid);
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'manage');
  if (loaded.envelope.status !== 'draft')
    throw contractErrors.state(loaded.envelope.status, 'sent for approval');
  const approvers = [];
  for (const [index, userId] of input.approvers.entries()) {
    const user = await ctx.users(userId);
    if (user === undefined || user.status !== 'active' || user.tenantId !== loaded.envelope.tenant_id)
      throw contractErrors.invalid(`approvers.${index}`, 'no active account of this tenant');
    if (userId === loaded.envelope.created_by)
      throw contractErrors.invalid(`approvers.${index}`, 'the sender cannot approve the own envelope');
    approvers.push(user);
  }
  const previous = await latestRound(ctx, envelopeId);
  if (stateOf(previous) === 'pending') throw workflowErrors.approvalPending();
  const round = (previous[0]?.round ?? 0) + 1;
  const now = ctx.clock().toISOString();
  try {
    await workflowDb(ctx)
      .insertInto('contract_internal_approvals')
      .values(
        approvers.map((u) => ({
          envelope_id: envelopeId,
          round,
          approver_user_id: u.id,
          status: 'pending' as const,
          requested_by: loaded.envelope.created_by,
          requested_at: now,
          decided_at: null,
          reason: null,
          evidence: null,
        })),
      )
      .execute();
  } catch {
    throw contractErrors.conflict(); // another request made this round first
  }
  await record(ctx, actor, 'envelope.internal-approval.request', envelopeId, {
    round,
    approvers: approvers.map((u) => u.id),
  });
  for (const user of approvers) {
    await mail(ctx, user.email, `【承認依頼】${loaded.envelope.title}`, [
      `${user.familyName} ${user.givenName} 様`.trim(),
      '',
      `「${loaded.envelope.title}」(取引先: ${loaded.envelope.counterparty}) の送信前の社内承認をお願いします。`,
      `Please approve “${loaded.envelope.title}” (counterparty ${loaded.envelope.counterparty}) before it is sent.`,
      '',
      `${ctx.settings.publicUrl}/contracts/${envelopeId}`,
      '',
      'ログインして (多要素認証) 内容をご確認ください。 / Log in (with MFA) to review it.',
    ]);
  }
  return viewOf(ctx, loaded);
}

export async function approvalStatus(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
): Promise<ApprovalView> {
  const { loaded } = await loadForApproval(ctx, actor, envelopeId);
  return viewOf(ctx, loaded);
}

/** A document of a draft, for an approver to review (audited like every read). */
export async function readForApproval(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  documentId: string,
): Promise<{ name: string; bytes: Buffer }> {
  await loadForApproval(ctx, actor, envelopeId);
  const document = await ctx.db
    .selectFrom('contract_documents')
    .selectAll()
    .where('id', '=', documentId)
    .where('envelope_id', '=', envelopeId)
    .executeTakeFirst();
  if (document === undefined) throw contractErrors.documentNotFound();
  const bytes = await ctx.vault.read(document);
  await record(ctx, actor, 'document.read', envelopeId, {
    envelopeId,
    documentId,
    version: document.current_version,
    purpose: 'internal-approval',
  });
  return { name: document.name, bytes };
}

async function decide(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  decision: 'approved' | 'rejected',
  details: { reason?: string; evidence?: Record<string, unknown> },
): Promise<ApprovalView> {
  if (actor.kind !== 'user') throw contractErrors.forbidden();
  const { loaded, approver } = await loadForApproval(ctx, actor, envelopeId);
  if (approver === undefined || approver.status !== 'pending') throw workflowErrors.notApprover();
  if (loaded.envelope.status !== 'draft') throw contractErrors.state(loaded.envelope.status, decision);
  const round = await latestRound(ctx, envelopeId);
  if (stateOf(round) !== 'pending' || approver.round !== round[0]?.round) throw workflowErrors.notApprover();
  const now = ctx.clock().toISOString();
  await workflowDb(ctx)
    .transaction()
    .execute(async (trx) => {
      const changed = await trx
        .updateTable('contract_internal_approvals')
        .set({
          status: decision,
          decided_at: now,
          reason: details.reason ?? null,
          evidence:
            details.evidence === undefined ? null : JSON.stringify({ ...details.evidence, decidedAt: now }),
        })
        .where('envelope_id', '=', envelopeId)
        .where('round', '=', approver.round)
        .where('approver_user_id', '=', actor.userId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) !== 1) throw contractErrors.conflict();
      if (decision === 'rejected') {
        // The round is over: the others need not decide any more.
        await trx
          .updateTable('contract_internal_approvals')
          .set({ status: 'withdrawn', decided_at: now })
          .where('envelope_id', '=', envelopeId)
          .where('round', '=', approver.round)
          .where('status', '=', 'pending')
          .execute();
      }
      // A decision restarts the clock of the unprocessed-draft rule (the sender acts next).
      await trx
        .updateTable('contract_envelopes')
        .set({ updated_at: now })
        .where('id', '=', envelopeId)
        .execute();
    });
  await record(
    ctx,
    actor,
    `envelope.internal-approval.${decision === 'approved' ? 'approve' : 'reject'}`,
    envelopeId,
    {
      round: approver.round,
      reason: details.reason?.slice(0, 200),
      documentSha256: details.evidence?.documentSha256,
    },
  );
  const after = await viewOf(ctx, loaded);
  const sender = await ctx.users(loaded.envelope.created_by);
  if (sender !== undefined && (after.status === 'approved' || after.status === 'rejected')) {
    await mail(
      ctx,
      sender.email,
      `【${after.status === 'approved' ? '承認完了' : '承認却下'}】${loaded.envelope.title}`,
      after.status === 'approved'
        ? [
            `「${loaded.envelope.title}」は社内承認されました。送信できます。`,
            `“${loaded.envelope.title}” was approved internally and can now be sent.`,
          ]
        : [
            `「${loaded.envelope.title}」の社内承認が却下されました。理由: ${details.reason ?? ''}`,
            `Internal approval of “${loaded.envelope.title}” was rejected. Reason: ${details.reason ?? ''}`,
          ],
    );
  }
  return after;
}

export async function approveInternally(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  raw: unknown,
): Promise<ApprovalView> {
  const input = parseWith(approveSchema, raw, contractErrors.invalid);
  await loadForApproval(ctx, actor, envelopeId); // not-found before anything about the documents
  // Same binding as an in-flow approval: exactly the documents the approver reviewed.
  checkReviewed(await currentDocuments(ctx, envelopeId), input.documentSha256);
  const auth = authenticationOf(actor);
  return decide(ctx, actor, envelopeId, 'approved', {
    evidence: { documentSha256: input.documentSha256, authentication: auth.method, sourceIp: auth.source },
  });
}

export async function rejectInternally(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  raw: unknown,
): Promise<ApprovalView> {
  const input = parseWith(approvalRejectionSchema, raw, contractErrors.invalid);
  return decide(ctx, actor, envelopeId, 'rejected', { reason: input.reason });
}
