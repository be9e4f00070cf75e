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
      ...(afterSeq === undefined ? {} : { afterSeq }),
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
  const db = recordsDb(ctx.db);
  // yazl is loaded by the first export, not at every start (ADR 031).
  const zip = new (await import('yazl')).ZipFile();
  const piped = zip.outputStream.pipe(output);
  const done = finished(piped);
  // A failed destination must stop the export rather than leave it waiting for a drain.
  let failure: unknown;
  done.catch((error: unknown) => {
    failure = error;
  });
  const files: { path: string; sha256: string; size: number }[] = [];
  const records: ExportManifest['records'][number][] = [];
  const mtime = ctx.clock();
  const add = async (name: string, data: Buffer): Promise<void> => {
    if (failure !== undefined) throw failure;
    files.push({ path: name, sha256: createHash('sha256').update(data).digest('hex'), size: data.length });
    const stream = Readable.from([data]);
    zip.addReadStream(stream, name, { mtime, mode: 0o100600, size: data.length });
    await Promise.race([finished(stream), done.then(() => undefined)]);
    if (failure !== undefined) throw failure;
  };
  const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
  let deleted = 0;
  try {
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
    for (let start = 0; start < ids.length; start += PAGE) {
      const page = ids.slice(start, start + PAGE).map((r) => r.id);
      const envelopes = await db
        .selectFrom('contract_envelopes')
        .selectAll()
        .where('id', 'in', page)
        .execute();
      envelopes.sort((a, b) => page.indexOf(a.id) - page.indexOf(b.id));
      for (const envelope of envelopes) {
        const entry = await exportRecord(ctx, envelope, audit.get(envelope.id) ?? [], add, json);
        if (entry.deleted) deleted++;
        records.push(entry);
      }
    }
    const manifest: ExportManifest = {
      format: EXPORT_FORMAT,
      version: 1,
      tenantId,
      createdAt: ctx.clock().toISOString(),
      records,
      files,
    };
    const manifestBytes = json(manifest);
    zip.addBuffer(manifestBytes, 'manifest.json', { mtime, mode: 0o100600 });
    zip.end();
    await done;
    const summary: ExportSummary = {
      tenantId,
      records: records.length,
      deleted,
      files: files.length,
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

async function exportRecord(
  ctx: ContractsContext,
  envelope: EnvelopeTable,
  audit: readonly AuditRecord[],
  add: (name: string, data: Buffer) => Promise<void>,
  json: (value: unknown) => Buffer,
): Promise<ExportManifest['records'][number]> {
  const db = recordsDb(ctx.db);
  const kind = envelope.status === 'imported' ? ('imported' as const) : ('envelope' as const);
  const documents = await db
    .selectFrom('contract_documents')
    .selectAll()
    .where('envelope_id', '=', envelope.id)
    .orderBy('position')
    .execute();
  if (documents.length > 0 && documents.every((d) => d.status === 'shredded')) {
    const deletedAt =
      documents
        .map((d) => d.shredded_at ?? '')
        .sort()
        .at(-1) ?? null;
    return { id: envelope.id, kind, status: envelope.status, deleted: true, deletedAt, files: [] };
  }
  const base = `records/${envelope.id}`;
  const written: string[] = [];
  const put = async (name: string, data: Buffer): Promise<void> => {
    await add(`${base}/${name}`, data);
    written.push(`${base}/${name}`);
  };
  const parties = await db
    .selectFrom('contract_parties')
    .selectAll()
    .where('envelope_id', '=', envelope.id)
    .orderBy('position')
    .execute();
  const imported = await db
    .selectFrom('contract_imports')
    .selectAll()
    .where('envelope_id', '=', envelope.id)
    .executeTakeFirst();
  const validation: Record<string, ValidationReport | { error: string } | null> = {};
  let certificate: unknown;
  const documentFacts = [];
  for (const [index, document] of documents.entries()) {
    documentFacts.push({
      id: document.id,
      name: document.name,
      version: document.current_version,
      originalSha256: document.original_sha256,
      status: document.status,
    });
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
  await put(
    'metadata.json',
    json({
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
      documents: documentFacts,
      ...(imported === undefined ? {} : { import: importFacts(imported) }),
    }),
  );
  if (Object.keys(validation).length > 0) await put('validation.json', json(validation));
  if (certificate !== undefined) await put('certificate-of-completion.json', json(certificate));
  await put('audit.json', json(audit));
  return { id: envelope.id, kind, status: envelope.status, deleted: false, files: written };
}
