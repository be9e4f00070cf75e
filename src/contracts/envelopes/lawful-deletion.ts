/**
 * Lawful deletion (issue #18 Deliver 3): a completed or imported contract is crypto-shredded before
 * its retention period ends only on a lawful request — asked by one provider officer with the reason
 * and its legal basis, carried out when a second person approves (dual-control kind
 * `contract.delete`). Legal hold still wins; the envelope row, its audit trail and the deletion log
 * stay, so what was deleted, why and by whom remains provable (docs/operations.md).
 */
import { z } from 'zod';
import type { DualControlExecutor, JsonObject } from '../../admin/index.ts';
import type { ContractsContext } from '../context.ts';
import { contractErrors } from '../model/errors.ts';
import { shredEnvelope } from './envelopes.ts';

export const LAWFUL_DELETION_KIND = 'contract.delete';

const request = z.object({
  envelopeId: z.string().trim().min(1).max(100),
  reason: z.string().trim().min(1).max(500),
  // The law, court order or request the deletion rests on (e.g. 個人情報保護法 35条 請求 2026-001).
  basis: z.string().trim().min(1).max(200),
});

function parse(payload: unknown): JsonObject {
  const parsed = request.safeParse(payload);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? 'payload');
    throw contractErrors.invalid(field, 'envelopeId, reason (1–500) and basis (1–200) are required');
  }
  return parsed.data;
}

async function envelopeOf(ctx: ContractsContext, payload: JsonObject) {
  const envelope = await ctx.db
    .selectFrom('contract_envelopes')
    .selectAll()
    .where('id', '=', String(payload.envelopeId))
    .executeTakeFirst();
  if (envelope === undefined) throw contractErrors.notFound();
  if (envelope.legal_hold === 1) throw contractErrors.retained(envelope.retention_until, true);
  if (envelope.status === 'sent' || envelope.status === 'completing' || envelope.status === 'draft')
    throw contractErrors.state(envelope.status, 'deleted');
  return envelope;
}

export function lawfulDeletionExecutor(ctx: ContractsContext): DualControlExecutor {
  return {
    description: {
      ja: '契約の法令に基づく削除 (保存期間中)',
      en: 'Lawful deletion of a contract (during retention)',
    },
    requesters: ['system_administrator', 'security_officer'],
    approvers: ['security_officer', 'system_administrator'],
    parse,
    async precheck(payload) {
      await envelopeOf(ctx, payload);
    },
    async execute(payload, context) {
      const envelope = await envelopeOf(ctx, payload);
      const reason = `lawful deletion (${String(payload.basis)}): ${String(payload.reason)}`;
      const documents = await shredEnvelope(
        ctx,
        envelope,
        { kind: 'user', id: context.approvedBy },
        reason,
        true,
      );
      return {
        envelopeId: envelope.id,
        tenantId: envelope.tenant_id,
        documents,
        requestId: context.requestId,
      };
    },
  };
}
