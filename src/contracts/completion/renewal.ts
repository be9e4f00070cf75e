/**
 * Long-term archive (criterion 2.2.4 (4)): completed documents whose newest document timestamp's
 * TSA certificate expires within the window, or whose timestamp uses an algorithm configured as
 * weak, get fresh validation data (covering that timestamp) and a new document timestamp. Others
 * are left untouched. Each renewal is a new encrypted version, recorded in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { addDocumentTimestamp, addValidationData, signatureCertificates } from '../../ades/index.ts';
import { listSignatures } from '../../pdf/index.ts';
import { certificateFacts, parseCertificate } from '../../pki/index.ts';
import type { ContractsContext } from '../context.ts';
import { contractErrors } from '../model/errors.ts';
import type { DocumentTable } from '../store/tables.ts';

export interface RenewalOptions {
  /** Renew when the newest timestamp's TSA certificate expires within this many days (default: setting, 365). */
  readonly windowDays?: number;
  readonly now?: Date;
}

export interface RenewalOutcome {
  readonly documentId: string;
  readonly envelopeId: string;
  readonly action: 'renewed' | 'current' | 'failed';
  readonly reason: string;
  readonly tsaNotAfter?: string;
}

interface NewestTimestamp {
  readonly notAfter: Date;
  readonly digestOids: readonly string[];
  readonly count: number;
}

async function newestTimestamp(pdf: Buffer): Promise<NewestTimestamp | undefined> {
  const timestamps = (await listSignatures(pdf)).filter(
    (s) => s.subFilter === 'ETSI.RFC3161' && s.cms.length > 0,
  );
  const last = timestamps.at(-1);
  if (last === undefined) return undefined;
  const [tsaCertificate] = signatureCertificates(last.cms).signers;
  if (tsaCertificate === undefined) return undefined;
  const content = AsnConvert.parse(last.cms, ContentInfo);
  const signed = AsnConvert.parse(content.content, SignedData);
  const digestOids = signed.signerInfos.flatMap((s) => [
    s.digestAlgorithm.algorithm,
    s.signatureAlgorithm.algorithm,
  ]);
  return {
    notAfter: certificateFacts(parseCertificate(tsaCertificate)).notAfter,
    digestOids,
    count: timestamps.length,
  };
}

export async function renewArchiveTimestamps(
  ctx: ContractsContext,
  options: RenewalOptions = {},
): Promise<RenewalOutcome[]> {
  const windowDays = options.windowDays ?? ctx.settings.archiveRenewalWindowDays;
  if (!Number.isFinite(windowDays) || windowDays < 0 || windowDays > 3650) {
    throw contractErrors.invalid('window', 'between 0 and 3650 days');
  }
  const now = options.now ?? ctx.clock();
  const limit = new Date(now.getTime() + windowDays * 86_400_000);
  const documents = await ctx.db
    .selectFrom('contract_documents as d')
    .innerJoin('contract_envelopes as e', 'e.id', 'd.envelope_id')
    .selectAll('d')
    .where('e.status', '=', 'completed')
    .where('d.status', '=', 'active')
    .orderBy('d.id')
    .execute();
  const outcomes: RenewalOutcome[] = [];
  for (const document of documents) {
    try {
      outcomes.push(await renewOne(ctx, document, limit));
    } catch (error) {
      outcomes.push({
        documentId: document.id,
        envelopeId: document.envelope_id,
        action: 'failed',
        reason: error instanceof Error ? error.message.slice(0, 200) : 'unknown',
      });
    }
  }
  return outcomes;
}

async function renewOne(
  ctx: ContractsContext,
  document: DocumentTable,
  limit: Date,
): Promise<RenewalOutcome> {
  const bytes = await ctx.vault.read(document);
  const newest = await newestTimestamp(bytes);
  const base = { documentId: document.id, envelopeId: document.envelope_id };
  if (newest === undefined) return { ...base, action: 'failed', reason: 'no document timestamp' };
  const weak = newest.digestOids.some((oid) => ctx.settings.weakDigestOids.includes(oid));
  const expiring = newest.notAfter.getTime() <= limit.getTime();
  if (!weak && !expiring) {
    return {
      ...base,
      action: 'current',
      reason: 'timestamp good beyond the window',
      tsaNotAfter: newest.notAfter.toISOString(),
    };
  }
  const provider = await ctx.provider();
  const dir = path.join(ctx.workDirectory, randomUUID());
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let renewed: Buffer;
  try {
    const longTerm = path.join(dir, 'lt.pdf');
    const archived = path.join(dir, 'lta.pdf');
    await addValidationData({
      input: await writeInput(dir, bytes),
      output: longTerm,
      revocationSource: provider.revocationSource,
    });
    await addDocumentTimestamp({
      input: longTerm,
      output: archived,
      tsa: provider.tsa,
      fieldName: `shomei-archive-${newest.count + 1}-${Date.now().toString(36)}`,
    });
    renewed = await readFile(archived);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const key = await ctx.vault.contentKeyOf(document);
  const version = await ctx.vault.prepareVersion(
    document.id,
    document.current_version + 1,
    'archive-renewal',
    key,
    renewed,
  );
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await ctx.vault.record(trx, version);
      const moved = await trx
        .updateTable('contract_documents')
        .set({ current_version: version.row.version })
        .where('id', '=', document.id)
        .where('current_version', '=', document.current_version)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) throw contractErrors.conflict();
    });
  } catch (error) {
    await ctx.vault.abandon([version]);
    throw error;
  }
  const reason = weak ? 'weak algorithm' : 'TSA certificate expires within the window';
  await ctx.audit.append({
    type: 'document.archive-timestamp.renew',
    actor: { kind: 'process', id: 'archive-renewal' },
    subject: { kind: 'document', id: document.id },
    outcome: 'success',
    details: {
      envelopeId: document.envelope_id,
      reason,
      previousTsaNotAfter: newest.notAfter.toISOString(),
      sha256: version.row.sha256,
      version: version.row.version,
    },
  });
  return { ...base, action: 'renewed', reason, tsaNotAfter: newest.notAfter.toISOString() };
}

async function writeInput(dir: string, bytes: Buffer): Promise<string> {
  const { writeFile } = await import('node:fs/promises');
  const file = path.join(dir, 'in.pdf');
  await writeFile(file, bytes, { mode: 0o600 });
  return file;
}
