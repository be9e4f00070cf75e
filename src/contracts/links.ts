/**
 * Outside parties: an e-mailed single-use link plus an access code given by another channel. Both
 * together open a short party session; the link is spent on first success (or after too many wrong
 * codes). Tokens and codes are stored hashed and never logged.
 */
import type { ContractsContext } from './context.ts';
import { contractErrors } from './errors.ts';
import type { ContractActor } from './model.ts';
import { randomToken, tokenHash, verifyAccessCode } from './secrets.ts';

export interface PartySession {
  readonly token: string;
  readonly envelopeId: string;
  readonly partyId: string;
  readonly expiresAt: string;
}

export async function openSigningLink(
  ctx: ContractsContext,
  raw: unknown,
  source: string | undefined,
): Promise<PartySession> {
  const body = (typeof raw === 'object' && raw !== null ? raw : {}) as {
    token?: unknown;
    accessCode?: unknown;
  };
  const token = typeof body.token === 'string' && body.token.length <= 200 ? body.token : undefined;
  const code =
    typeof body.accessCode === 'string' && body.accessCode.length <= 64 ? body.accessCode : undefined;
  if (token === undefined || code === undefined)
    throw contractErrors.invalid('token/accessCode', 'both are required');
  const hash = tokenHash(token);
  const now = ctx.clock();
  const refuse = async (reason: string, partyId?: string, envelopeId?: string): Promise<never> => {
    await ctx.audit.append({
      type: 'party.authenticate',
      actor: { kind: 'anonymous', id: partyId === undefined ? 'unknown-link' : `party:${partyId}` },
      ...(envelopeId === undefined ? {} : { subject: { kind: 'envelope', id: envelopeId } }),
      outcome: 'failure',
      ...(source === undefined ? {} : { source }),
      details: { reason, method: 'email-link+access-code' },
    });
    throw contractErrors.linkInvalid();
  };
  const party = await ctx.db
    .selectFrom('contract_parties')
    .selectAll()
    .where('link_token_hash', '=', hash)
    .executeTakeFirst();
  if (party === undefined) return refuse('unknown-link');
  const envelope = await ctx.db
    .selectFrom('contract_envelopes')
    .select(['status', 'expires_at'])
    .where('id', '=', party.envelope_id)
    .executeTakeFirstOrThrow();
  if (party.status === 'removed') return refuse('party-removed', party.id, party.envelope_id);
  if (party.link_used_at !== null) return refuse('link-used', party.id, party.envelope_id);
  if (party.link_expires_at === null || Date.parse(party.link_expires_at) <= now.getTime()) {
    return refuse('link-expired', party.id, party.envelope_id);
  }
  if (envelope.status !== 'sent' && envelope.status !== 'completed') {
    return refuse(`envelope-${envelope.status}`, party.id, party.envelope_id);
  }
  if (party.access_code_hash === null || !(await verifyAccessCode(party.access_code_hash, code))) {
    const attempts = party.failed_attempts + 1;
    await ctx.db
      .updateTable('contract_parties')
      .set({
        failed_attempts: attempts,
        ...(attempts >= ctx.settings.accessCodeAttempts ? { link_token_hash: null } : {}),
      })
      .where('id', '=', party.id)
      .execute();
    return refuse(
      attempts >= ctx.settings.accessCodeAttempts ? 'access-code-locked' : 'access-code',
      party.id,
      party.envelope_id,
    );
  }
  const session = randomToken();
  const expiresAt = new Date(now.getTime() + ctx.settings.partySessionMinutes * 60_000).toISOString();
  // Conditional: the link is spent exactly once even when two requests race with it.
  const spent = await ctx.db
    .updateTable('contract_parties')
    .set({
      link_used_at: now.toISOString(),
      party_session_hash: tokenHash(session),
      party_session_expires_at: expiresAt,
      failed_attempts: 0,
    })
    .where('id', '=', party.id)
    .where('link_token_hash', '=', hash)
    .where('link_used_at', 'is', null)
    .executeTakeFirst();
  if (Number(spent.numUpdatedRows) !== 1) return refuse('link-used', party.id, party.envelope_id);
  await ctx.audit.append({
    type: 'party.authenticate',
    actor: { kind: 'anonymous', id: `party:${party.id}` },
    subject: { kind: 'envelope', id: party.envelope_id },
    outcome: 'success',
    ...(source === undefined ? {} : { source }),
    details: { method: 'email-link+access-code', partyId: party.id, email: party.email },
  });
  return { token: session, envelopeId: party.envelope_id, partyId: party.id, expiresAt };
}

/** The party behind a party-session token, or undefined when it is unknown, expired or removed. */
export async function resolvePartySession(
  ctx: ContractsContext,
  token: string,
  source: string | undefined,
): Promise<ContractActor | undefined> {
  if (token.length === 0 || token.length > 200) return undefined;
  const party = await ctx.db
    .selectFrom('contract_parties')
    .select(['id', 'envelope_id', 'status', 'party_session_expires_at'])
    .where('party_session_hash', '=', tokenHash(token))
    .executeTakeFirst();
  if (party === undefined || party.status === 'removed') return undefined;
  if (
    party.party_session_expires_at === null ||
    Date.parse(party.party_session_expires_at) <= ctx.clock().getTime()
  ) {
    return undefined;
  }
  return {
    kind: 'party',
    partyId: party.id,
    envelopeId: party.envelope_id,
    ...(source === undefined ? {} : { source }),
  };
}
