/** The hash chain: how a record's hash is computed from its fields and the previous hash. */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import type { AuditRecord } from './events.ts';
import type { AuditEventTable } from './tables.ts';

export const GENESIS_HASH = '0'.repeat(64);

export type UnhashedRecord = Omit<AuditRecord, 'hash'>;

/** The exact bytes hashed for a record: canonical JSON of every field and the previous hash. */
export function recordHashInput(record: UnhashedRecord): string {
  return canonicalJson({
    v: 1,
    seq: record.seq,
    eventId: record.eventId,
    time: record.time,
    type: record.type,
    actor: { kind: record.actor.kind, id: record.actor.id, tenantId: record.actor.tenantId },
    subject: record.subject === null ? null : { kind: record.subject.kind, id: record.subject.id },
    outcome: record.outcome,
    source: record.source,
    details: record.details,
    prevHash: record.prevHash,
  });
}

export function hashRecord(record: UnhashedRecord): string {
  return createHash('sha256').update(recordHashInput(record)).digest('hex');
}

export function recordFromRow(row: AuditEventTable): AuditRecord {
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    time: row.recorded_at,
    type: row.type,
    actor: {
      kind: row.actor_kind as AuditRecord['actor']['kind'],
      id: row.actor_id,
      tenantId: row.actor_tenant_id,
    },
    subject:
      row.subject_kind === null || row.subject_id === null
        ? null
        : { kind: row.subject_kind, id: row.subject_id },
    outcome: row.outcome as AuditRecord['outcome'],
    source: row.source,
    details: parseDetails(row.details),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function parseDetails(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { unparseable: text };
  } catch {
    // A damaged row still gets a value, and the hash check reports it.
    return { unparseable: text };
  }
}

export type ChainBreakReason =
  | 'hash-mismatch'
  | 'prev-hash-mismatch'
  | 'sequence-gap'
  | 'sequence-order'
  | 'details-not-canonical';

export interface ChainBreak {
  readonly seq: number;
  readonly reason: ChainBreakReason;
  readonly message: string;
}

/**
 * Checks one record against its predecessor (or against the anchor the chain starts from) and
 * returns the first problem found. Times are not compared: a clock stepping back is not tampering.
 */
export function checkLink(
  record: AuditRecord,
  rawDetails: string | undefined,
  previous: { seq: number; hash: string },
): ChainBreak | undefined {
  if (record.seq !== previous.seq + 1) {
    // A gap names the first missing record; a repeat or step back names the record out of place.
    const gap = record.seq > previous.seq + 1;
    return {
      seq: gap ? previous.seq + 1 : record.seq,
      reason: gap ? 'sequence-gap' : 'sequence-order',
      message: gap
        ? `record ${previous.seq + 1} is missing (the next present is ${record.seq})`
        : `record ${record.seq} is out of order after ${previous.seq}`,
    };
  }
  if (hashRecord(record) !== record.hash) {
    return {
      seq: record.seq,
      reason: 'hash-mismatch',
      message: 'the stored hash does not match the record content',
    };
  }
  if (record.prevHash !== previous.hash) {
    return {
      seq: record.seq,
      reason: 'prev-hash-mismatch',
      message: `the record does not link to record ${previous.seq} (one of the two was altered or replaced)`,
    };
  }
  if (rawDetails !== undefined && canonicalJson(record.details) !== rawDetails) {
    return {
      seq: record.seq,
      reason: 'details-not-canonical',
      message: 'the details are not stored as they were hashed',
    };
  }
  return undefined;
}
