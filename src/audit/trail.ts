/**
 * The audit trail over the database. Appends are serialised across processes: PostgreSQL locks the
 * chain-head row FOR UPDATE inside a transaction; SQLite takes the write lock up front with
 * BEGIN IMMEDIATE. The record is inserted and the head moved in the same transaction, so a crash
 * leaves either both or neither.
 */

import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import { type Clock, systemClock } from '../clock/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { Database, DialectName } from '../store/index.ts';
import { canonicalJson } from './canonical.ts';
import { hashRecord, recordFromRow } from './chain.ts';
import type { AuditEventInput, AuditRecord, AuditTrail } from './events.ts';
import { type SanitisedEvent, sanitiseAuditEvent } from './sanitise.ts';
import type { AuditEventTable, AuditTables } from './tables.ts';

export type AuditDb = Kysely<AuditTables>;

/** A trail that can also record inside the caller's transaction (see appendWithin). */
export interface TransactionalAuditTrail extends AuditTrail {
  appendWithin<Tables>(transaction: Transaction<Tables>, event: AuditEventInput): Promise<AuditRecord>;
}

/** Called when an event could not be written (the alert rule for audit write failures). */
export type AuditWriteFailureListener = (event: AuditEventInput, error: unknown) => void | Promise<void>;
export type AuditAppendListener = (record: AuditRecord) => void;

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export class DatabaseAuditTrail implements TransactionalAuditTrail {
  readonly db: AuditDb;
  readonly dialect: DialectName;
  private readonly appendListeners: AuditAppendListener[] = [];
  private readonly failureListeners: AuditWriteFailureListener[] = [];
  private readonly clock: Clock;

  constructor(database: Pick<Database, 'db' | 'dialect'>, options: { clock?: Clock } = {}) {
    this.db = database.db.withTables<AuditTables>();
    this.dialect = database.dialect;
    this.clock = options.clock ?? systemClock;
  }

  onAppended(listener: AuditAppendListener): void {
    this.appendListeners.push(listener);
  }

  onWriteFailure(listener: AuditWriteFailureListener): void {
    this.failureListeners.push(listener);
  }

  /** AuditTrail: validates, strips secrets, and appends to the chain. */
  async append(event: AuditEventInput): Promise<void> {
    await this.appendAuditEvent(event);
  }

  async appendAuditEvent(event: AuditEventInput): Promise<AuditRecord> {
    const clean = sanitiseAuditEvent(event);
    let record: AuditRecord;
    try {
      record = await this.withChainHead((trx, head) => this.insertAfter(trx, head, clean));
    } catch (error) {
      for (const listener of this.failureListeners) {
        try {
          await listener(event, error);
        } catch {
          // The failure itself is what the caller learns about; a failing alert must not mask it.
        }
      }
      throw shomeiError(
        'SHOMEI_AUDIT_WRITE_FAILED',
        '監査ログに記録できませんでした。操作は中止されました。',
        'The audit log could not be written; the operation was stopped.',
        { status: 503, details: { type: clean.type }, cause: error },
      );
    }
    for (const listener of this.appendListeners) listener(record);
    return record;
  }

  /**
   * Appends inside the caller's own transaction, so the event and the change it records commit or
   * roll back together. The head row is locked (PostgreSQL) or the write lock taken by the first
   * write (SQLite), so the chain stays ordered; listeners run only after the caller commits, which
   * this method cannot see, so none are called.
   */
  async appendWithin<Tables>(transaction: Transaction<Tables>, event: AuditEventInput): Promise<AuditRecord> {
    const clean = sanitiseAuditEvent(event);
    // The caller's transaction is typed with its own tables; the audit tables are in the same database.
    const trx = transaction as unknown as AuditDb;
    let query = trx.selectFrom('audit_chain_head').select(['last_seq', 'last_hash']).where('id', '=', 'head');
    if (this.dialect === 'postgres') query = query.forUpdate();
    const head = await query.executeTakeFirstOrThrow();
    return this.insertAfter(trx, { seq: Number(head.last_seq), hash: head.last_hash }, clean);
  }

  private async insertAfter(trx: AuditDb, head: ChainHead, clean: SanitisedEvent): Promise<AuditRecord> {
    const unhashed = {
      seq: head.seq + 1,
      eventId: randomUUID(),
      time: this.clock().toISOString(),
      type: clean.type,
      actor: clean.actor,
      subject: clean.subject,
      outcome: clean.outcome,
      source: clean.source,
      details: clean.details,
      prevHash: head.hash,
    };
    const appended: AuditRecord = { ...unhashed, hash: hashRecord(unhashed) };
    // The first write: on SQLite this takes the write lock (or fails busy) before anything else.
    await trx
      .updateTable('audit_chain_head')
      .set({ last_seq: appended.seq, last_hash: appended.hash })
      .where('id', '=', 'head')
      .where('last_seq', '=', head.seq)
      .execute()
      .then((result) => {
        if (Number(result[0]?.numUpdatedRows ?? 0) !== 1)
          throw new Error('audit chain head moved during append');
      });
    await trx
      .insertInto('audit_events')
      .values(toRow(appended, canonicalJson(clean.details)))
      .execute();
    return appended;
  }

  /** Runs `work` while holding the chain head, inside one transaction. */
  async withChainHead<T>(work: (trx: AuditDb, head: ChainHead) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') {
      return this.db.transaction().execute(async (trx: Transaction<AuditTables>) => {
        const head = await trx
          .selectFrom('audit_chain_head')
          .select(['last_seq', 'last_hash'])
          .where('id', '=', 'head')
          .forUpdate()
          .executeTakeFirstOrThrow();
        return work(trx, { seq: Number(head.last_seq), hash: head.last_hash });
      });
    }
    return this.db.connection().execute(async (connection) => {
      await sql`begin immediate`.execute(connection);
      try {
        const head = await connection
          .selectFrom('audit_chain_head')
          .select(['last_seq', 'last_hash'])
          .where('id', '=', 'head')
          .executeTakeFirstOrThrow();
        const result = await work(connection, { seq: Number(head.last_seq), hash: head.last_hash });
        await sql`commit`.execute(connection);
        return result;
      } catch (error) {
        await sql`rollback`.execute(connection).catch(() => undefined);
        throw error;
      }
    });
  }

  async head(): Promise<ChainHead> {
    const row = await this.db
      .selectFrom('audit_chain_head')
      .select(['last_seq', 'last_hash'])
      .where('id', '=', 'head')
      .executeTakeFirstOrThrow();
    return { seq: Number(row.last_seq), hash: row.last_hash };
  }

  async get(seq: number): Promise<AuditRecord | undefined> {
    const row = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '=', seq)
      .executeTakeFirst();
    return row === undefined ? undefined : recordFromRow(row);
  }
}

export function toRow(record: AuditRecord, detailsText: string): AuditEventTable {
  return {
    seq: record.seq,
    event_id: record.eventId,
    recorded_at: record.time,
    type: record.type,
    actor_kind: record.actor.kind,
    actor_id: record.actor.id,
    actor_tenant_id: record.actor.tenantId,
    subject_kind: record.subject?.kind ?? null,
    subject_id: record.subject?.id ?? null,
    outcome: record.outcome,
    source: record.source,
    details: detailsText,
    prev_hash: record.prevHash,
    hash: record.hash,
  };
}
