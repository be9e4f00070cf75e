/**
 * Reminders (リマインド): a party whose turn it is and who has not acted gets a reminder every
 * `intervalDays` after their turn began, at most `maxReminders` times (envelope setting, else the
 * tenant's, else the installation's). The job runs under a cluster-wide lock (ContractService.remindDue),
 * and each reminder is claimed by inserting its (party, kind, sequence) row first, so even two runs at
 * once mail it only once. Expired, closed and draft envelopes are never reminded. The sender may also
 * remind at once (manual reminders do not count against the maximum).
 */

import type { ContractsContext } from '../context.ts';
import { requestMail, senderFacts } from '../mail/mail-text.ts';
import { greeting, issueLink, linkFor, partiesDue } from '../mail/notify.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { type ReminderSettings, remindersSchema } from '../model/template-model.ts';
import { parseWith, workflowErrors } from '../model/workflow-errors.ts';
import { auditActorOf, loadEnvelope } from '../parties/access.ts';
import { workflowDb } from '../parties/internal-approval-gate.ts';
import { requireTenantAdmin } from '../parties/permissions.ts';
import type { EnvelopeTable, PartyTable } from '../store/tables.ts';

const DAY_MS = 86_400_000;

export async function reminderSettingsOf(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
): Promise<ReminderSettings> {
  const db = workflowDb(ctx);
  const own = await db
    .selectFrom('contract_envelope_reminders')
    .selectAll()
    .where('envelope_id', '=', envelope.id)
    .executeTakeFirst();
  if (own !== undefined) return { intervalDays: own.interval_days, maxReminders: own.max_reminders };
  const tenant = await db
    .selectFrom('contract_reminder_settings')
    .selectAll()
    .where('tenant_id', '=', envelope.tenant_id)
    .executeTakeFirst();
  if (tenant !== undefined) return { intervalDays: tenant.interval_days, maxReminders: tenant.max_reminders };
  return { intervalDays: ctx.settings.reminderIntervalDays, maxReminders: ctx.settings.maxReminders };
}

/** When the party's turn began: sending, or (in order) the last act of a party before them. */
function turnBegan(envelope: EnvelopeTable, parties: readonly PartyTable[], party: PartyTable): number {
  let began = Date.parse(envelope.sent_at ?? envelope.created_at);
  if (envelope.signing_order === 'sequential') {
    for (const p of parties) {
      if (p.position < party.position && p.acted_at !== null) began = Math.max(began, Date.parse(p.acted_at));
    }
  }
  return began;
}

function isLive(envelope: EnvelopeTable, now: Date): boolean {
  return (
    envelope.status === 'sent' &&
    (envelope.expires_at === null || Date.parse(envelope.expires_at) > now.getTime())
  );
}

/** Claims one reminder, mails it, and gives the claim back if the mail could not be handed over. */
async function remind(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
  party: PartyTable,
  kind: 'scheduled' | 'manual',
  sequence: number,
  by: string,
): Promise<boolean> {
  // A locked link waits for the sender's re-issue: a reminder's fresh link would reset the attempts.
  if (party.failed_attempts >= ctx.settings.accessCodeAttempts) return false;
  const db = workflowDb(ctx);
  const claimed = await db
    .insertInto('contract_reminders')
    .values({
      party_id: party.id,
      kind,
      sequence,
      envelope_id: envelope.id,
      sent_at: ctx.clock().toISOString(),
      sent_by: by,
    })
    .onConflict((oc) => oc.columns(['party_id', 'kind', 'sequence']).doNothing())
    .executeTakeFirst();
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) !== 1) return false; // another run has it
  // Signer-type parties log in (they have no access code); only outside witness-type parties get a link.
  const token =
    party.user_id === null && party.signing_mode !== 'signer-type' ? await issueLink(ctx, party) : undefined;
  const mail = requestMail(
    {
      envelope,
      party,
      sender: await senderFacts(ctx, envelope),
      link: linkFor(ctx, envelope, token),
      byLink: token !== undefined,
      reminder: true,
    },
    greeting(party),
  );
  try {
    await ctx.mailer.send({ to: party.email, subject: mail.subject, text: mail.text });
  } catch {
    await db
      .deleteFrom('contract_reminders')
      .where('party_id', '=', party.id)
      .where('kind', '=', kind)
      .where('sequence', '=', sequence)
      .execute();
    return false;
  }
  await ctx.audit.append({
    type: 'envelope.remind',
    actor: { kind: 'process', id: by },
    subject: { kind: 'envelope', id: envelope.id },
    outcome: 'success',
    details: { partyId: party.id, kind, sequence, channel: token === undefined ? 'account' : 'link' },
  });
  return true;
}

/** One run of the scheduled job: every reminder that is due now, each at most once. */
export async function sendDueReminders(ctx: ContractsContext, now: Date = ctx.clock()): Promise<number> {
  const envelopes = await ctx.db
    .selectFrom('contract_envelopes')
    .selectAll()
    .where('status', '=', 'sent')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]))
    .execute();
  let sent = 0;
  for (const envelope of envelopes) {
    if (!isLive(envelope, now)) continue;
    const settings = await reminderSettingsOf(ctx, envelope);
    if (settings.maxReminders === 0) continue;
    const parties = await ctx.db
      .selectFrom('contract_parties')
      .selectAll()
      .where('envelope_id', '=', envelope.id)
      .orderBy('position')
      .execute();
    for (const party of partiesDue(envelope, parties)) {
      const intervals = Math.floor(
        (now.getTime() - turnBegan(envelope, parties, party)) / (settings.intervalDays * DAY_MS),
      );
      // Missed runs do not pile up: only the latest due reminder is sent.
      const sequence = Math.min(intervals, settings.maxReminders);
      if (sequence < 1) continue;
      if (await remind(ctx, envelope, party, 'scheduled', sequence, 'contracts-reminders')) sent += 1;
    }
  }
  return sent;
}

/** "Remind now" by the sender: every party whose turn it is and who has not acted. */
export async function remindNow(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
): Promise<{ reminded: { partyId: string; email: string }[] }> {
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'manage');
  const now = ctx.clock();
  if (!isLive(loaded.envelope, now)) throw workflowErrors.nothingToRemind();
  const due = partiesDue(loaded.envelope, loaded.parties);
  if (due.length === 0) throw workflowErrors.nothingToRemind();
  const reminded: { partyId: string; email: string }[] = [];
  for (const party of due) {
    const count = await workflowDb(ctx)
      .selectFrom('contract_reminders')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where('party_id', '=', party.id)
      .where('kind', '=', 'manual')
      .executeTakeFirstOrThrow();
    const by = auditActorOf(actor).id;
    if (await remind(ctx, loaded.envelope, party, 'manual', Number(count.n) + 1, by)) {
      reminded.push({ partyId: party.id, email: party.email });
    }
  }
  return { reminded };
}

/** Reminder settings of one envelope (sender, before completion). */
export async function setEnvelopeReminders(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  raw: unknown,
): Promise<ReminderSettings> {
  const settings = parseWith(remindersSchema, raw, contractErrors.invalid);
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'manage');
  if (!['draft', 'sent'].includes(loaded.envelope.status))
    throw contractErrors.state(loaded.envelope.status, 'changed');
  await workflowDb(ctx)
    .insertInto('contract_envelope_reminders')
    .values({
      envelope_id: envelopeId,
      interval_days: settings.intervalDays,
      max_reminders: settings.maxReminders,
    })
    .onConflict((oc) =>
      oc
        .column('envelope_id')
        .doUpdateSet({ interval_days: settings.intervalDays, max_reminders: settings.maxReminders }),
    )
    .execute();
  await ctx.audit.append({
    type: 'envelope.reminders.set',
    actor: auditActorOf(actor),
    subject: { kind: 'envelope', id: envelopeId },
    outcome: 'success',
    details: { ...settings },
  });
  return settings;
}

/** The tenant's reminder defaults: a tenant setting, changed by tenant administrators only. */
export async function setTenantReminders(
  ctx: ContractsContext,
  actor: ContractActor,
  raw: unknown,
): Promise<ReminderSettings> {
  const tenantId = await requireTenantAdmin(ctx, actor);
  const settings = parseWith(remindersSchema, raw, contractErrors.invalid);
  const now = ctx.clock().toISOString();
  await workflowDb(ctx)
    .insertInto('contract_reminder_settings')
    .values({
      tenant_id: tenantId,
      interval_days: settings.intervalDays,
      max_reminders: settings.maxReminders,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.column('tenant_id').doUpdateSet({
        interval_days: settings.intervalDays,
        max_reminders: settings.maxReminders,
        updated_at: now,
      }),
    )
    .execute();
  await ctx.audit.append({
    type: 'contracts.reminders.set',
    actor: auditActorOf(actor),
    outcome: 'success',
    details: { ...settings },
  });
  return settings;
}
