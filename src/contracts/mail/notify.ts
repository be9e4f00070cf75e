/** Mail to parties: requests to act (with a single-use link for outside parties) and completion. */
import type { ContractsContext } from '../context.ts';
import { randomToken, tokenHash } from '../parties/secrets.ts';
import type { EnvelopeTable, PartyTable } from '../store/tables.ts';
import { completedMail, requestMail, senderFacts } from './mail-text.ts';

/** Parties whose turn it is and who have not acted: everyone before them has signed or approved. */
export function partiesDue(envelope: EnvelopeTable, parties: readonly PartyTable[]): PartyTable[] {
  const acting = parties.filter((p) => p.role !== 'viewer' && p.status !== 'removed');
  const waiting = acting.filter((p) => p.status === 'waiting');
  if (waiting.length === 0) return [];
  if (envelope.signing_order === 'parallel') return waiting;
  const first = Math.min(...waiting.map((p) => p.position));
  return waiting.filter((p) => p.position === first);
}

export function isTurnOf(
  envelope: EnvelopeTable,
  parties: readonly PartyTable[],
  party: PartyTable,
): boolean {
  return partiesDue(envelope, parties).some((p) => p.id === party.id);
}

/** 「乙 山田 太郎 様」: the party's label (甲/乙/丙) leads when the envelope has one. */
export function greeting(party: Pick<PartyTable, 'name' | 'label'>): string {
  return `${party.label == null ? '' : `${party.label} `}${party.name} 様`;
}

/** A fresh single-use link for an outside party (the old one stops working). */
export async function issueLink(ctx: ContractsContext, party: PartyTable): Promise<string> {
  const token = randomToken();
  const expires = new Date(ctx.clock().getTime() + ctx.settings.linkValidityHours * 3600_000);
  await ctx.db
    .updateTable('contract_parties')
    .set({
      link_token_hash: tokenHash(token),
      link_expires_at: expires.toISOString(),
      link_used_at: null,
      failed_attempts: 0,
    })
    .where('id', '=', party.id)
    .execute();
  return token;
}

async function sendQuietly(ctx: ContractsContext, to: string, subject: string, text: string): Promise<void> {
  try {
    await ctx.mailer.send({ to, subject, text });
  } catch {
    await ctx.audit
      .append({
        type: 'envelope.notify',
        actor: { kind: 'process', id: 'contracts-mail' },
        outcome: 'failure',
        details: { reason: 'mail delivery failed' },
      })
      .catch(() => undefined);
  }
}

export function linkFor(ctx: ContractsContext, envelope: EnvelopeTable, token: string | undefined): string {
  return token === undefined
    ? `${ctx.settings.publicUrl}/contracts/${envelope.id}`
    : `${ctx.settings.publicUrl}/sign/${token}`;
}

export async function notifyDue(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
  parties: readonly PartyTable[],
  except: ReadonlySet<string> = new Set(),
): Promise<void> {
  const due = partiesDue(envelope, parties).filter((p) => !except.has(p.id));
  if (due.length === 0) return;
  const sender = await senderFacts(ctx, envelope);
  for (const party of due) {
    // Outside witness-type parties get a single-use link; account holders and signer-type parties log in.
    const token =
      party.user_id === null && party.signing_mode !== 'signer-type'
        ? await issueLink(ctx, party)
        : undefined;
    const mail = requestMail(
      {
        envelope,
        party,
        sender,
        link: linkFor(ctx, envelope, token),
        byLink: token !== undefined,
        reminder: false,
      },
      greeting(party),
    );
    await sendQuietly(ctx, party.email, mail.subject, mail.text);
    await ctx.audit.append({
      type: 'envelope.notify',
      actor: { kind: 'process', id: 'contracts' },
      subject: { kind: 'envelope', id: envelope.id },
      outcome: 'success',
      details: { partyId: party.id, role: party.role, channel: token === undefined ? 'account' : 'link' },
    });
  }
}

export async function notifyCompleted(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
  parties: readonly PartyTable[],
  senderEmail: string | undefined,
): Promise<void> {
  const recipients = parties.filter((p) => p.status !== 'removed');
  const sender = await senderFacts(ctx, envelope);
  for (const party of recipients) {
    const token = party.user_id === null ? await issueLink(ctx, party) : undefined;
    const mail = completedMail(envelope, party, greeting(party), sender, linkFor(ctx, envelope, token));
    await sendQuietly(ctx, party.email, mail.subject, mail.text);
  }
  if (senderEmail !== undefined && !recipients.some((p) => p.email === senderEmail)) {
    const mail = completedMail(envelope, undefined, undefined, sender, linkFor(ctx, envelope, undefined));
    await sendQuietly(ctx, senderEmail, mail.subject, mail.text);
  }
}

/** 取消: the parties still involved learn that the sender withdrew the envelope; their links no longer work. */
export async function notifyCancelled(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
  parties: readonly PartyTable[],
  reason: string,
): Promise<void> {
  for (const party of parties.filter((p) => p.status !== 'removed')) {
    await sendQuietly(
      ctx,
      party.email,
      `【取消】${envelope.title}`.slice(0, 200),
      [
        greeting(party),
        '',
        `送信者が「${envelope.title}」を取り消しました。署名の必要はありません。`,
        `The sender withdrew “${envelope.title}”; nothing more needs signing.`,
        '',
        `理由 / Reason: ${reason.slice(0, 500)}`,
      ].join('\n'),
    );
  }
  await ctx.audit.append({
    type: 'envelope.notify',
    actor: { kind: 'process', id: 'contracts' },
    subject: { kind: 'envelope', id: envelope.id },
    outcome: 'success',
    details: { event: 'cancelled', recipients: parties.filter((p) => p.status !== 'removed').length },
  });
}
