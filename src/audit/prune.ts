/**
 * Pruning archived records (JT2A 7.1.4 allows deletion once archived to external media). The only
 * path that deletes audit rows: the range must have been exported and the archive verified; a
 * checkpoint signs the last pruned record's hash, and a prune record anchors the rest of the chain,
 * so verify continues from there. The database triggers let DELETE through only below that anchor.
 */

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type Clock, systemClock } from '../clock/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { Checkpointer } from './checkpoints.ts';
import type { DatabaseAuditTrail } from './trail.ts';

export interface PruneResult {
  readonly pruneId: string;
  readonly throughSeq: number;
  readonly deleted: number;
  readonly checkpointId: string;
  readonly exportId: string;
}

function refused(code: string, ja: string, en: string, details: Record<string, unknown>): Error {
  return shomeiError(code, ja, en, { status: 409, details });
}

/** Years records are kept at least (PS 3.4.3 / 3.5.2: seven), and the floor production may not go below. */
export const DEFAULT_RETENTION_YEARS = 7;
export const LEGAL_RETENTION_FLOOR_YEARS = 7;

/** The newest record time that may be deleted under a retention of `years` at `now`. */
export function retentionCutoff(years: number, now: Date): string {
  const cutoff = new Date(now.getTime());
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - years);
  return cutoff.toISOString();
}

export interface PruneOptions {
  trail: DatabaseAuditTrail;
  checkpointer: Checkpointer;
  throughSeq: unknown;
  prunedBy: string;
  /** Records younger than this many years are never deleted. */
  retentionYears: number;
  clock?: Clock;
}

/**
 * Checks a prune without deleting anything: the range exists, is past the retention floor, and was
 * exported to an archive that verified (a timestamp included). Run when asked and again when approved.
 */
export async function checkAuditPrune(options: Omit<PruneOptions, 'checkpointer' | 'prunedBy'>) {
  const { trail } = options;
  const through = options.throughSeq;
  if (typeof through !== 'number' || !Number.isSafeInteger(through) || through < 1) {
    throw shomeiError(
      'SHOMEI_AUDIT_PRUNE_INVALID',
      '--through は正の整数です。',
      '--through must be a positive integer.',
      {
        status: 400,
      },
    );
  }
  const head = await trail.head();
  const record = await trail.get(through);
  if (record === undefined || through > head.seq) {
    throw refused(
      'SHOMEI_AUDIT_PRUNE_INVALID',
      `記録 ${through} がありません。`,
      `There is no record ${through}.`,
      {
        throughSeq: through,
      },
    );
  }
  const cutoff = retentionCutoff(options.retentionYears, (options.clock ?? systemClock)());
  if (record.time > cutoff) {
    throw refused(
      'SHOMEI_AUDIT_PRUNE_RETENTION',
      `記録 ${through} (${record.time}) は保存期間 ${options.retentionYears} 年を過ぎていないため削除できません。`,
      `Record ${through} (${record.time}) is within the ${options.retentionYears}-year retention period and cannot be pruned.`,
      { throughSeq: through, recordTime: record.time, retentionYears: options.retentionYears, cutoff },
    );
  }
  const firstKept = await trail.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.min('seq').as('lo'))
    .executeTakeFirstOrThrow();
  const from = Number(firstKept.lo);
  const exported = await trail.db
    .selectFrom('audit_exports')
    .select(['id'])
    .where('from_seq', '<=', from)
    .where('through_seq', '>=', through)
    .where('verified_at', 'is not', null)
    .orderBy('exported_at', 'desc')
    .executeTakeFirst();
  if (exported === undefined) {
    throw refused(
      'SHOMEI_AUDIT_PRUNE_NOT_ARCHIVED',
      `記録 ${from}〜${through} は書き出し・検証済み (タイムスタンプ付き) のアーカイブがないため削除できません。`,
      `Records ${from}–${through} have no exported, timestamped and verified archive, so they cannot be pruned.`,
      { fromSeq: from, throughSeq: through },
    );
  }
  return { through, record, exported };
}

export async function pruneAuditRecords(options: PruneOptions): Promise<PruneResult> {
  const { trail } = options;
  const { through, record, exported } = await checkAuditPrune(options);
  const checkpoint = await options.checkpointer.checkpoint('prune', { seq: through, hash: record.hash });
  const pruneId = randomUUID();
  const deleted = await trail.withChainHead(async (trx) => {
    await trx
      .insertInto('audit_prunes')
      .values({
        id: pruneId,
        through_seq: through,
        through_hash: record.hash,
        checkpoint_id: checkpoint!.id,
        export_id: exported.id,
        pruned_at: new Date().toISOString(),
        pruned_by: options.prunedBy,
      })
      .execute();
    // PostgreSQL: DELETE is revoked from the owner; grant it back for this transaction only.
    if (trail.dialect === 'postgres') await sql`grant delete on audit_events to current_user`.execute(trx);
    const result = await trx.deleteFrom('audit_events').where('seq', '<=', through).executeTakeFirst();
    if (trail.dialect === 'postgres') await sql`revoke delete on audit_events from current_user`.execute(trx);
    return Number(result.numDeletedRows);
  });
  await trail.append({
    type: 'audit.prune',
    actor: { kind: 'user', id: options.prunedBy },
    subject: { kind: 'audit-archive', id: exported.id },
    outcome: 'success',
    details: { throughSeq: through, deleted, checkpointId: checkpoint!.id, pruneId },
  });
  return { pruneId, throughSeq: through, deleted, checkpointId: checkpoint!.id, exportId: exported.id };
}
