/**
 * Who may see and do what (criterion 2.1.4 (1)): the sender and the envelope's parties read it;
 * the tenant authorises further readers: users with the documents.read_all permission
 * (permissions.ts). An API key acts as its creator within its scopes, never more. Anyone
 * else gets "not found", so envelope ids cannot be probed.
 */
import type { AuditActor } from '../../audit/index.ts';
import type { ContractsContext } from '../context.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import type { EnvelopeTable, PartyTable } from '../store/tables.ts';
import { canReadAll } from './permissions.ts';

export interface LoadedEnvelope {
  readonly envelope: EnvelopeTable;
  readonly parties: PartyTable[];
  /** The acting party, when the actor is one of the parties. */
  readonly party: PartyTable | undefined;
  readonly isSender: boolean;
  /**
   * The actor reads as the envelope's own tenant (its sender, or a tenant-wide reader of the sending
   * tenant) and so sees every party's events; a party or a counterparty's tenant sees its own.
   */
  readonly ownTenant: boolean;
}

const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * A signer-type party named by e-mail becomes the account holder with that (operator-verified) address
 * the first time they open the envelope signed in; conditional, so it binds once, and audited.
 */
async function bindByEmail(
  ctx: ContractsContext,
  actor: Extract<ContractActor, { kind: 'user' }>,
  parties: PartyTable[],
): Promise<PartyTable | undefined> {
  const open = parties.find(
    (p) =>
      p.user_id === null &&
      p.signing_mode === 'signer-type' &&
      p.status === 'waiting' &&
      sameEmail(p.email, actor.email),
  );
  if (open === undefined) return undefined;
  const bound = await ctx.db
    .updateTable('contract_parties')
    .set({ user_id: actor.userId, tenant_id: actor.tenantId })
    .where('id', '=', open.id)
    .where('user_id', 'is', null)
    .executeTakeFirst();
  if (Number(bound.numUpdatedRows) !== 1) return undefined;
  await ctx.audit.append({
    type: 'envelope.party.bind',
    actor: auditActorOf(actor),
    subject: { kind: 'envelope', id: open.envelope_id },
    outcome: 'success',
    source: actor.source,
    details: { partyId: open.id },
  });
  const updated = { ...open, user_id: actor.userId, tenant_id: actor.tenantId };
  parties.splice(parties.indexOf(open), 1, updated);
  return updated;
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
  // A counterparty's tenant (a party of the envelope belongs to it) reads the envelope, never manages it.
  const partyTenant = (tenantId: string) =>
    visibleToParties && parties.some((p) => p.tenant_id === tenantId && p.status !== 'removed');
  switch (actor.kind) {
    case 'user':
      isSender = envelope.created_by === actor.userId && envelope.tenant_id === actor.tenantId;
      party = parties.find((p) => p.user_id === actor.userId && p.status !== 'removed');
      if (party === undefined && visibleToParties) party = await bindByEmail(ctx, actor, parties);
      // 閲覧権限 (documents.read_all): every record of the user's own tenant, and the counterparty's
      // copy of envelopes in which a party belongs to it; never another tenant's otherwise.
      if (!isSender && (envelope.tenant_id === actor.tenantId || partyTenant(actor.tenantId))) {
        tenantReader = await canReadAll(ctx.db, actor.tenantId, actor.userId);
      }
      break;
    case 'api-key':
      // The key acts as its creator within its scopes (api-keys.ts): never more than the creator may.
      if (envelope.tenant_id === actor.tenantId) {
        const creatorSent = envelope.created_by === actor.userId;
        isSender = creatorSent && actor.scopes.includes('envelopes:write');
        if (actor.scopes.includes('envelopes:read') || actor.scopes.includes('envelopes:write')) {
          tenantReader = creatorSent || (await canReadAll(ctx.db, actor.tenantId, actor.userId));
        }
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
  const ownTenant =
    isSender || (tenantReader && actor.kind !== 'party' && envelope.tenant_id === actor.tenantId);
  return { envelope, parties, party, isSender, ownTenant };
}
