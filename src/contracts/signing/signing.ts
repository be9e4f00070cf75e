/**
 * The parties' acts. Witness-type (立会人型): the party, authenticated by an MFA session or by link +
 * access code, confirms that the provider's e-seal key signs on their behalf; the confirmation text
 * and time are kept as evidence. Signer-type (当事者型): the party's own credential signs through a
 * RemoteSigner, authorised by PIN + one-time code for exactly these document digests. Approvers
 * approve without a signature. Each act produces the next version of every document in one
 * transaction whose conditional updates let only one of two racing instances win.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { PreparedPdfSignature, TimestampAuthority } from '../../ades/index.ts';
import type { ContractsContext } from '../context.ts';
import { isTurnOf } from '../mail/notify.ts';
import type { WitnessConfirmation } from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import { type ContractActor, parseInput, type SealPlacement } from '../model/model.ts';
import { auditActorOf, type LoadedEnvelope, loadEnvelope } from '../parties/access.ts';
import type { DocumentTable, PartyTable } from '../store/tables.ts';
import type { PreparedVersion } from '../store/vault.ts';
import {
  type ActCompletion,
  type ActPreparation,
  type ActSeal,
  completeActSignature,
  prepareActSignature,
} from './act-assembly.ts';

const sha256List = z
  .array(z.string().regex(/^[0-9a-f]{64}$/))
  .min(1)
  .max(50);

export const witnessSchema = z
  .object({
    /** The party ticks "I confirm …": must be literally true. */
    confirmed: z.literal(true),
    lang: z.enum(['ja', 'en']).default('ja'),
    /** The SHA-256 of each document as the party reviewed it (binds the confirmation to the content). */
    documentSha256: sha256List,
  })
  .strict();

export const signerSchema = z
  .object({
    /** One of the signer's own credentials, chosen now; the one named at creation when omitted. */
    credentialId: z.string().min(1).max(100).optional(),
    pin: z.string().min(1).max(64),
    otp: z.string().min(1).max(16),
    documentSha256: sha256List,
  })
  .strict();

/** An approval binds the approver to the documents as reviewed; internal approval before sending uses it too. */
export const approveSchema = z.object({ documentSha256: sha256List }).strict();

export type { WitnessConfirmation };

export function confirmationText(
  party: Pick<PartyTable, 'name' | 'company'>,
  title: string,
  documents: readonly { name: string; sha256: string }[],
): { ja: string; en: string } {
  const who = party.company === null ? party.name : `${party.company} ${party.name}`;
  const list = documents.map((d) => `${d.name} (SHA-256 ${d.sha256})`).join(', ');
  return {
    ja: `私 (${who}) は「${title}」の内容 [${list}] を確認し、電子契約サービス事業者がその署名鍵を用いて私の指図に基づき電子署名を行うことに同意します。`,
    en: `I (${who}) have reviewed “${title}” [${list}] and instruct the e-contract service provider to sign it with the provider's signing key on my behalf.`,
  };
}

export async function currentDocuments(
  ctx: ContractsContext,
  envelopeId: string,
): Promise<(DocumentTable & { sha256: string })[]> {
  const rows = await ctx.db
    .selectFrom('contract_documents as d')
    .innerJoin('contract_document_versions as v', (join) =>
      join.onRef('v.document_id', '=', 'd.id').onRef('v.version', '=', 'd.current_version'),
    )
    .selectAll('d')
    .select('v.sha256')
    .where('d.envelope_id', '=', envelopeId)
    .orderBy('d.position')
    .execute();
  return rows;
}

export async function witnessConfirmation(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
): Promise<WitnessConfirmation> {
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'act');
  const documents = await currentDocuments(ctx, envelopeId);
  const text = confirmationText(loaded.party!, loaded.envelope.title, documents);
  return { ...text, documents: documents.map((d) => ({ id: d.id, name: d.name, sha256: d.sha256 })) };
}

function checkActable(loaded: LoadedEnvelope, now: Date): PartyTable {
  const { envelope, parties, party } = loaded;
  if (party === undefined) throw contractErrors.forbidden();
  if (envelope.status !== 'sent') throw contractErrors.state(envelope.status, 'signed');
  if (envelope.expires_at !== null && Date.parse(envelope.expires_at) <= now.getTime()) {
    throw contractErrors.state('expired', 'signed');
  }
  if (party.status !== 'waiting') throw contractErrors.state(party.status, 'signed again');
  if (!isTurnOf(envelope, parties, party)) throw contractErrors.notYourTurn();
  return party;
}

export function checkReviewed(documents: readonly { sha256: string }[], reviewed: readonly string[]): void {
  if (documents.length !== reviewed.length || documents.some((d, i) => d.sha256 !== reviewed[i])) {
    // The documents changed since the party reviewed them (another party signed meanwhile).
    throw contractErrors.conflict();
  }
}

export function authenticationOf(actor: ContractActor): { method: string; source: string | null } {
  if (actor.kind === 'user')
    return { method: `account-session:${actor.authentication}`, source: actor.source ?? null };
  if (actor.kind === 'party') return { method: 'email-link+access-code', source: actor.source ?? null };
  return { method: 'api-key', source: actor.source ?? null };
}

function sealFor(
  ctx: ContractsContext,
  party: PartyTable,
  documentIndex: number,
  signingTime: Date,
): ActSeal | undefined {
  if (party.placement === null) return undefined;
  const placement = JSON.parse(party.placement) as SealPlacement;
  if (placement.document !== documentIndex) return undefined;
  const [x1, y1, x2, y2] = placement.rect;
  const appearance = {
    name: party.name,
    ...(party.company === null ? {} : { organisation: party.company }),
    ...(party.title === null ? {} : { title: party.title }),
    signingTime,
    width: x2 - x1,
    height: y2 - y1,
    ...(ctx.settings.testMark ? { environmentMark: 'TEST' as const } : {}),
  };
  return { appearance, page: placement.page, rect: [x1, y1, x2, y2] };
}

/** An act's PDF halves on the work pool's threads when there is one (ADR 034); the HSM stays here. */
function prepareOn(ctx: ContractsContext, input: ActPreparation): Promise<PreparedPdfSignature> {
  return ctx.pdfWork?.prepareSignature === undefined
    ? prepareActSignature(input)
    : ctx.pdfWork.prepareSignature(input);
}

function completeOn(ctx: ContractsContext, input: ActCompletion, tsa: TimestampAuthority): Promise<Buffer> {
  return ctx.pdfWork?.completeSignature === undefined
    ? completeActSignature(input, { tsa })
    : ctx.pdfWork.completeSignature(input, { tsa });
}

async function workDir(ctx: ContractsContext): Promise<string> {
  const dir = path.join(ctx.workDirectory, randomUUID());
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export async function signAsWitness(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  raw: unknown,
): Promise<void> {
  const input = parseInput(witnessSchema, raw);
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'act');
  const now = ctx.clock();
  const party = checkActable(loaded, now);
  if (party.role !== 'signer' || party.signing_mode !== 'witness-type') throw contractErrors.forbidden();
  const documents = await currentDocuments(ctx, envelopeId);
  checkReviewed(documents, input.documentSha256);
  const text = confirmationText(party, loaded.envelope.title, documents);
  const provider = await ctx.provider();
  const dir = await workDir(ctx);
  const outputs: Buffer[] = [];
  try {
    const [signerCertificate, ...chain] = provider.certificateChain;
    if (signerCertificate === undefined) throw contractErrors.signingFailed('no certificate');
    for (const [index, document] of documents.entries()) {
      const seal = sealFor(ctx, party, index, now);
      const prepared = await prepareOn(ctx, {
        bytes: await ctx.vault.read(document),
        preparedPath: path.join(dir, `${index}.prepared.pdf`),
        signerCertificate,
        certificateChain: chain,
        fieldName: `shomei-${party.id.slice(0, 8)}-${index}`,
        signerName: party.name,
        reason: `立会人型電子署名 (${party.name} の指図による) / Signed by the provider on the instruction of ${party.name}`,
        location: 'shomei',
        signingTime: now,
        seal,
      });
      const signatureValue = await provider.signer.signDigest(
        prepared.digestToSign,
        prepared.digestAlgorithm,
        prepared.signatureScheme,
      );
      const output = path.join(dir, `${index}.pdf`);
      outputs.push(await completeOn(ctx, { state: prepared.state, signatureValue, output }, provider.tsa));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const auth = authenticationOf(actor);
  await commitAct(ctx, loaded, party, documents, outputs, 'signed', {
    mode: 'witness-type',
    authentication: auth.method,
    sourceIp: auth.source,
    confirmation: { text: text[input.lang], lang: input.lang, confirmedAt: now.toISOString() },
    signer: 'provider e-seal',
  });
}

export async function signAsSigner(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  raw: unknown,
): Promise<void> {
  const input = parseInput(signerSchema, raw);
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'act');
  const now = ctx.clock();
  const party = checkActable(loaded, now);
  if (party.role !== 'signer' || party.signing_mode !== 'signer-type') throw contractErrors.forbidden();
  if (actor.kind !== 'user' || actor.userId !== party.user_id) throw contractErrors.forbidden();
  const credentialId = input.credentialId ?? party.credential_id;
  const documents = await currentDocuments(ctx, envelopeId);
  checkReviewed(documents, input.documentSha256);
  const certificates = await ownCertificates(ctx, actor, envelopeId, party, credentialId);
  const [signerCertificate, ...chain] = certificates.chain;
  if (signerCertificate === undefined) throw contractErrors.signingFailed('no certificate');
  const provider = await ctx.provider();
  const dir = await workDir(ctx);
  const outputs: Buffer[] = [];
  let activation: string | null = null;
  try {
    const prepared = [];
    for (const [index, document] of documents.entries()) {
      const seal = sealFor(ctx, party, index, now);
      prepared.push(
        await prepareOn(ctx, {
          bytes: await ctx.vault.read(document),
          preparedPath: path.join(dir, `${index}.prepared.pdf`),
          signerCertificate,
          certificateChain: chain,
          signatureScheme: certificates.scheme,
          fieldName: `shomei-${party.id.slice(0, 8)}-${index}`,
          signerName: party.name,
          reason: `当事者型電子署名 / Signed by ${party.name}`,
          signingTime: now,
          seal,
        }),
      );
    }
    // One SAD for exactly these digests (batch signing, JT2A appendix 1 method 1).
    const signed = await ctx.remoteSigner.signDigests({
      userId: actor.userId,
      credentialId: certificates.credentialId,
      digests: prepared.map((p) => p.digestToSign),
      pin: input.pin,
      otp: input.otp,
      source: actor.source,
    });
    const signatures = signed.signatures;
    activation = signed.activation;
    if (signatures.length !== prepared.length) throw contractErrors.signingFailed('signature count mismatch');
    for (const [index, p] of prepared.entries()) {
      const output = path.join(dir, `${index}.pdf`);
      outputs.push(
        await completeOn(ctx, { state: p.state, signatureValue: signatures[index]!, output }, provider.tsa),
      );
    }
  } catch (error) {
    await ctx.audit.append({
      type: 'envelope.sign',
      actor: auditActorOf(actor),
      subject: { kind: 'envelope', id: envelopeId },
      outcome: 'failure',
      source: actor.source,
      details: { partyId: party.id, mode: 'signer-type', credentialId: certificates.credentialId },
    });
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const auth = authenticationOf(actor);
  await commitAct(ctx, loaded, party, documents, outputs, 'signed', {
    mode: 'signer-type',
    authentication: auth.method,
    sourceIp: auth.source,
    // The factors that really activated the SAD (the tenant may sign with the login TOTP app).
    signatureActivation: activation ?? 'pin+otp',
    credentialId: certificates.credentialId,
  });
}

/**
 * The chosen credential's certificates, only when it is the signing user's own: anything else (another
 * person's credential, none, one without a certificate) is refused and the attempt audited.
 */
async function ownCertificates(
  ctx: ContractsContext,
  actor: Extract<ContractActor, { kind: 'user' }>,
  envelopeId: string,
  party: PartyTable,
  credentialId: string | null,
): Promise<Awaited<ReturnType<ContractsContext['remoteSigner']['certificates']>> & { credentialId: string }> {
  try {
    if (credentialId === null) throw contractErrors.credentialNotOwned();
    return { ...(await ctx.remoteSigner.certificates(actor.userId, credentialId)), credentialId };
  } catch {
    await ctx.audit.append({
      type: 'envelope.sign',
      actor: auditActorOf(actor),
      subject: { kind: 'envelope', id: envelopeId },
      outcome: 'failure',
      source: actor.source,
      details: {
        partyId: party.id,
        mode: 'signer-type',
        reason: 'credential-not-owned',
        // Printable and short: the identifier as sent, never trusted.
        credentialId: (credentialId ?? '(none)').replace(/\p{Cc}/gu, '?').slice(0, 100),
      },
    });
    throw contractErrors.credentialNotOwned();
  }
}

export async function approve(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
  raw: unknown,
): Promise<void> {
  const input = parseInput(approveSchema, raw);
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'act');
  const now = ctx.clock();
  const party = checkActable(loaded, now);
  if (party.role !== 'approver') throw contractErrors.forbidden();
  const documents = await currentDocuments(ctx, envelopeId);
  checkReviewed(documents, input.documentSha256);
  const auth = authenticationOf(actor);
  await commitAct(ctx, loaded, party, documents, [], 'approved', {
    mode: 'approval',
    authentication: auth.method,
    sourceIp: auth.source,
  });
}

/** Records the act: new document versions, the party's status and evidence, all or nothing. */
async function commitAct(
  ctx: ContractsContext,
  loaded: LoadedEnvelope,
  party: PartyTable,
  documents: readonly (DocumentTable & { sha256: string })[],
  outputs: readonly Buffer[],
  status: 'signed' | 'approved',
  evidence: Record<string, unknown>,
): Promise<void> {
  const now = ctx.clock().toISOString();
  const prepared: PreparedVersion[] = [];
  try {
    for (const [index, bytes] of outputs.entries()) {
      const document = documents[index]!;
      const key = await ctx.vault.contentKeyOf(document);
      prepared.push(
        await ctx.vault.prepareVersion(document.id, document.current_version + 1, 'signature', key, bytes),
      );
    }
    const record = {
      ...evidence,
      actedAt: now,
      documents: documents.map((d, i) => ({
        id: d.id,
        name: d.name,
        sha256Reviewed: d.sha256,
        ...(prepared[i] === undefined ? {} : { sha256Signed: prepared[i]!.row.sha256 }),
      })),
    };
    await ctx.db.transaction().execute(async (trx) => {
      const open = await trx
        .updateTable('contract_envelopes')
        .set({ updated_at: now })
        .where('id', '=', loaded.envelope.id)
        .where('status', '=', 'sent')
        .executeTakeFirst();
      if (Number(open.numUpdatedRows) !== 1) throw contractErrors.conflict();
      const acted = await trx
        .updateTable('contract_parties')
        .set({ status, acted_at: now, evidence: JSON.stringify(record) })
        .where('id', '=', party.id)
        .where('status', '=', 'waiting')
        .executeTakeFirst();
      if (Number(acted.numUpdatedRows) !== 1) throw contractErrors.conflict();
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
    });
    await ctx.audit.append({
      type: status === 'signed' ? 'envelope.sign' : 'envelope.approve',
      actor: {
        kind: party.user_id === null ? 'anonymous' : 'user',
        id: party.user_id ?? `party:${party.id}`,
      },
      subject: { kind: 'envelope', id: loaded.envelope.id },
      outcome: 'success',
      ...(typeof evidence.sourceIp === 'string' ? { source: evidence.sourceIp } : {}),
      details: {
        partyId: party.id,
        mode: evidence.mode,
        authentication: evidence.authentication,
        signatureActivation: evidence.signatureActivation,
        documents: record.documents,
        confirmation: evidence.confirmation,
      },
    });
  } catch (error) {
    await ctx.vault.abandon(prepared);
    throw error;
  }
  await ctx.emit(loaded.envelope.tenant_id, `envelope.party.${status}`, {
    envelopeId: loaded.envelope.id,
    partyId: party.id,
  });
}
