/**
 * Full export of a tenant's records (no lock-in): a ZIP with, per envelope or imported record, the
 * latest PDF of each document (decrypted), metadata JSON, the validation report, the certificate of
 * completion when there is one and an audit extract; and manifest.json with the SHA-256 of every
 * file. Crypto-shredded records are listed as deleted, without content.
 *
 * yazl reads one entry at a time and honours back-pressure, and each entry is awaited before the
 * next record is decrypted, so memory holds about one document however large the tenant is.
 */
import { createHash } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { AuditActor, AuditRecord } from '../../audit/index.ts';
import { listSignatures } from '../../pdf/index.ts';
import { type ValidationReport, validatePdf } from '../../validation/index.ts';
import { extractCertificate } from '../completion/certificate.ts';
import type { ContractsContext } from '../context.ts';
import { recordsDb } from '../parties/permissions.ts';
import type { EnvelopeTable } from '../store/tables.ts';
import { importFacts } from '../workflow/imports.ts';

export const EXPORT_FORMAT = 'shomei/tenant-export';

export interface ExportManifest {
  readonly format: typeof EXPORT_FORMAT;
  readonly version: 1;
  readonly tenantId: string;
  readonly createdAt: string;
  readonly records: readonly {
    readonly id: string;
    readonly kind: 'envelope' | 'imported';
    readonly status: string;
    readonly deleted: boolean;
    readonly deletedAt?: string | null;
    readonly files: readonly string[];
  }[];
  readonly files: readonly { readonly path: string; readonly sha256: string; readonly size: number }[];
}

export interface ExportSummary {
  readonly tenantId: string;
  readonly records: number;
  readonly deleted: number;
  readonly files: number;
  readonly manifestSha256: string;
}

const PAGE = 100;

function safe(name: string): string {
  const cleaned = name
    .normalize('NFC')
    .replace(/\p{Cc}|[/\\:*?"<>|]/gu, '_')
    .slice(0, 120);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'document.pdf' : cleaned;
}

/** The audit records of the tenant's records, gathered in one pass over the trail. */
async function auditByRecord(
  ctx: ContractsContext,
  from: string,
  recordOf: ReadonlyMap<string, string>,
): Promise<Map<string, AuditRecord[]>> {
  const byRecord = new Map<string, AuditRecord[]>();
  if (ctx.auditSearch === undefined) return byRecord;
  let afterSeq: number | undefined;
  for (;;) {
    const page = await ctx.auditSearch({
      from,
      limit: 1000,
      afterSeq,
    });
    for (const record of page) {
      const envelopeId =
        typeof record.details.envelopeId === 'string' ? record.details.envelopeId : undefined;
      const id =
        (record.subject === null ? undefined : recordOf.get(record.subject.id)) ??
        (envelopeId === undefined ? undefined : recordOf.get(envelopeId));
      if (id === undefined) continue;
      const list = byRecord.get(id) ?? [];
      list.push(record);
      byRecord.set(id, list);
    }
    if (page.length < 1000) return byRecord;
    afterSeq = page.at(-1)!.seq;
  }
}

type ManifestRecord = ExportManifest['records'][number];
type AddFile = (name: string, data: Buffer) => Promise<void>;

const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');

/** The ZIP being written to `output`: each file is added in turn, its SHA-256 kept for the manifest. */
async function openZip(output: Writable, mtime: Date) {
  // yazl is loaded by the first export, not at every start (ADR 031).
  const zip = new (await import('yazl')).ZipFile();
  const done = finished(zip.outputStream.pipe(output));
  // A failed destination must stop the export rather than leave it waiting for a drain.
  let failure: unknown;
  done.catch((error: unknown) => {
    failure = error;
  });
  const files: ExportManifest['files'][number][] = [];
  const add: AddFile = async (name, data) => {
    if (failure !== undefined) throw failure;
    files.push({ path: name, sha256: createHash('sha256').update(data).digest('hex'), size: data.length });
    const stream = Readable.from([data]);
    zip.addReadStream(stream, name, { mtime, mode: 0o100600, size: data.length });
    await Promise.race([finished(stream), done.then(() => undefined)]);
    if (failure !== undefined) throw failure;
  };
  /** Adds the manifest last and waits until the whole ZIP is written. */
  const close = async (manifestBytes: Buffer): Promise<void> => {
    zip.addBuffer(manifestBytes, 'manifest.json', { mtime, mode: 0o100600 });
    zip.end();
    await done;
  };
  return { files, add, close };
}

/** The tenant's envelope ids in order, and the audit records of each (one pass over the trail). */
async function tenantRecords(ctx: ContractsContext, tenantId: string) {
  const db = recordsDb(ctx.db);
  const ids = await db
    .selectFrom('contract_envelopes')
    .select(['id', 'created_at'])
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const documentsOfTenant = await db
    .selectFrom('contract_documents as d')
    .innerJoin('contract_envelopes as e', 'e.id', 'd.envelope_id')
    .select(['d.id', 'd.envelope_id'])
    .where('e.tenant_id', '=', tenantId)
    .execute();
  const recordOf = new Map<string, string>(ids.map((r) => [r.id, r.id]));
  for (const d of documentsOfTenant) recordOf.set(d.id, d.envelope_id);
  const audit =
    ids.length === 0
      ? new Map<string, AuditRecord[]>()
      : await auditByRecord(ctx, ids[0]!.created_at, recordOf);
  return { ids: ids.map((r) => r.id), audit };
}

/** Every record of the tenant into the ZIP, a page of envelopes at a time. */
async function exportRecords(
  ctx: ContractsContext,
  tenantId: string,
  add: AddFile,
  records: ManifestRecord[],
): Promise<void> {
  const { ids, audit } = await tenantRecords(ctx, tenantId);
  for (let start = 0; start < ids.length; start += PAGE) {
    const page = ids.slice(start, start + PAGE);
    const envelopes = await recordsDb(ctx.db)
      .selectFrom('contract_envelopes')
      .selectAll()
      .where('id', 'in', page)
      .execute();
    envelopes.sort((a, b) => page.indexOf(a.id) - page.indexOf(b.id));
    for (const envelope of envelopes) {
      records.push(await exportRecord(ctx, envelope, audit.get(envelope.id) ?? [], add));
    }
  }
}

/**
 * Writes the ZIP to `output` (a file or an HTTP response) and audits the export. The caller checks
 * that `by` may export this tenant (a tenant administrator, or an operator at the CLI).
 */
export async function exportTenant(
  ctx: ContractsContext,
  tenantId: string,
  by: AuditActor,
  output: Writable,
): Promise<ExportSummary> {
  const zip = await openZip(output, ctx.clock());
  const records: ManifestRecord[] = [];
  try {
    await exportRecords(ctx, tenantId, zip.add, records);
    const manifest: ExportManifest = {
      format: EXPORT_FORMAT,
      version: 1,
      tenantId,
      createdAt: ctx.clock().toISOString(),
      records,
      files: zip.files,
    };
    const manifestBytes = json(manifest);
    await zip.close(manifestBytes);
    const summary: ExportSummary = {
      tenantId,
      records: records.length,
      deleted: records.filter((r) => r.deleted).length,
      files: zip.files.length,
      manifestSha256: createHash('sha256').update(manifestBytes).digest('hex'),
    };
    await ctx.audit.append({
      type: 'contracts.tenant.export',
      actor: by,
      outcome: 'success',
      details: { ...summary },
    });
    return summary;
  } catch (error) {
    output.destroy(error instanceof Error ? error : new Error('export failed'));
    await ctx.audit
      .append({
        type: 'contracts.tenant.export',
        actor: by,
        outcome: 'failure',
        details: { tenantId, records: records.length },
      })
      .catch(() => undefined);
    throw error;
  }
}

type DocumentRow = Awaited<ReturnType<typeof documentsOf>>[number];
type ImportRow = Awaited<ReturnType<typeof importOf>>;
type Validation = Record<string, ValidationReport | { error: string } | null>;

function documentsOf(ctx: ContractsContext, envelopeId: string) {
  return recordsDb(ctx.db)
    .selectFrom('contract_documents')
    .selectAll()
    .where('envelope_id', '=', envelopeId)
    .orderBy('position')
    .execute();
}

function importOf(ctx: ContractsContext, envelopeId: string) {
  return recordsDb(ctx.db)
    .selectFrom('contract_imports')
    .selectAll()
    .where('envelope_id', '=', envelopeId)
    .executeTakeFirst();
}

/** A record whose every document was crypto-shredded: listed as deleted, without content. */
function deletedRecord(envelope: EnvelopeTable, kind: ManifestRecord['kind'], documents: DocumentRow[]) {
  const deletedAt =
    documents
      .map((d) => d.shredded_at ?? '')
      .sort()
      .at(-1) ?? null;
  return { id: envelope.id, kind, status: envelope.status, deleted: true, deletedAt, files: [] };
}

/** Each live document's PDF, with its validation report and the certificate of completion it carries. */
async function exportDocuments(
  ctx: ContractsContext,
  documents: DocumentRow[],
  imported: ImportRow,
  put: AddFile,
): Promise<{ validation: Validation; certificate: unknown }> {
  const validation: Validation = {};
  let certificate: unknown;
  for (const [index, document] of documents.entries()) {
    if (document.status !== 'active') continue;
    const bytes = await ctx.vault.read(document);
    const file = `documents/${index + 1}-${safe(document.name)}`;
    await put(file.endsWith('.pdf') ? file : `${file}.pdf`, bytes);
    if (imported !== undefined) continue;
    certificate ??= (await extractCertificate(bytes)) ?? undefined;
    if ((await listSignatures(bytes)).length > 0) {
      try {
        validation[document.id] = await validatePdf(bytes, {
          trustAnchors: [(await ctx.provider()).root],
          name: document.name,
        });
      } catch (error) {
        validation[document.id] = { error: error instanceof Error ? error.message.slice(0, 200) : 'failed' };
      }
    }
  }
  if (imported !== undefined && documents[0] !== undefined) {
    validation[documents[0].id] =
      imported.validation_report === null
        ? null
        : (JSON.parse(imported.validation_report) as ValidationReport);
  }
  return { validation, certificate };
}

async function recordMetadata(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
  kind: ManifestRecord['kind'],
  documents: DocumentRow[],
  imported: ImportRow,
) {
  const parties = await recordsDb(ctx.db)
    .selectFrom('contract_parties')
    .selectAll()
    .where('envelope_id', '=', envelope.id)
    .orderBy('position')
    .execute();
  return {
    id: envelope.id,
    kind,
    title: envelope.title,
    counterparty: envelope.counterparty,
    transactionDate: envelope.transaction_date,
    amount: envelope.amount === null ? null : Number(envelope.amount),
    currency: envelope.currency,
    status: envelope.status,
    signingOrder: kind === 'envelope' ? envelope.signing_order : null,
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
    })),
    documents: documents.map((d) => ({
      id: d.id,
      name: d.name,
      version: d.current_version,
      originalSha256: d.original_sha256,
      status: d.status,
    })),
    import: imported === undefined ? undefined : importFacts(imported),
  };
}

async function exportRecord(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
  audit: readonly AuditRecord[],
  add: AddFile,
): Promise<ManifestRecord> {
  const kind = envelope.status === 'imported' ? ('imported' as const) : ('envelope' as const);
  const documents = await documentsOf(ctx, envelope.id);
  if (documents.length > 0 && documents.every((d) => d.status === 'shredded')) {
    return deletedRecord(envelope, kind, documents);
  }
  const base = `records/${envelope.id}`;
  const written: string[] = [];
  const put: AddFile = async (name, data) => {
    await add(`${base}/${name}`, data);
    written.push(`${base}/${name}`);
  };
  const imported = await importOf(ctx, envelope.id);
  const { validation, certificate } = await exportDocuments(ctx, documents, imported, put);
  await put('metadata.json', json(await recordMetadata(ctx, envelope, kind, documents, imported)));
  if (Object.keys(validation).length > 0) await put('validation.json', json(validation));
  if (certificate !== undefined) await put('certificate-of-completion.json', json(certificate));
  await put('audit.json', json(audit));
  return { id: envelope.id, kind, status: envelope.status, deleted: false, files: written };
}
