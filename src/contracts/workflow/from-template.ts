/**
 * An envelope from a template: the slots are filled with concrete parties, the template's PDFs are
 * copied under fresh per-document HSM keys, and envelope, parties, documents and reminder settings
 * are stored in one transaction — a row that fails leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import type { ContractsContext } from '../context.ts';
import { auditEnvelopeCreated, buildEnvelope } from '../envelopes/envelopes.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor, PartyInput } from '../model/model.ts';
import type { EnvelopeFields, ReminderSettings, SlotFill } from '../model/template-model.ts';
import { auditActorOf } from '../parties/access.ts';
import { workflowDb } from '../parties/internal-approval-gate.ts';
import type { DocumentTable } from '../store/tables.ts';
import type { PreparedVersion } from '../store/vault.ts';
import type { LoadedTemplate } from './templates.ts';

export interface Instantiation {
  readonly fields: EnvelopeFields;
  /** Slot label → party. */
  readonly parties: Readonly<Record<string, SlotFill>>;
  readonly reminders?: ReminderSettings | undefined;
}

/** The raw envelope input (validated again by buildEnvelope, like any other envelope). */
function envelopeInput(
  ctx: ContractsContext,
  template: LoadedTemplate,
  fill: Instantiation,
): Record<string, unknown> {
  const t = template.definition;
  for (const label of Object.keys(fill.parties)) {
    const slot = t.slots.find((s) => s.label === label);
    if (slot === undefined) throw contractErrors.invalid(`parties.${label}`, 'no such slot in the template');
    if (slot.userId !== undefined)
      throw contractErrors.invalid(`parties.${label}`, 'this slot has a fixed party');
  }
  const parties: PartyInput[] = t.slots.map((slot) => {
    const given = fill.parties[slot.label];
    if (slot.userId === undefined && given === undefined)
      throw contractErrors.invalid(`parties.${slot.label}`, 'this slot must be filled');
    if (slot.placement !== undefined && slot.placement.document >= template.documents.length)
      throw contractErrors.invalid(
        `slots.${slot.label}.placement.document`,
        'no such document in the template',
      );
    return {
      role: slot.role,
      label: slot.label,
      signingMode: slot.signingMode,
      order: slot.order,
      placement: slot.placement,
      credentialId: slot.credentialId,
      userId: slot.userId,
      ...given,
    };
  });
  // The counterparty (取引先) defaults to the first outside party's company or name.
  const outside = t.slots
    .map((s) => fill.parties[s.label])
    .find((p) => p?.email !== undefined && p.userId === undefined);
  const counterparty = fill.fields.counterparty ?? t.counterparty ?? outside?.company ?? outside?.name;
  const expiresAt =
    t.expiresInDays === undefined
      ? undefined
      : new Date(ctx.clock().getTime() + t.expiresInDays * 86_400_000).toISOString();
  const message = fill.fields.message ?? t.message;
  return {
    title: fill.fields.title ?? t.title,
    counterparty,
    transactionDate: fill.fields.transactionDate,
    amount: fill.fields.amount,
    currency: t.currency,
    signingOrder: t.signingOrder,
    expiresAt,
    message,
    parties,
  };
}

/** Creates a draft envelope from the template; returns its id. */
export async function instantiate(
  ctx: ContractsContext,
  actor: ContractActor,
  sender: { tenantId: string; userId: string },
  template: LoadedTemplate,
  plaintexts: readonly Buffer[],
  fill: Instantiation,
  audit: Record<string, unknown> = {},
): Promise<string> {
  if (template.documents.length === 0) throw contractErrors.invalid('documents', 'the template has no PDF');
  await ctx.admission?.();
  const { envelope, parties } = await buildEnvelope(ctx, sender, envelopeInput(ctx, template, fill));
  const reminders = fill.reminders ?? template.definition.reminders;
  const made: { document: DocumentTable; version: PreparedVersion }[] = [];
  const keys: string[] = [];
  try {
    for (const [position, source] of template.documents.entries()) {
      const id = randomUUID();
      const key = await ctx.vault.newDocumentKey(id);
      keys.push(key.hsmKeyId);
      const version = await ctx.vault.prepareVersion(
        id,
        1,
        'original',
        key.contentKey,
        plaintexts[position]!,
      );
      made.push({
        version,
        document: {
          id,
          envelope_id: envelope.id,
          position,
          name: source.name,
          hsm_key_id: key.hsmKeyId,
          sealed_key: key.sealedKey,
          current_version: 1,
          original_sha256: version.row.sha256,
          status: 'active',
          created_at: envelope.created_at,
          shredded_at: null,
        },
      });
    }
    await workflowDb(ctx)
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('contract_envelopes').values(envelope).execute();
        await trx.insertInto('contract_parties').values(parties).execute();
        for (const { document, version } of made) {
          await trx.insertInto('contract_documents').values(document).execute();
          await ctx.vault.record(trx, version);
        }
        if (reminders !== undefined) {
          await trx
            .insertInto('contract_envelope_reminders')
            .values({
              envelope_id: envelope.id,
              interval_days: reminders.intervalDays,
              max_reminders: reminders.maxReminders,
            })
            .execute();
        }
      });
  } catch (error) {
    await ctx.vault.abandon(made.map((m) => m.version));
    for (const key of keys) await ctx.vault.discardKey(key);
    throw error;
  }
  await auditEnvelopeCreated(ctx, actor, envelope, parties, { templateId: template.row.id, ...audit });
  for (const { document } of made) {
    await ctx.audit.append({
      type: 'document.upload',
      actor: auditActorOf(actor),
      subject: { kind: 'document', id: document.id },
      outcome: 'success',
      details: {
        envelopeId: envelope.id,
        sha256: document.original_sha256,
        templateId: template.row.id,
        hsmKeyId: document.hsm_key_id,
      },
    });
  }
  return envelope.id;
}
