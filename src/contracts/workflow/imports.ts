/**
 * Import of contracts signed elsewhere or on paper (scanned PDF) into the same encrypted store and
 * the same 電子帳簿保存法 search. Every signature and document timestamp found is validated with
 * src/validation and the report is kept with the record; a PDF without any is marked `none` (a
 * scan). Malformed and encrypted PDFs are refused before anything is stored.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { withoutUndefined } from '../../objects/index.ts';
import { listSignatures } from '../../pdf/index.ts';
import { parseAnchors, type ValidationReport, validatePdf } from '../../validation/index.ts';
import { retentionYearsOf } from '../completion/completion.ts';
import type { ContractsContext } from '../context.ts';
import { checkPdf, toView } from '../envelopes/envelopes.ts';
import { contractErrors } from '../model/errors.ts';
import { type ContractActor, isoDate, MAX_AMOUNT, parseInput, text } from '../model/model.ts';
import type { ImportViewShape } from '../model/shapes.ts';
import { auditActorOf, loadEnvelope } from '../parties/access.ts';
import { recordsDb } from '../parties/permissions.ts';
import type { ImportTable } from '../store/records-tables.ts';
import { searchColumns } from '../store/search-columns.ts';
import type { DocumentTable, EnvelopeTable } from '../store/tables.ts';
import type { PreparedVersion } from '../store/vault.ts';

/** Search metadata is required: an imported record must be found like any other (電帳法). */
export const importMetadataSchema = z
  .object({
    title: text(200),
    counterparty: text(200),
    transactionDate: isoDate,
    amount: z.coerce.number().int().min(0).max(MAX_AMOUNT),
    currency: z.enum(['JPY', 'USD', 'EUR']).default('JPY'),
    source: z.enum(['electronic', 'paper-scan']).default('electronic'),
    documentName: text(200).optional(),
    note: z.string().max(2000).optional(),
    parties: z
      .array(
        z
          .object({
            name: text(100),
            company: text(200).optional(),
            email: z.string().trim().max(254).email().optional(),
          })
          .strict(),
      )
      .max(20)
      .default([]),
    /** PEM certificates the importer trusts for this document's signatures (e.g. the other side's CA). */
    trustAnchors: z.array(z.string().max(20_000)).max(10).default([]),
  })
  .strict();
export type ImportMetadata = z.input<typeof importMetadataSchema>;

/** The wire shape (model/shapes.ts), with the report typed as the validation module builds it. */
export type ImportView = Omit<ImportViewShape, 'validation'> & {
  readonly validation: ValidationReport | null;
};

/** The JSON form of POST /api/imports: the metadata plus the PDF in base64. */
export function splitJsonImport(raw: unknown, limit: number): { metadata: unknown; bytes: Buffer } {
  if (typeof raw !== 'object' || raw === null) throw contractErrors.invalid('(body)', 'a JSON object');
  const { pdfBase64, ...metadata } = raw as Record<string, unknown>;
  if (typeof pdfBase64 !== 'string' || pdfBase64.length === 0) {
    throw contractErrors.invalid('pdfBase64', 'the PDF in base64 is required');
  }
  if (Math.floor((pdfBase64.length * 3) / 4) > limit + 3) throw contractErrors.tooLarge(limit);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(pdfBase64)) throw contractErrors.invalid('pdfBase64', 'not base64');
  return { metadata, bytes: Buffer.from(pdfBase64, 'base64') };
}

async function validateImported(
  ctx: ContractsContext,
  bytes: Buffer,
  anchorsPem: readonly string[],
  name: string,
): Promise<{ signatures: number; report: ValidationReport | null; error: string | null }> {
  // The anchors are parsed first so a bad one is refused before anything is stored.
  const anchors = anchorsPem.flatMap((pem) => parseAnchors(Buffer.from(pem, 'utf8')).map((c) => c.der));
  const signatures = (await listSignatures(bytes)).length;
  if (signatures === 0) return { signatures, report: null, error: null };
  try {
    const options = { trustAnchors: [(await ctx.provider()).root, ...anchors], name };
    const report =
      ctx.pdfWork === undefined
        ? await validatePdf(bytes, options)
        : await ctx.pdfWork.validate({ document: bytes, options });
    return { signatures, report, error: null };
  } catch (error) {
    // A signature the validator cannot process is still imported, with the reason on record.
    return {
      signatures,
      report: null,
      error: error instanceof Error ? error.message.slice(0, 300) : 'failed',
    };
  }
}

export async function importRecord(
  ctx: ContractsContext,
  actor: ContractActor,
  rawMetadata: unknown,
  bytes: Buffer,
): Promise<ImportView> {
  if (actor.kind === 'party') throw contractErrors.forbidden();
  if (actor.kind === 'api-key' && !actor.scopes.includes('envelopes:write')) throw contractErrors.forbidden();
  await ctx.admission?.();
  const metadata = parseInput(importMetadataSchema, rawMetadata);
  await checkPdf(bytes, ctx.settings.maxDocumentBytes, ctx.pdfWork);
  const name = (metadata.documentName ?? `${metadata.title}.pdf`).replace(/[/\\]/g, '').slice(0, 200);
  const validation = await validateImported(ctx, bytes, metadata.trustAnchors, name);
  const { envelope, imported } = await importedRows(ctx, actor, metadata, validation);
  const stored = await storeImported(ctx, envelope, imported, name, bytes);
  await ctx.audit.append({
    type: 'contracts.record.import',
    actor: auditActorOf(actor),
    subject: { kind: 'envelope', id: envelope.id },
    outcome: 'success',
    ...withoutUndefined({ source: actor.source }),
    details: {
      ...stored,
      size: bytes.length,
      source: metadata.source,
      signatures: validation.signatures,
      indication: imported.indication,
    },
  });
  return importView(ctx, actor, envelope.id);
}

/** The record's rows: an envelope in status imported, kept for the tenant's retention, and the import facts. */
async function importedRows(
  ctx: ContractsContext,
  actor: Exclude<ContractActor, { kind: 'party' }>,
  metadata: z.output<typeof importMetadataSchema>,
  validation: Awaited<ReturnType<typeof validateImported>>,
): Promise<{ envelope: EnvelopeTable; imported: ImportTable }> {
  const now = ctx.clock();
  const retentionYears = await retentionYearsOf(ctx, actor.tenantId);
  const retentionUntil = new Date(now.getTime());
  retentionUntil.setUTCFullYear(retentionUntil.getUTCFullYear() + retentionYears);
  const envelope: EnvelopeTable = {
    id: randomUUID(),
    tenant_id: actor.tenantId,
    title: metadata.title,
    counterparty: metadata.counterparty,
    transaction_date: metadata.transactionDate,
    amount: metadata.amount,
    currency: metadata.currency,
    status: 'imported',
    signing_order: 'parallel',
    message: null,
    expires_at: null,
    created_by: actor.userId,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
    sent_at: null,
    completed_at: null,
    closed_reason: null,
    retention_until: retentionUntil.toISOString(),
    legal_hold: 0,
    ...searchColumns(metadata),
  };
  const imported: ImportTable = {
    envelope_id: envelope.id,
    tenant_id: actor.tenantId,
    source: metadata.source,
    signature_status: validation.signatures > 0 ? 'signed' : 'none',
    signatures: validation.signatures,
    indication: validation.report?.indication ?? null,
    validation_report: validation.report === null ? null : JSON.stringify(validation.report),
    validation_error: validation.error,
    parties: JSON.stringify(metadata.parties),
    note: metadata.note ?? null,
    imported_by: actor.userId,
    imported_at: now.toISOString(),
  };
  return { envelope, imported };
}

/**
 * Seals the PDF under a new document key and stores the record, its document and the import facts in
 * one transaction (all or nothing; the key and sealed file are given back on failure).
 */
async function storeImported(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
  imported: ImportTable,
  name: string,
  bytes: Buffer,
): Promise<{ documentId: string; sha256: string; hsmKeyId: string }> {
  const documentId = randomUUID();
  const key = await ctx.vault.newDocumentKey(documentId);
  let prepared: PreparedVersion | undefined;
  try {
    prepared = await ctx.vault.prepareVersion(documentId, 1, 'imported', key.contentKey, bytes);
    const version = prepared;
    const document: DocumentTable = {
      id: documentId,
      envelope_id: envelope.id,
      position: 0,
      name,
      hsm_key_id: key.hsmKeyId,
      sealed_key: key.sealedKey,
      current_version: 1,
      original_sha256: version.row.sha256,
      status: 'active',
      created_at: envelope.created_at,
      shredded_at: null,
    };
    await recordsDb(ctx.db)
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('contract_envelopes').values(envelope).execute();
        await trx.insertInto('contract_documents').values(document).execute();
        await ctx.vault.record(trx, version);
        await trx.insertInto('contract_imports').values(imported).execute();
      });
  } catch (error) {
    if (prepared !== undefined) await ctx.vault.abandon([prepared]);
    await ctx.vault.discardKey(key.hsmKeyId);
    throw error;
  }
  return { documentId, sha256: prepared.row.sha256, hsmKeyId: key.hsmKeyId };
}

/** The imported record's detail with its stored validation report (read access as for envelopes). */
export async function importView(
  ctx: ContractsContext,
  actor: ContractActor,
  recordId: string,
): Promise<ImportView> {
  const loaded = await loadEnvelope(ctx, actor, recordId, 'read');
  const row = await recordsDb(ctx.db)
    .selectFrom('contract_imports')
    .selectAll()
    .where('envelope_id', '=', recordId)
    .executeTakeFirst();
  if (row === undefined) throw contractErrors.notFound();
  return {
    record: await toView(ctx, loaded),
    import: importFacts(row),
    validation:
      row.validation_report === null ? null : (JSON.parse(row.validation_report) as ValidationReport),
  };
}

export function importFacts(row: ImportTable): ImportView['import'] {
  return {
    // Only importMetadataSchema's two values are ever written.
    source: row.source as ImportViewShape['import']['source'],
    signatureStatus: row.signature_status,
    signatures: Number(row.signatures),
    indication: row.indication,
    validationError: row.validation_error,
    parties: JSON.parse(row.parties) as ImportView['import']['parties'],
    note: row.note,
    importedBy: row.imported_by,
    importedAt: row.imported_at,
  };
}
