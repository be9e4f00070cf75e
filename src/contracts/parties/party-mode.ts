/**
 * The sender switches a signer-type party who has no account or no certificate yet to witness-type
 * (立会人型): the party then signs by link and access code, which is generated here and shown once.
 */

import type { ContractsContext } from '../context.ts';
import { notifyDue } from '../mail/notify.ts';
import type { WitnessSwitch } from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { assertModesAllowed } from '../signing/signing-policy.ts';
import { auditActorOf, loadEnvelope } from './access.ts';
import { generateAccessCode, hashAccessCode } from './secrets.ts';

export type { WitnessSwitch };

export async function switchToWitness(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  partyId: string,
): Promise<WitnessSwitch> {
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'manage');
  const { envelope } = loaded;
  if (envelope.status !== 'draft' && envelope.status !== 'sent')
    throw contractErrors.state(envelope.status, 'changed');
  const party = loaded.parties.find((p) => p.id === partyId);
  if (party === undefined || party.role !== 'signer') throw contractErrors.notFound();
  if (party.signing_mode !== 'signer-type' || party.status !== 'waiting')
    throw contractErrors.state(party.status, 'switched to witness-type');
  await assertModesAllowed(
    ctx,
    { tenantId: envelope.tenant_id, userId: actor.kind === 'party' ? '' : actor.userId },
    ['witness-type'],
    'envelope.party.mode',
    envelopeId,
  );
  const accessCode = envelope.status === 'sent' ? generateAccessCode() : null;
  const changed = await ctx.db
    .updateTable('contract_parties')
    .set({
      signing_mode: 'witness-type',
      user_id: null,
      tenant_id: null,
      credential_id: null,
      access_code_hash: accessCode === null ? null : await hashAccessCode(accessCode),
    })
    .where('id', '=', partyId)
    .where('status', '=', 'waiting')
    .where('signing_mode', '=', 'signer-type')
    .executeTakeFirst();
  if (Number(changed.numUpdatedRows) !== 1) throw contractErrors.conflict();
  await ctx.audit.append({
    type: 'envelope.party.mode',
    actor: auditActorOf(actor),
    subject: { kind: 'envelope', id: envelopeId },
    outcome: 'success',
    source: actor.source,
    details: { partyId, from: 'signer-type', to: 'witness-type' },
  });
  if (envelope.status === 'sent') {
    const after = await loadEnvelope(ctx, actor, envelopeId, 'manage');
    // Only this party hears again (now with a link); the others were asked already.
    const others = new Set(after.parties.filter((p) => p.id !== partyId).map((p) => p.id));
    await notifyDue(ctx, after.envelope, after.parties, others);
  }
  return { partyId, accessCode };
}
