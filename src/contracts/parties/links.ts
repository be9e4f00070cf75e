/**
 * Outside parties: an e-mailed single-use link plus an access code given by another channel. Both
 * together open a short party session; the link is spent on first success (or after too many wrong
 * codes). Tokens and codes are stored hashed and never logged.
 */
import type { ShomeiError } from '../../errors/index.ts';
import { withoutUndefined } from '../../objects/index.ts';
import type { ContractsContext } from '../context.ts';
import { lockedMail } from '../mail/mail-text.ts';
import { openLinkSchema } from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import { type ContractActor, parseInput } from '../model/model.ts';
import type { PartyTable } from '../store/tables.ts';
import { randomToken, tokenHash, verifyAccessCode } from './secrets.ts';

export interface PartySession {
  readonly token: string;
  readonly envelopeId: string;
  readonly partyId: string;
  readonly expiresAt: string;
}

/** Records a refused attempt (never the token or code) and throws what the holder is told. */
type Refuse = (reason: string, party?: PartyTable, error?: ShomeiError) => Promise<never>;

function refusalsOf(ctx: ContractsContext, source: string | undefined): Refuse {
  return async (reason, party, error = contractErrors.linkInvalid()) => {
    const subject = party === undefined ? undefined : { kind: 'envelope', id: party.envelope_id };
    await ctx.audit.append({
      type: 'party.authenticate',
      actor: { kind: 'anonymous', id: party === undefined ? 'unknown-link' : `party:${party.id}` },
      ...withoutUndefined({ subject, source }),
      outcome: 'failure',
      details: { reason, method: 'email-link+access-code' },
    });
    throw error;
  };
}

export async function openSigningLink(
  ctx: ContractsContext,
  raw: unknown,
  source: string | undefined,
): Promise<PartySession> {
  const { token, accessCode } = parseInput(openLinkSchema, raw);
  const hash = tokenHash(token);
  const now = ctx.clock();
  const refuse = refusalsOf(ctx, source);
  const party = await liveLinkParty(ctx, hash, now, refuse);
  await checkAccessCode(ctx, party, hash, accessCode, refuse);
  const session = await spendLink(ctx, party, hash, now, refuse);
  await ctx.audit.append({
    type: 'party.authenticate',
    actor: { kind: 'anonymous', id: `party:${party.id}` },
    subject: { kind: 'envelope', id: party.envelope_id },
    outcome: 'success',
    ...withoutUndefined({ source }),
    details: { method: 'email-link+access-code', partyId: party.id, email: party.email },
  });
  return session;
}

/** The party whose link this is, while link and envelope are still open to it. */
async function liveLinkParty(
  ctx: ContractsContext,
  hash: string,
  now: Date,
  refuse: Refuse,
): Promise<PartyTable> {
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
  if (party.status === 'removed') return refuse('party-removed', party);
  if (party.link_used_at !== null) return refuse('link-used', party);
  if (party.link_expires_at === null || Date.parse(party.link_expires_at) <= now.getTime()) {
    return refuse('link-expired', party);
  }
  if (envelope.status !== 'sent' && envelope.status !== 'completed') {
    return refuse(`envelope-${envelope.status}`, party);
  }
  // Past its expiry an envelope is dead even before the sweep marks it expired.
  if (envelopeExpired(envelope, now)) return refuse('envelope-expired', party);
  return party;
}

async function checkAccessCode(
  ctx: ContractsContext,
  party: PartyTable,
  hash: string,
  code: string,
  refuse: Refuse,
): Promise<void> {
  // The attempt is counted before the code is compared, in one conditional statement: parallel
  // guesses each take a slot or are refused, so no more than the limit are ever compared.
  const counted = await ctx.db
    .updateTable('contract_parties')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('id', '=', party.id)
    .where('link_token_hash', '=', hash)
    .where('link_used_at', 'is', null)
    .where('failed_attempts', '<', ctx.settings.accessCodeAttempts)
    .returning('failed_attempts')
    .executeTakeFirst();
  // A locked link stays known (so its holder is told it is locked) until the sender re-issues it.
  if (counted === undefined) return refuse('attempts-exhausted', party, contractErrors.linkLocked());
  if (party.access_code_hash !== null && (await verifyAccessCode(party.access_code_hash, code))) return;
  const left = ctx.settings.accessCodeAttempts - Number(counted.failed_attempts);
  if (left > 0) return refuse('access-code', party, contractErrors.accessCodeWrong(left));
  await tellSenderLocked(ctx, party);
  return refuse('access-code-locked', party, contractErrors.linkLocked());
}

/** Spends the link for a new party session; exactly once even when two requests race with it. */
async function spendLink(
  ctx: ContractsContext,
  party: PartyTable,
  hash: string,
  now: Date,
  refuse: Refuse,
): Promise<PartySession> {
  const session = randomToken();
  const expiresAt = new Date(now.getTime() + ctx.settings.partySessionMinutes * 60_000).toISOString();
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
  if (Number(spent.numUpdatedRows) !== 1) return refuse('link-used', party);
  return { token: session, envelopeId: party.envelope_id, partyId: party.id, expiresAt };
}

/** The sender hears at once that a party's link locked (the envelope also shows ロック中). */
async function tellSenderLocked(ctx: ContractsContext, party: PartyTable): Promise<void> {
  const envelope = await ctx.db
    .selectFrom('contract_envelopes')
    .selectAll()
    .where('id', '=', party.envelope_id)
    .executeTakeFirstOrThrow();
  const sender = await ctx.users(envelope.created_by).catch(() => undefined);
  if (sender === undefined) return;
  const mail = lockedMail(envelope, party, `${ctx.settings.publicUrl}/contracts/${envelope.id}`);
  await ctx.mailer.send({ to: sender.email, ...mail }).catch(() => undefined);
}

/** A sent envelope past its expiry (the sweep marks it expired later; links die at once). */
function envelopeExpired(envelope: { status: string; expires_at: string | null }, now: Date): boolean {
  if (envelope.status === 'expired') return true;
  return (
    envelope.status === 'sent' &&
    envelope.expires_at !== null &&
    Date.parse(envelope.expires_at) <= now.getTime()
  );
}

/**
 * The party behind a party-session token, or undefined when it is unknown, expired or removed, or
 * its envelope has expired (nothing of it is readable through a signing link any more).
 */
export async function resolvePartySession(
  ctx: ContractsContext,
  token: string,
  source: string | undefined,
): Promise<ContractActor | undefined> {
  if (token.length === 0 || token.length > 200) return undefined;
  const party = await ctx.db
    .selectFrom('contract_parties as p')
    .innerJoin('contract_envelopes as e', 'e.id', 'p.envelope_id')
    .select([
      'p.id',
      'p.envelope_id',
      'p.status',
      'p.party_session_expires_at',
      'e.status as envelopeStatus',
      'e.expires_at',
    ])
    .where('p.party_session_hash', '=', tokenHash(token))
    .executeTakeFirst();
  if (party === undefined || party.status === 'removed') return undefined;
  const now = ctx.clock();
  if (
    party.party_session_expires_at === null ||
    Date.parse(party.party_session_expires_at) <= now.getTime() ||
    envelopeExpired({ status: party.envelopeStatus, expires_at: party.expires_at }, now)
  ) {
    return undefined;
  }
  return {
    kind: 'party',
    partyId: party.id,
    envelopeId: party.envelope_id,
    source,
  };
}
