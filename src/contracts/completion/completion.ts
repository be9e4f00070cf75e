/**
 * Completion: when every signer and approver has acted, each document gets the certificate of
 * completion attached, validation data for every signature (B-LT) and a document timestamp (B-LTA).
 * The envelope moves sent → completing → completed by conditional updates, so of two instances
 * only one completes it.
 */

import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AuditEventInput, AuditTrail, TransactionalAuditTrail } from '../../audit/index.ts';
import type { ContractsContext } from '../context.ts';
import { notifyCompleted, notifyDue, partiesDue } from '../mail/notify.ts';
import { contractErrors } from '../model/errors.ts';
import type { DocumentTable, EnvelopeTable, PartyTable } from '../store/tables.ts';
import { type PreparedVersion, sha256Hex } from '../store/vault.ts';
import { type AuditReference, buildCertificate } from './certificate.ts';
import { assembleCompletedDocument } from './completion-assembly.ts';

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
  // The claim's time is its lease: a completion still `completing` long after it is taken over.
  const claimedAt = ctx.clock().toISOString();
  const claimed = await ctx.db
    .updateTable('contract_envelopes')
    .set({ status: 'completing', updated_at: claimedAt })
    .where('id', '=', envelope.id)
    .where('status', '=', 'sent')
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) return; // another instance is completing it
  await finishCompletion(ctx, envelope, parties, claimedAt, false);
}

function transactional(audit: AuditTrail): audit is TransactionalAuditTrail {
  return typeof (audit as Partial<TransactionalAuditTrail>).appendWithin === 'function';
}

/**
 * The work of a claimed completion. Everything it leaves behind when its process dies before the
 * commit is either removed by the resumption (blob files of the next version, work files) or
 * harmless (timestamps issued by the TSA); new versions, `completed` and the envelope.complete
 * record commit in one transaction, so a resumed completion cannot add a second set.
 */
async function finishCompletion(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
  parties: readonly PartyTable[],
  claimedAt: string,
  resumed: boolean,
): Promise<void> {
  const completedAt = ctx.clock();
  const documents = await ctx.db
    .selectFrom('contract_documents')
    .selectAll()
    .where('envelope_id', '=', envelope.id)
    .orderBy('position')
    .execute();
  const prepared: PreparedVersion[] = [];
  let committed = false;
  const dir = path.join(ctx.workDirectory, randomUUID());
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await assembleVersions(ctx, { envelope, parties, documents, completedAt, dir }, prepared);
    const retentionUntil = addYears(
      completedAt,
      await retentionYearsOf(ctx, envelope.tenant_id),
    ).toISOString();
    const completeEvent = completionEvent(envelope.id, prepared, retentionUntil, resumed);
    await commitCompletion(ctx, {
      envelope,
      documents,
      prepared,
      completedAt,
      retentionUntil,
      completeEvent,
    });
    committed = true;
    if (!transactional(ctx.audit)) await ctx.audit.append(completeEvent);
  } catch (error) {
    // Files of versions that committed are the documents now; only uncommitted ones go.
    if (!committed) await ctx.vault.abandon(prepared);
    await returnToSent(ctx, envelope.id, claimedAt, error);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await announceCompletion(ctx, envelope);
}

interface CompletionWork {
  readonly envelope: EnvelopeTable;
  readonly parties: readonly PartyTable[];
  readonly documents: readonly DocumentTable[];
  readonly completedAt: Date;
  /** The completion's private work directory. */
  readonly dir: string;
}

/**
 * Each document's completed version (certificate, B-LT, B-LTA) written but not recorded, pushed onto
 * `prepared` one by one so that a failure half-way abandons exactly the ones already written.
 */
async function assembleVersions(
  ctx: ContractsContext,
  work: CompletionWork,
  prepared: PreparedVersion[],
): Promise<void> {
  const provider = await ctx.provider();
  const signedHashes: { document: DocumentTable; bytes: Buffer; sha256: string }[] = [];
  for (const document of work.documents) {
    const bytes = await ctx.vault.read(document);
    signedHashes.push({ document, bytes, sha256: sha256Hex(bytes) });
  }
  const certificate = buildCertificate(
    work.envelope,
    work.parties,
    signedHashes.map((d) => ({
      name: d.document.name,
      originalSha256: d.document.original_sha256,
      signedSha256: d.sha256,
    })),
    await auditReferences(ctx, work.envelope),
    work.completedAt,
  );
  for (const [index, { document, bytes }] of signedHashes.entries()) {
    // On the work pool's threads when there is one (ADR 016); revocation and timestamps stay here.
    const assembly = { bytes, certificate, directory: work.dir, index };
    const completed =
      ctx.pdfWork?.assembleCompleted === undefined
        ? await assembleCompletedDocument(assembly, provider)
        : await ctx.pdfWork.assembleCompleted(assembly, provider);
    const key = await ctx.vault.contentKeyOf(document);
    prepared.push(
      await ctx.vault.prepareVersion(document.id, document.current_version + 1, 'completion', key, completed),
    );
  }
}

function completionEvent(
  envelopeId: string,
  prepared: readonly PreparedVersion[],
  retentionUntil: string,
  resumed: boolean,
): AuditEventInput {
  return {
    type: 'envelope.complete',
    actor: { kind: 'process', id: 'contracts' },
    subject: { kind: 'envelope', id: envelopeId },
    outcome: 'success',
    details: {
      documents: prepared.map((p) => ({
        id: p.row.document_id,
        sha256: p.row.sha256,
        version: p.row.version,
      })),
      level: 'B-LTA',
      retentionUntil,
      ...(resumed ? { resumed: true } : {}),
    },
  };
}

/** New versions, `completed` and the envelope.complete record in one transaction. */
async function commitCompletion(
  ctx: ContractsContext,
  commit: {
    readonly envelope: EnvelopeTable;
    readonly documents: readonly DocumentTable[];
    readonly prepared: readonly PreparedVersion[];
    readonly completedAt: Date;
    readonly retentionUntil: string;
    readonly completeEvent: AuditEventInput;
  },
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    for (const [index, version] of commit.prepared.entries()) {
      const document = commit.documents[index]!;
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
        completed_at: commit.completedAt.toISOString(),
        retention_until: commit.retentionUntil,
        updated_at: commit.completedAt.toISOString(),
      })
      .where('id', '=', commit.envelope.id)
      .where('status', '=', 'completing')
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) throw contractErrors.conflict();
    // In the same transaction: a crash cannot leave a completed envelope without its record.
    if (transactional(ctx.audit)) await ctx.audit.appendWithin(trx, commit.completeEvent);
  });
}

/**
 * Back to sent so that completion can be tried again (POST …/complete, or the sweep after the
 * lease) — only while the claim is still ours, never under an instance that took it over.
 */
async function returnToSent(
  ctx: ContractsContext,
  envelopeId: string,
  claimedAt: string,
  error: unknown,
): Promise<void> {
  await ctx.db
    .updateTable('contract_envelopes')
    .set({ status: 'sent' })
    .where('id', '=', envelopeId)
    .where('status', '=', 'completing')
    .where('updated_at', '=', claimedAt)
    .execute();
  await ctx.audit.append({
    type: 'envelope.complete',
    actor: { kind: 'process', id: 'contracts' },
    subject: { kind: 'envelope', id: envelopeId },
    outcome: 'failure',
    details: { reason: error instanceof Error ? error.message.slice(0, 200) : 'unknown' },
  });
}

/** The parties' mails and the envelope.completed webhook, after the commit. */
async function announceCompletion(ctx: ContractsContext, envelope: EnvelopeTable): Promise<void> {
  const sender = await ctx.users(envelope.created_by);
  const fresh = await ctx.db
    .selectFrom('contract_parties')
    .selectAll()
    .where('envelope_id', '=', envelope.id)
    .execute();
  await notifyCompleted(ctx, envelope, fresh, sender?.email);
  await ctx.emit(envelope.tenant_id, 'envelope.completed', { envelopeId: envelope.id });
}

export interface ResumeOutcome {
  /** Completions finished for an instance that died (or never started after the last act). */
  readonly resumed: number;
  /** `completing` envelopes whose parties had not all acted, put back to `sent`. */
  readonly returned: number;
  readonly failed: number;
}

/**
 * Completions that lost their process: envelopes `completing` since before `cutoff`, and `sent`
 * envelopes every acting party has acted on, untouched since `cutoff` (a crash between the act's
 * commit and the claim, or a failed completion). Each is taken by a conditional update on its status
 * and claim time, so of several instances one takes it; the completion's own conditions on the
 * document versions keep even a late original owner from committing a second set. `startup` (SQLite,
 * one process, nothing in flight) also removes the files a killed completion or act left behind.
 */
export async function resumeCompletions(
  ctx: ContractsContext,
  options: { readonly cutoff: Date; readonly startup: boolean },
  onError: (envelopeId: string, error: unknown) => void,
): Promise<ResumeOutcome> {
  if (options.startup && ctx.dialect === 'sqlite') await removeStaleWorkFiles(ctx, options.cutoff);
  const stalled = await resumeStalled(ctx, options, onError);
  const unclaimed = await completeUnclaimed(ctx, options, onError);
  return {
    resumed: stalled.resumed + unclaimed.resumed,
    returned: stalled.returned,
    failed: stalled.failed + unclaimed.failed,
  };
}

/** `completing` envelopes whose claim is older than the cutoff: finished, or put back to `sent`. */
async function resumeStalled(
  ctx: ContractsContext,
  options: { readonly cutoff: Date; readonly startup: boolean },
  onError: (envelopeId: string, error: unknown) => void,
): Promise<ResumeOutcome> {
  const outcome = { resumed: 0, returned: 0, failed: 0 };
  const stalled = await ctx.db
    .selectFrom('contract_envelopes')
    .selectAll()
    .where('status', '=', 'completing')
    .where('updated_at', '<', options.cutoff.toISOString())
    .orderBy('updated_at')
    .limit(100)
    .execute();
  for (const envelope of stalled) {
    const takenAt = ctx.clock().toISOString();
    const taken = await ctx.db
      .updateTable('contract_envelopes')
      .set({ updated_at: takenAt })
      .where('id', '=', envelope.id)
      .where('status', '=', 'completing')
      .where('updated_at', '=', envelope.updated_at)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) continue; // another instance took it
    const parties = await partiesOf(ctx, envelope.id);
    if (!allActed(parties)) {
      await ctx.db
        .updateTable('contract_envelopes')
        .set({ status: 'sent' })
        .where('id', '=', envelope.id)
        .where('status', '=', 'completing')
        .where('updated_at', '=', takenAt)
        .execute();
      outcome.returned += 1;
      continue;
    }
    if (options.startup && ctx.dialect === 'sqlite') await ctx.vault.removeUnrecordedBlobs(envelope.id);
    try {
      await finishCompletion(ctx, { ...envelope, updated_at: takenAt }, parties, takenAt, true);
      outcome.resumed += 1;
    } catch (error) {
      outcome.failed += 1;
      onError(envelope.id, error);
    }
  }
  return outcome;
}

/** `sent` envelopes every acting party has acted on, untouched since the cutoff: completed now. */
async function completeUnclaimed(
  ctx: ContractsContext,
  options: { readonly cutoff: Date; readonly startup: boolean },
  onError: (envelopeId: string, error: unknown) => void,
): Promise<{ resumed: number; failed: number }> {
  const outcome = { resumed: 0, failed: 0 };
  const unclaimed = await ctx.db
    .selectFrom('contract_envelopes as e')
    .selectAll('e')
    .where('e.status', '=', 'sent')
    .where('e.updated_at', '<', options.cutoff.toISOString())
    .where((eb) =>
      eb.and([
        eb.not(
          eb.exists(
            eb
              .selectFrom('contract_parties as p')
              .select('p.id')
              .whereRef('p.envelope_id', '=', 'e.id')
              .where('p.role', '!=', 'viewer')
              .where('p.status', 'not in', ['signed', 'approved', 'removed']),
          ),
        ),
        eb.exists(
          eb
            .selectFrom('contract_parties as p')
            .select('p.id')
            .whereRef('p.envelope_id', '=', 'e.id')
            .where('p.status', 'in', ['signed', 'approved']),
        ),
      ]),
    )
    .orderBy('e.updated_at')
    .limit(100)
    .execute();
  for (const envelope of unclaimed) {
    if (options.startup && ctx.dialect === 'sqlite') await ctx.vault.removeUnrecordedBlobs(envelope.id);
    try {
      await completeEnvelope(ctx, envelope, await partiesOf(ctx, envelope.id));
      const now = await ctx.db
        .selectFrom('contract_envelopes')
        .select('status')
        .where('id', '=', envelope.id)
        .executeTakeFirst();
      if (now?.status === 'completed') outcome.resumed += 1;
    } catch (error) {
      outcome.failed += 1;
      onError(envelope.id, error);
    }
  }
  return outcome;
}

async function partiesOf(ctx: ContractsContext, envelopeId: string): Promise<PartyTable[]> {
  return ctx.db
    .selectFrom('contract_parties')
    .selectAll()
    .where('envelope_id', '=', envelopeId)
    .orderBy('position')
    .execute();
}

/** Work files (plaintext intermediate PDFs) of signing and completion a killed process left. */
async function removeStaleWorkFiles(ctx: ContractsContext, before: Date): Promise<void> {
  for (const entry of await readdir(ctx.workDirectory).catch(() => [] as string[])) {
    const full = path.join(ctx.workDirectory, entry);
    const info = await stat(full).catch(() => undefined);
    if (info !== undefined && info.mtime < before) await rm(full, { recursive: true, force: true });
  }
}
