/**
 * Completion: when every signer and approver has acted, each document gets the certificate of
 * completion attached, validation data for every signature (B-LT) and a document timestamp (B-LTA).
 * The envelope moves sent → completing → completed by conditional updates, so of two instances
 * only one completes it.
 */

import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { addDocumentTimestamp, addValidationData } from '../ades/index.ts';
import { type AuditReference, attachCertificate, buildCertificate } from './certificate.ts';
import type { ContractsContext } from './context.ts';
import { contractErrors } from './errors.ts';
import { notifyCompleted, notifyDue, partiesDue } from './notify.ts';
import type { DocumentTable, EnvelopeTable, PartyTable } from './tables.ts';
import { type PreparedVersion, sha256Hex } from './vault.ts';

export async function retentionYearsOf(ctx: ContractsContext, tenantId: string): Promise<number> {
  const row = await ctx.db
    .selectFrom('contract_tenant_settings')
    .select('retention_years')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return row?.retention_years ?? ctx.settings.defaultRetentionYears;
}

function addYears(date: Date, years: number): Date {
  const next = new Date(date.getTime());
  next.setUTCFullYear(next.getUTCFullYear() + years);
  return next;
}

function allActed(parties: readonly PartyTable[]): boolean {
  return parties
    .filter((p) => p.role !== 'viewer' && p.status !== 'removed')
    .every((p) => p.status === 'signed' || p.status === 'approved');
}

/** After a party acted: complete the envelope, or tell the parties whose turn has now come. */
export async function afterAct(
  ctx: ContractsContext,
  envelopeId: string,
  actedPartyId: string,
): Promise<void> {
  const envelope = await ctx.db
    .selectFrom('contract_envelopes')
    .selectAll()
    .where('id', '=', envelopeId)
    .executeTakeFirstOrThrow();
  const parties = await ctx.db
    .selectFrom('contract_parties')
    .selectAll()
    .where('envelope_id', '=', envelopeId)
    .orderBy('position')
    .execute();
  if (envelope.status !== 'sent') return;
  if (allActed(parties)) {
    await completeEnvelope(ctx, envelope, parties);
    return;
  }
  const asBefore = parties.map((p) => (p.id === actedPartyId ? { ...p, status: 'waiting' as const } : p));
  const dueBefore = new Set(partiesDue(envelope, asBefore).map((p) => p.id));
  await notifyDue(ctx, envelope, parties, dueBefore);
}

async function auditReferences(ctx: ContractsContext, envelope: EnvelopeTable): Promise<AuditReference[]> {
  if (ctx.auditSearch === undefined) return [];
  const records = await ctx.auditSearch({ from: envelope.created_at, limit: 10_000 });
  return records
    .filter(
      (r) =>
        r.subject?.id === envelope.id ||
        (typeof r.details.envelopeId === 'string' && r.details.envelopeId === envelope.id),
    )
    .map((r) => ({ seq: r.seq, time: r.time, type: r.type, hash: r.hash }));
}

export async function completeEnvelope(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
  parties: readonly PartyTable[],
): Promise<void> {
  const claimed = await ctx.db
    .updateTable('contract_envelopes')
    .set({ status: 'completing', updated_at: ctx.clock().toISOString() })
    .where('id', '=', envelope.id)
    .where('status', '=', 'sent')
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) return; // another instance is completing it
  const completedAt = ctx.clock();
  const documents = await ctx.db
    .selectFrom('contract_documents')
    .selectAll()
    .where('envelope_id', '=', envelope.id)
    .orderBy('position')
    .execute();
  const prepared: PreparedVersion[] = [];
  const dir = path.join(ctx.workDirectory, randomUUID());
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const provider = await ctx.provider();
    const signedHashes: { document: DocumentTable; bytes: Buffer; sha256: string }[] = [];
    for (const document of documents) {
      const bytes = await ctx.vault.read(document);
      signedHashes.push({ document, bytes, sha256: sha256Hex(bytes) });
    }
    const certificate = buildCertificate(
      envelope,
      parties,
      signedHashes.map((d) => ({
        name: d.document.name,
        originalSha256: d.document.original_sha256,
        signedSha256: d.sha256,
      })),
      await auditReferences(ctx, envelope),
      completedAt,
    );
    for (const [index, { document, bytes }] of signedHashes.entries()) {
      const attached = path.join(dir, `${index}.attached.pdf`);
      const longTerm = path.join(dir, `${index}.lt.pdf`);
      const archived = path.join(dir, `${index}.lta.pdf`);
      await attachCertificate(bytes, attached, certificate);
      await addValidationData({
        input: attached,
        output: longTerm,
        revocationSource: provider.revocationSource,
      });
      await addDocumentTimestamp({
        input: longTerm,
        output: archived,
        tsa: provider.tsa,
        fieldName: `shomei-archive-${index}-1`,
      });
      const key = await ctx.vault.contentKeyOf(document);
      prepared.push(
        await ctx.vault.prepareVersion(
          document.id,
          document.current_version + 1,
          'completion',
          key,
          await readFile(archived),
        ),
      );
    }
    const retentionUntil = addYears(
      completedAt,
      await retentionYearsOf(ctx, envelope.tenant_id),
    ).toISOString();
    await ctx.db.transaction().execute(async (trx) => {
      for (const [index, version] of prepared.entries()) {
        const document = documents[index]!;
        await ctx.vault.record(trx, version);
        const moved = await trx
          .updateTable('contract_documents')
          .set({ current_version: version.row.version })
          .where('id', '=', document.id)
          .where('current_version', '=', document.current_version)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) throw contractErrors.conflict();
      }
      const done = await trx
        .updateTable('contract_envelopes')
        .set({
          status: 'completed',
          completed_at: completedAt.toISOString(),
          retention_until: retentionUntil,
          updated_at: completedAt.toISOString(),
        })
        .where('id', '=', envelope.id)
        .where('status', '=', 'completing')
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) throw contractErrors.conflict();
    });
    await ctx.audit.append({
      type: 'envelope.complete',
      actor: { kind: 'process', id: 'contracts' },
      subject: { kind: 'envelope', id: envelope.id },
      outcome: 'success',
      details: {
        documents: prepared.map((p) => ({
          id: p.row.document_id,
          sha256: p.row.sha256,
          version: p.row.version,
        })),
        level: 'B-LTA',
        retentionUntil,
      },
    });
  } catch (error) {
    await ctx.vault.abandon(prepared);
    // Back to sent so that completion can be tried again (POST …/complete).
    await ctx.db
      .updateTable('contract_envelopes')
      .set({ status: 'sent' })
      .where('id', '=', envelope.id)
      .where('status', '=', 'completing')
      .execute();
    await ctx.audit.append({
      type: 'envelope.complete',
      actor: { kind: 'process', id: 'contracts' },
      subject: { kind: 'envelope', id: envelope.id },
      outcome: 'failure',
      details: { reason: error instanceof Error ? error.message.slice(0, 200) : 'unknown' },
    });
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const sender = await ctx.users(envelope.created_by);
  const fresh = await ctx.db
    .selectFrom('contract_parties')
    .selectAll()
    .where('envelope_id', '=', envelope.id)
    .execute();
  await notifyCompleted(ctx, envelope, fresh, sender?.email);
  await ctx.emit(envelope.tenant_id, 'envelope.completed', { envelopeId: envelope.id });
}
