/**
 * 再発行: the sender gives an outside party a new access code and a new link, typically after the
 * old link locked on wrong codes. The old link and code stop working; the code is shown to the sender
 * once (to pass on by telephone), the link goes to the party by mail, and the act is audited.
 */

import type { ContractsContext } from '../context.ts';
import { requestMail, senderFacts } from '../mail/mail-text.ts';
import { greeting, issueLink, linkFor, partiesDue } from '../mail/notify.ts';
import type { ReissuedAccess } from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { auditActorOf, loadEnvelope } from '../parties/access.ts';
import { generateAccessCode, hashAccessCode } from '../parties/secrets.ts';

export type { ReissuedAccess };

export async function reissueAccess(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  partyId: string,
): Promise<ReissuedAccess> {
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'manage');
  const { envelope } = loaded;
  if (envelope.status !== 'sent') throw contractErrors.state(envelope.status, 'given a new access code');
  const party = loaded.parties.find((p) => p.id === partyId && p.status !== 'removed');
  if (party === undefined) throw contractErrors.notFound();
  const outside = party.user_id === null && party.signing_mode !== 'signer-type';
  if (!outside || !partiesDue(envelope, loaded.parties).some((p) => p.id === partyId)) {
    throw contractErrors.state(party.status, 'given a new access code');
  }
  const accessCode = generateAccessCode();
  const changed = await ctx.db
    .updateTable('contract_parties')
    .set({ access_code_hash: await hashAccessCode(accessCode), party_session_hash: null })
    .where('id', '=', partyId)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  if (Number(changed.numUpdatedRows) !== 1) throw contractErrors.conflict();
  // A new link resets the attempt count; the old link stops working.
  const token = await issueLink(ctx, party);
  const mail = requestMail(
    {
      envelope,
      party,
      sender: await senderFacts(ctx, envelope),
      link: linkFor(ctx, envelope, token),
      byLink: true,
      reminder: false,
      reissued: true,
    },
    greeting(party),
  );
  // Not swallowed: if the mail cannot go, the sender sees the error and re-issues again.
  await ctx.mailer.send({ to: party.email, ...mail });
  await ctx.audit.append({
    type: 'envelope.party.reissue',
    actor: auditActorOf(actor),
    subject: { kind: 'envelope', id: envelopeId },
    outcome: 'success',
    source: actor.source,
    details: { partyId, wasLocked: party.failed_attempts >= ctx.settings.accessCodeAttempts },
  });
  return { partyId, email: party.email, accessCode };
}
