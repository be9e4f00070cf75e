/** Envelope lifecycle: create, add documents, send, view, cancel, decline, remove a party, delete, legal hold. */
import { randomUUID } from 'node:crypto';
import { isShomeiError } from '../../errors/index.ts';
import { openPdf } from '../../pdf/index.ts';
import type { ContractsContext, ContractsPdfWork } from '../context.ts';
import { notifyCancelled, notifyDue } from '../mail/notify.ts';
import { reasonSchema, type SendResult } from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import {
  type ContractActor,
  type EnvelopeInput,
  type EnvelopeView,
  envelopeInputSchema,
  parseInput,
  type SealPlacement,
} from '../model/model.ts';
import { auditActorOf, type LoadedEnvelope, loadEnvelope } from '../parties/access.ts';
import { assertApprovedForSending } from '../parties/internal-approval-gate.ts';
import { generateAccessCode, hashAccessCode } from '../parties/secrets.ts';
import { assertModesAllowed } from '../signing/signing-policy.ts';
import { searchColumns } from '../store/search-columns.ts';
import type { DocumentTable, EnvelopeTable, PartyTable } from '../store/tables.ts';
import type { PreparedVersion } from '../store/vault.ts';
import { logDeletion } from './corrections.ts';
import { discardDraft } from './discard-draft.ts';

export function requireSenderActor(actor: ContractActor): { tenantId: string; userId: string } {
  if (actor.kind === 'party') throw contractErrors.forbidden();
  if (actor.kind === 'api-key' && !actor.scopes.includes('envelopes:write')) throw contractErrors.forbidden();
  return { tenantId: actor.tenantId, userId: actor.userId };
}

export async function createEnvelope(
  ctx: ContractsContext,
  actor: ContractActor,
  raw: unknown,
): Promise<EnvelopeView> {
  const sender = requireSenderActor(actor);
  await ctx.admission?.();
  const { envelope, parties } = await buildEnvelope(ctx, sender, raw);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('contract_envelopes').values(envelope).execute();
    await trx.insertInto('contract_parties').values(parties).execute();
  });
  await auditEnvelopeCreated(ctx, actor, envelope, parties);
  return viewEnvelope(ctx, actor, envelope.id);
}

/** Validates the input and makes the rows of a new draft; nothing is stored (templates store them with their documents). */
export async function buildEnvelope(
  ctx: ContractsContext,
  sender: { tenantId: string; userId: string },
  raw: unknown,
): Promise<{ envelope: EnvelopeTable; parties: PartyTable[] }> {
  const input: EnvelopeInput = parseInput(envelopeInputSchema, raw);
  await assertModesAllowed(
    ctx,
    sender,
    input.parties.map((p) => p.signingMode ?? null),
    'envelope.create',
  );
  const now = ctx.clock();
  if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= now.getTime()) {
    throw contractErrors.invalid('expiresAt', 'must be in the future');
  }
  const id = randomUUID();
  const parties: PartyTable[] = [];
  for (const [index, p] of input.parties.entries()) parties.push(await partyRow(ctx, id, input, p, index));
  if (!parties.some((p) => p.role === 'signer'))
    throw contractErrors.invalid('parties', 'at least one signer');
  // Access codes chosen by the sender are hashed now; generated ones are made at sending.
  for (const [index, p] of input.parties.entries()) {
    if (p.accessCode !== undefined && p.userId === undefined) {
      parties[index] = { ...parties[index]!, access_code_hash: await hashAccessCode(p.accessCode) };
    }
  }
  const envelope: EnvelopeTable = {
    id,
    tenant_id: sender.tenantId,
    title: input.title,
    counterparty: input.counterparty,
    transaction_date: input.transactionDate ?? null,
    amount: input.amount ?? null,
    currency: input.currency,
    status: 'draft',
    signing_order: input.signingOrder,
    message: input.message ?? null,
    expires_at: input.expiresAt === undefined ? null : new Date(input.expiresAt).toISOString(),
    created_by: sender.userId,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
    sent_at: null,
    completed_at: null,
    closed_reason: null,
    retention_until: null,
    legal_hold: 0,
    ...searchColumns(input),
  };
  return { envelope, parties };
}

/** A new party's row: an account holder's details come from the account, an outsider's as given. */
async function partyRow(
  ctx: ContractsContext,
  envelopeId: string,
  input: EnvelopeInput,
  p: EnvelopeInput['parties'][number],
  index: number,
): Promise<PartyTable> {
  let email = p.email;
  let name = p.name;
  let company = p.company ?? null;
  let title = p.title ?? null;
  let tenantId: string | null = null;
  if (p.userId !== undefined) {
    const user = await ctx.users(p.userId);
    if (user === undefined || user.status !== 'active') {
      throw contractErrors.invalid(`parties.${index}.userId`, 'no active account');
    }
    email = user.email;
    name ??= `${user.familyName} ${user.givenName}`.trim() || user.displayName;
    company ??= user.organisationName;
    title ??= user.title;
    tenantId = user.tenantId;
    if (p.credentialId !== undefined) await assertOwnCredential(ctx, p.userId, p.credentialId, index);
  }
  return {
    id: randomUUID(),
    envelope_id: envelopeId,
    position: p.order ?? (input.signingOrder === 'parallel' ? 1 : index + 1),
    role: p.role,
    signing_mode: p.signingMode ?? null,
    user_id: p.userId ?? null,
    email: email!,
    company,
    title,
    name: name!,
    status: 'waiting',
    access_code_hash: null,
    link_token_hash: null,
    link_expires_at: null,
    link_used_at: null,
    party_session_hash: null,
    party_session_expires_at: null,
    failed_attempts: 0,
    credential_id: p.credentialId ?? null,
    placement: p.placement === undefined ? null : JSON.stringify(p.placement),
    acted_at: null,
    evidence: null,
    decline_reason: null,
    label: p.label ?? null,
    tenant_id: tenantId,
  };
}

/**
 * A credential named when the envelope is made must be the party's own (the credential chosen for
 * 佐藤 must not be 山田's); otherwise the party chooses one of their own when signing.
 */
async function assertOwnCredential(
  ctx: ContractsContext,
  userId: string,
  credentialId: string,
  index: number,
): Promise<void> {
  try {
    await ctx.remoteSigner.certificates(userId, credentialId);
  } catch {
    throw contractErrors.invalid(`parties.${index}.credentialId`, 'not a usable credential of this party');
  }
}

export async function auditEnvelopeCreated(
  ctx: ContractsContext,
  actor: ContractActor,
  envelope: EnvelopeTable,
  parties: readonly PartyTable[],
  extra: Record<string, unknown> = {},
): Promise<void> {
  await ctx.audit.append({
    type: 'envelope.create',
    actor: auditActorOf(actor),
    subject: { kind: 'envelope', id: envelope.id },
    outcome: 'success',
    source: actor.source,
    details: {
      parties: parties.map((p) => ({
        id: p.id,
        role: p.role,
        signingMode: p.signing_mode,
        userId: p.user_id,
        ...(p.label == null ? {} : { label: p.label }),
      })),
      signingOrder: envelope.signing_order,
      ...extra,
    },
  });
}

/** Checks the upload is a readable, unencrypted PDF with at least one page (parsed by `work` when given). */
export async function checkPdf(bytes: Buffer, limit: number, work?: ContractsPdfWork): Promise<number> {
  if (bytes.length === 0) throw contractErrors.notPdf('empty');
  if (bytes.length > limit) throw contractErrors.tooLarge(limit);
  if (!bytes.subarray(0, 1024).includes('%PDF-')) throw contractErrors.notPdf('no %PDF- header');
  let reader: Awaited<ReturnType<typeof openPdf>> | undefined;
  try {
    let pages: number;
    if (work === undefined) {
      reader = await openPdf(bytes, { limits: { maxFileBytes: limit } });
      pages = reader.pageCount();
    } else pages = await work.pageCount({ bytes, maxFileBytes: limit });
    if (pages < 1) throw contractErrors.notPdf('no pages');
    return pages;
  } catch (error) {
    if (isShomeiError(error)) throw error;
    throw contractErrors.notPdf('unreadable');
  } finally {
    reader?.close();
  }
}

export async function addDocument(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  name: string,
  bytes: Buffer,
): Promise<EnvelopeView> {
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'manage');
  if (loaded.envelope.status !== 'draft') throw contractErrors.state(loaded.envelope.status, 'changed');
  const cleanName =
    name
      .normalize('NFC')
      .replace(/\p{Cc}|[/\\]/gu, '')
      .slice(0, 200) || 'document.pdf';
  await checkPdf(bytes, ctx.settings.maxDocumentBytes, ctx.pdfWork);
  const existing = await ctx.db
    .selectFrom('contract_documents')
    .select(({ fn }) => fn.countAll<number>().as('n'))
    .where('envelope_id', '=', envelopeId)
    .executeTakeFirstOrThrow();
  if (Number(existing.n) >= ctx.settings.maxDocumentsPerEnvelope) {
    throw contractErrors.invalid('documents', `at most ${ctx.settings.maxDocumentsPerEnvelope}`);
  }
  const id = randomUUID();
  const key = await ctx.vault.newDocumentKey(id);
  let prepared: PreparedVersion | undefined;
  try {
    prepared = await ctx.vault.prepareVersion(id, 1, 'original', key.contentKey, bytes);
    const version = prepared;
    await ctx.db.transaction().execute(async (trx) => {
      // Conditional: only while the envelope is still a draft (a concurrent send wins).
      const still = await trx
        .updateTable('contract_envelopes')
        .set({ updated_at: ctx.clock().toISOString() })
        .where('id', '=', envelopeId)
        .where('status', '=', 'draft')
        .executeTakeFirst();
      if (Number(still.numUpdatedRows) !== 1) throw contractErrors.conflict();
      const document: DocumentTable = {
        id,
        envelope_id: envelopeId,
        position: Number(existing.n),
        name: cleanName,
        hsm_key_id: key.hsmKeyId,
        sealed_key: key.sealedKey,
        current_version: 1,
        original_sha256: version.row.sha256,
        status: 'active',
        created_at: ctx.clock().toISOString(),
        shredded_at: null,
      };
      await trx.insertInto('contract_documents').values(document).execute();
      await ctx.vault.record(trx, version);
    });
  } catch (error) {
    if (prepared !== undefined) await ctx.vault.abandon([prepared]);
    await ctx.vault.discardKey(key.hsmKeyId);
    throw error;
  }
  await ctx.audit.append({
    type: 'document.upload',
    actor: auditActorOf(actor),
    subject: { kind: 'document', id },
    outcome: 'success',
    source: actor.source,
    details: { envelopeId, sha256: prepared.row.sha256, size: bytes.length, hsmKeyId: key.hsmKeyId },
  });
  return viewEnvelope(ctx, actor, envelopeId);
}

export type { SendResult };

export async function sendEnvelope(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
): Promise<SendResult> {
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'manage');
  if (loaded.envelope.status !== 'draft') throw contractErrors.state(loaded.envelope.status, 'sent');
  const documents = await ctx.db
    .selectFrom('contract_documents')
    .select(['id', 'position'])
    .where('envelope_id', '=', envelopeId)
    .execute();
  if (documents.length === 0)
    throw contractErrors.invalid('documents', 'add at least one PDF before sending');
  await assertApprovedForSending(ctx, envelopeId);
  // The policy may have changed since the draft was made.
  await assertModesAllowed(
    ctx,
    { tenantId: loaded.envelope.tenant_id, userId: requireSenderActor(actor).userId },
    loaded.parties.filter((p) => p.status !== 'removed').map((p) => p.signing_mode),
    'envelope.send',
    envelopeId,
  );
  for (const party of loaded.parties) {
    if (party.placement !== null) {
      const placement = JSON.parse(party.placement) as { document: number };
      if (placement.document >= documents.length) {
        throw contractErrors.invalid('placement.document', 'no such document in the envelope');
      }
    }
  }
  const codes: { partyId: string; email: string; accessCode: string }[] = [];
  const hashes = new Map<string, string>();
  for (const party of loaded.parties) {
    // Signer-type parties sign signed in with their own credential: no link, no access code.
    if (party.user_id === null && party.access_code_hash === null && party.signing_mode !== 'signer-type') {
      const code = generateAccessCode();
      codes.push({ partyId: party.id, email: party.email, accessCode: code });
      hashes.set(party.id, await hashAccessCode(code));
    }
  }
  const now = ctx.clock().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    const sent = await trx
      .updateTable('contract_envelopes')
      .set({ status: 'sent', sent_at: now, updated_at: now })
      .where('id', '=', envelopeId)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    if (Number(sent.numUpdatedRows) !== 1) throw contractErrors.conflict();
    for (const [partyId, hash] of hashes) {
      await trx
        .updateTable('contract_parties')
        .set({ access_code_hash: hash })
        .where('id', '=', partyId)
        .execute();
    }
  });
  await ctx.audit.append({
    type: 'envelope.send',
    actor: auditActorOf(actor),
    subject: { kind: 'envelope', id: envelopeId },
    outcome: 'success',
    source: actor.source,
    details: { documents: documents.length, accessCodesIssued: codes.length },
  });
  const envelope = { ...loaded.envelope, status: 'sent' as const, sent_at: now };
  await notifyDue(ctx, envelope, loaded.parties);
  await ctx.emit(envelope.tenant_id, 'envelope.sent', { envelopeId });
  return { envelope: await viewEnvelope(ctx, actor, envelopeId), accessCodes: codes };
}

export async function viewEnvelope(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
): Promise<EnvelopeView> {
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'read');
  return toView(ctx, loaded);
}

export async function toView(ctx: ContractsContext, loaded: LoadedEnvelope): Promise<EnvelopeView> {
  const { envelope, parties } = loaded;
  const documents = await ctx.db
    .selectFrom('contract_documents as d')
    .innerJoin('contract_document_versions as v', (join) =>
      join.onRef('v.document_id', '=', 'd.id').onRef('v.version', '=', 'd.current_version'),
    )
    .select(['d.id', 'd.name', 'd.current_version', 'd.original_sha256', 'd.status', 'v.sha256'])
    .where('d.envelope_id', '=', envelope.id)
    .orderBy('d.position')
    .execute();
  return {
    id: envelope.id,
    tenantId: envelope.tenant_id,
    title: envelope.title,
    counterparty: envelope.counterparty,
    transactionDate: envelope.transaction_date,
    amount: envelope.amount === null ? null : Number(envelope.amount),
    currency: envelope.currency,
    status: envelope.status,
    signingOrder: envelope.signing_order,
    expiresAt: envelope.expires_at,
    createdBy: envelope.created_by,
    createdAt: envelope.created_at,
    sentAt: envelope.sent_at,
    completedAt: envelope.completed_at,
    closedReason: envelope.closed_reason,
    retentionUntil: envelope.retention_until,
    legalHold: envelope.legal_hold === 1,
    parties: parties.map((p) => ({
      id: p.id,
      order: p.position,
      role: p.role,
      signingMode: p.signing_mode,
      userId: p.user_id,
      email: p.email,
      company: p.company,
      title: p.title,
      name: p.name,
      status: p.status,
      actedAt: p.acted_at,
      declineReason: p.decline_reason,
      label: p.label ?? null,
      ...(loaded.isSender ? { locked: linkLocked(ctx, p) } : {}),
      placement: p.placement === null ? null : (JSON.parse(p.placement) as SealPlacement),
    })),
    documents: documents.map((d) => ({
      id: d.id,
      name: d.name,
      version: d.current_version,
      sha256: d.sha256,
      originalSha256: d.original_sha256,
      status: d.status,
    })),
  };
}

/** A waiting party's link that wrong access codes locked (links.ts keeps its hash until re-issued). */
function linkLocked(ctx: ContractsContext, p: PartyTable): boolean {
  return (
    p.status === 'waiting' &&
    p.link_token_hash !== null &&
    p.link_used_at === null &&
    p.failed_attempts >= ctx.settings.accessCodeAttempts
  );
}

/** The current bytes of one document, after access and tamper checks; every read is audited. */
export async function readDocument(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  documentId: string,
): Promise<{ name: string; bytes: Buffer; version: number }> {
  await loadEnvelope(ctx, actor, envelopeId, 'read');
  const document = await ctx.db
    .selectFrom('contract_documents')
    .selectAll()
    .where('id', '=', documentId)
    .where('envelope_id', '=', envelopeId)
    .executeTakeFirst();
  if (document === undefined) throw contractErrors.documentNotFound();
  const bytes = await ctx.vault.read(document);
  await ctx.audit.append({
    type: 'document.read',
    actor: auditActorOf(actor),
    subject: { kind: 'document', id: documentId },
    outcome: 'success',
    source: actor.source,
    details: { envelopeId, version: document.current_version },
  });
  return { name: document.name, bytes, version: document.current_version };
}

function reasonOf(raw: unknown): string {
  return parseInput(reasonSchema, raw).reason;
}

async function close(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  to: 'cancelled' | 'declined',
  reason: string,
  party?: PartyTable,
): Promise<void> {
  const now = ctx.clock().toISOString();
  const envelope = await ctx.db.transaction().execute(async (trx) => {
    const changed = await trx
      .updateTable('contract_envelopes')
      .set({ status: to, closed_reason: reason, updated_at: now })
      .where('id', '=', envelopeId)
      .where('status', 'in', to === 'cancelled' ? ['draft', 'sent'] : ['sent'])
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) throw contractErrors.conflict();
    if (party !== undefined) {
      const declined = await trx
        .updateTable('contract_parties')
        .set({ status: 'declined', decline_reason: reason, acted_at: now })
        .where('id', '=', party.id)
        .where('status', '=', 'waiting')
        .executeTakeFirst();
      if (Number(declined.numUpdatedRows) !== 1) throw contractErrors.conflict();
    }
    // Outstanding links stop working once the envelope is closed.
    await trx
      .updateTable('contract_parties')
      .set({ link_token_hash: null, party_session_hash: null })
      .where('envelope_id', '=', envelopeId)
      .execute();
    return trx
      .selectFrom('contract_envelopes')
      .selectAll()
      .where('id', '=', envelopeId)
      .executeTakeFirstOrThrow();
  });
  await ctx.audit.append({
    type: to === 'cancelled' ? 'envelope.cancel' : 'envelope.decline',
    actor: auditActorOf(actor),
    subject: { kind: 'envelope', id: envelopeId },
    outcome: 'success',
    source: actor.source,
    details: { reason: reason.slice(0, 200), partyId: party?.id },
  });
  await ctx.emit(envelope.tenant_id, `envelope.${to}`, { envelopeId });
}

export async function cancelEnvelope(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  raw: unknown,
): Promise<void> {
  const reason = reasonOf(raw);
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'manage');
  if (!['draft', 'sent'].includes(loaded.envelope.status))
    throw contractErrors.state(loaded.envelope.status, 'cancelled');
  await close(ctx, actor, envelopeId, 'cancelled', reason);
  // 取消: everyone already asked to act hears that the envelope was withdrawn, and why.
  if (loaded.envelope.status === 'sent') await notifyCancelled(ctx, loaded.envelope, loaded.parties, reason);
}

export async function declineEnvelope(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  raw: unknown,
): Promise<void> {
  const reason = reasonOf(raw);
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'act');
  if (loaded.envelope.status !== 'sent') throw contractErrors.state(loaded.envelope.status, 'declined');
  if (loaded.party!.status !== 'waiting' || loaded.party!.role === 'viewer') throw contractErrors.forbidden();
  await close(ctx, actor, envelopeId, 'declined', reason, loaded.party);
}

/** The sender removes a party who has not acted; their link and session stop working at once. */
export async function removeParty(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  partyId: string,
): Promise<EnvelopeView> {
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'manage');
  if (!['draft', 'sent'].includes(loaded.envelope.status))
    throw contractErrors.state(loaded.envelope.status, 'changed');
  const party = loaded.parties.find((p) => p.id === partyId);
  if (party === undefined) throw contractErrors.notFound();
  const remainingSigners = loaded.parties.filter(
    (p) => p.id !== partyId && p.role === 'signer' && p.status !== 'removed',
  );
  if (remainingSigners.length === 0)
    throw contractErrors.invalid('partyId', 'the last signer cannot be removed');
  const changed = await ctx.db
    .updateTable('contract_parties')
    .set({ status: 'removed', link_token_hash: null, party_session_hash: null })
    .where('id', '=', partyId)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
  if (Number(changed.numUpdatedRows) !== 1) throw contractErrors.state(party.status, 'removed');
  await ctx.audit.append({
    type: 'envelope.party.remove',
    actor: auditActorOf(actor),
    subject: { kind: 'envelope', id: envelopeId },
    outcome: 'success',
    source: actor.source,
    details: { partyId },
  });
  const after = await loadEnvelope(ctx, actor, envelopeId, 'manage');
  if (after.envelope.status === 'sent') await notifyDue(ctx, after.envelope, after.parties);
  return toView(ctx, after);
}

/**
 * Deletion on request: every document of the envelope is crypto-shredded. Refused under legal hold
 * and, for completed envelopes, before the retention period ends.
 */
export async function deleteEnvelope(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  raw: unknown,
): Promise<void> {
  const reason = reasonOf(raw);
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'manage');
  // A draft was never a transaction record: it goes entirely (rows, keys, files), as a failed send's does.
  if (loaded.envelope.status === 'draft') {
    await discardDraft(ctx, envelopeId, auditActorOf(actor), reason);
    return;
  }
  await shredEnvelope(ctx, loaded.envelope, auditActorOf(actor), reason, false);
}

export async function shredEnvelope(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
  by: ReturnType<typeof auditActorOf>,
  reason: string,
  retentionEnded: boolean,
): Promise<number> {
  if (envelope.legal_hold === 1) throw contractErrors.retained(envelope.retention_until, true);
  if (
    !retentionEnded &&
    envelope.retention_until !== null &&
    Date.parse(envelope.retention_until) > ctx.clock().getTime()
  ) {
    throw contractErrors.retained(envelope.retention_until, false);
  }
  if (envelope.status === 'sent' || envelope.status === 'completing')
    throw contractErrors.state(envelope.status, 'deleted');
  const documents = await ctx.db
    .selectFrom('contract_documents')
    .selectAll()
    .where('envelope_id', '=', envelope.id)
    .where('status', '=', 'active')
    .execute();
  for (const document of documents) await ctx.vault.shred(document, by, reason);
  if (documents.length > 0) await logDeletion(ctx, envelope, by, reason, documents.length);
  await ctx.audit.append({
    type: 'envelope.delete',
    actor: by,
    subject: { kind: 'envelope', id: envelope.id },
    outcome: 'success',
    details: { documents: documents.length, reason: reason.slice(0, 200) },
  });
  return documents.length;
}

export async function setLegalHold(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  hold: boolean,
): Promise<EnvelopeView> {
  await loadEnvelope(ctx, actor, envelopeId, 'manage');
  await ctx.db
    .updateTable('contract_envelopes')
    .set({ legal_hold: hold ? 1 : 0, updated_at: ctx.clock().toISOString() })
    .where('id', '=', envelopeId)
    .execute();
  await ctx.audit.append({
    type: 'envelope.legal-hold',
    actor: auditActorOf(actor),
    subject: { kind: 'envelope', id: envelopeId },
    outcome: 'success',
    details: { hold },
  });
  return viewEnvelope(ctx, actor, envelopeId);
}
