/**
 * Who may see and do what (criterion 2.1.4 (1)): the sender and the envelope's parties read it;
 * the tenant authorises further readers through API keys with the envelopes:read scope and users
 * with the documents.read_all permission (permissions.ts). Anyone
 * else gets "not found", so envelope ids cannot be probed.
 */
import type { AuditActor } from '../audit/index.ts';
import type { ContractsContext } from './context.ts';
import { contractErrors } from './errors.ts';
import type { ContractActor } from './model.ts';
import { canReadAll } from './permissions.ts';
import type { EnvelopeTable, PartyTable } from './tables.ts';

export interface LoadedEnvelope {
  readonly envelope: EnvelopeTable;
  readonly parties: PartyTable[];
  /** The acting party, when the actor is one of the parties. */
  readonly party: PartyTable | undefined;
  readonly isSender: boolean;
}

export function auditActorOf(actor: ContractActor): AuditActor {
  switch (actor.kind) {
    case 'user':
      return { kind: 'user', id: actor.userId, tenantId: actor.tenantId };
    case 'api-key':
      return { kind: 'client-system', id: `api-key:${actor.keyId}`, tenantId: actor.tenantId };
    case 'party':
      return { kind: 'anonymous', id: `party:${actor.partyId}` };
  }
}

export async function loadEnvelope(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  need: 'read' | 'manage' | 'act',
): Promise<LoadedEnvelope> {
  if (envelopeId.length > 100) throw contractErrors.notFound();
  const envelope = await ctx.db
    .selectFrom('contract_envelopes')
    .selectAll()
    .where('id', '=', envelopeId)
    .executeTakeFirst();
  if (envelope === undefined) throw contractErrors.notFound();
  const parties = await ctx.db
    .selectFrom('contract_parties')
    .selectAll()
    .where('envelope_id', '=', envelopeId)
    .orderBy('position')
    .execute();
  const visibleToParties = envelope.status !== 'draft';
  let party: PartyTable | undefined;
  let isSender = false;
  let tenantReader = false;
  switch (actor.kind) {
    case 'user':
      isSender = envelope.created_by === actor.userId && envelope.tenant_id === actor.tenantId;
      party = parties.find((p) => p.user_id === actor.userId && p.status !== 'removed');
      // 閲覧権限 (documents.read_all): reads every record of the user's own tenant, never another's.
      if (!isSender && envelope.tenant_id === actor.tenantId) {
        tenantReader = await canReadAll(ctx.db, actor.tenantId, actor.userId);
      }
      break;
    case 'api-key':
      if (envelope.tenant_id === actor.tenantId) {
        tenantReader = actor.scopes.includes('envelopes:read');
        isSender = actor.scopes.includes('envelopes:write');
      }
      break;
    case 'party':
      if (actor.envelopeId === envelopeId) {
        party = parties.find((p) => p.id === actor.partyId && p.status !== 'removed');
      }
      break;
  }
  if (party !== undefined && !visibleToParties) party = undefined;
  const allowed =
    need === 'manage'
      ? isSender
      : need === 'act'
        ? party !== undefined
        : isSender || tenantReader || party !== undefined;
  if (!allowed) {
    if (isSender || tenantReader || party !== undefined) throw contractErrors.forbidden();
    throw contractErrors.notFound();
  }
  return { envelope, parties, party, isSender };
}
