/**
 * An envelope from a template: the slots are filled with concrete parties, the template's PDFs are
 * copied under fresh per-document HSM keys, and envelope, parties, documents and reminder settings
 * are stored in one transaction — a row that fails leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import type { AuditActor } from '../audit/index.ts';
import { auditActorOf } from './access.ts';
import type { ContractsContext } from './context.ts';
import { auditEnvelopeCreated, buildEnvelope } from './envelopes.ts';
import { contractErrors } from './errors.ts';
import { workflowDb } from './internal-approval-gate.ts';
import type { ContractActor, PartyInput } from './model.ts';
import type { DocumentTable } from './tables.ts';
import type { EnvelopeFields, ReminderSettings, SlotFill } from './template-model.ts';
import type { LoadedTemplate } from './templates.ts';
import type { PreparedVersion } from './vault.ts';

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
      ...(slot.signingMode === undefined ? {} : { signingMode: slot.signingMode }),
      ...(slot.order === undefined ? {} : { order: slot.order }),
      ...(slot.placement === undefined ? {} : { placement: slot.placement }),
      ...(slot.credentialId === undefined ? {} : { credentialId: slot.credentialId }),
      ...(slot.userId === undefined ? {} : { userId: slot.userId }),
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
    ...(fill.fields.transactionDate === undefined ? {} : { transactionDate: fill.fields.transactionDate }),
    ...(fill.fields.amount === undefined ? {} : { amount: fill.fields.amount }),
    currency: t.currency,
    signingOrder: t.signingOrder,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(message === undefined ? {} : { message }),
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

/**
 * Removes a draft that was never sent (a bulk row whose sending failed after creation): rows go,
 * HSM keys are destroyed, blob files overwritten. Nothing of it was ever shown to anyone.
 */
export async function discardDraft(
  ctx: ContractsContext,
  envelopeId: string,
  by: AuditActor,
  reason: string,
): Promise<void> {
  const db = workflowDb(ctx);
  const documents = await db
    .selectFrom('contract_documents')
    .selectAll()
    .where('envelope_id', '=', envelopeId)
    .execute();
  const versions =
    documents.length === 0
      ? []
      : await db
          .selectFrom('contract_document_versions')
          .select('blob_ref')
          .where(
            'document_id',
            'in',
            documents.map((d) => d.id),
          )
          .execute();
  await db.transaction().execute(async (trx) => {
    const draft = await trx
      .selectFrom('contract_envelopes')
      .select('status')
      .where('id', '=', envelopeId)
      .executeTakeFirst();
    if (draft?.status !== 'draft') throw contractErrors.state(draft?.status ?? 'missing', 'discarded');
    await trx.deleteFrom('contract_envelope_reminders').where('envelope_id', '=', envelopeId).execute();
    await trx.deleteFrom('contract_internal_approvals').where('envelope_id', '=', envelopeId).execute();
    for (const d of documents)
      await trx.deleteFrom('contract_document_versions').where('document_id', '=', d.id).execute();
    await trx.deleteFrom('contract_documents').where('envelope_id', '=', envelopeId).execute();
    await trx.deleteFrom('contract_parties').where('envelope_id', '=', envelopeId).execute();
    await trx.deleteFrom('contract_envelopes').where('id', '=', envelopeId).execute();
  });
  for (const d of documents)
    if (d.hsm_key_id !== null) await ctx.vault.discardKey(d.hsm_key_id, 'draft discarded');
  for (const v of versions) await ctx.vault.removeBlob(v.blob_ref);
  await ctx.audit.append({
    type: 'envelope.discard',
    actor: by,
    subject: { kind: 'envelope', id: envelopeId },
    outcome: 'success',
    details: { reason: reason.slice(0, 200), documents: documents.length },
  });
}
