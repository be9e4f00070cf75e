/**
 * The alert monitor: reads records past its cursor, runs the rules, stores each alert with the
 * event ids behind it, and hands it to the notifier (mail to administrators). The cursor row is
 * locked while scanning so several server processes never raise the same alert twice.
 */

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type Clock, systemClock } from '../clock/index.ts';
import type { Logger } from '../log/index.ts';
import {
  type AlertDraft,
  type AlertRule,
  abnormalRate,
  duplicateSessions,
  expiryWarnings,
  hsmConfigurationChanges,
  keyCompromises,
  outsideHours,
  skippedSteps,
  trustServiceFailures,
} from './alert-rules.ts';
import { recordFromRow } from './chain.ts';
import type { AuditEventInput } from './events.ts';
import type { AuditParameters } from './parameters.ts';
import type { AuditAlertTable } from './tables.ts';
import type { AuditDb, DatabaseAuditTrail } from './trail.ts';

export interface Alert {
  readonly id: string;
  readonly rule: AlertRule;
  readonly severity: 'warning' | 'critical';
  readonly raisedAt: string;
  readonly actorId: string | null;
  readonly summary: { readonly ja: string; readonly en: string };
  readonly eventIds: readonly string[];
  readonly eventSeqs: readonly number[];
  readonly notifiedAt: string | null;
}

/** Where alerts go to reach administrators (the mail outbox, or anything else). */
export interface AlertNotifier {
  notify(alert: Alert): Promise<void>;
}

const BATCH = 1000;

export class AlertMonitor {
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly trail: DatabaseAuditTrail,
    private readonly parameters: () => AuditParameters,
    private readonly notifier: AlertNotifier | undefined,
    private readonly logger?: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    trail.onWriteFailure((event, error) => this.auditWriteFailed(event, error));
  }

  /** Scans every record not yet scanned; returns the alerts raised. */
  async scan(): Promise<Alert[]> {
    const next = this.scanning.then(() => this.scanAll());
    this.scanning = next.catch(() => undefined);
    return next;
  }

  private async scanAll(): Promise<Alert[]> {
    const raised: Alert[] = [];
    for (;;) {
      const { alerts, more } = await this.scanBatch();
      raised.push(...alerts);
      if (!more) break;
    }
    for (const alert of raised) await this.deliver(alert);
    return raised.map((a) => a);
  }

  private async scanBatch(): Promise<{ alerts: Alert[]; more: boolean }> {
    return this.withCursor(async (db, cursor) => {
      const rows = await db
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '>', cursor)
        .orderBy('seq')
        .limit(BATCH)
        .execute();
      if (rows.length === 0) return { alerts: [], more: false, cursor };
      const batch = rows.map(recordFromRow);
      const params = this.parameters();
      const windowStart = new Date(
        Date.parse(batch[0]!.time) - params.rateLimit.seconds * 1000,
      ).toISOString();
      const history = (
        await db
          .selectFrom('audit_events')
          .selectAll()
          .where('seq', '<=', cursor)
          .where('recorded_at', '>=', windowStart)
          .orderBy('seq')
          .execute()
      ).map(recordFromRow);
      const drafts: AlertDraft[] = [
        ...outsideHours(batch, params),
        ...abnormalRate(history, batch, params),
        ...(await duplicateSessions(db, batch)),
        ...(await skippedSteps(db, batch)),
        ...expiryWarnings(batch),
        ...trustServiceFailures(batch),
        ...hsmConfigurationChanges(batch),
        ...keyCompromises(batch),
      ];
      const alerts: Alert[] = [];
      for (const draft of drafts) alerts.push(await this.store(db, draft));
      return { alerts, more: rows.length === BATCH, cursor: batch[batch.length - 1]!.seq };
    });
  }

  private async withCursor(
    work: (db: AuditDb, cursor: number) => Promise<{ alerts: Alert[]; more: boolean; cursor: number }>,
  ): Promise<{ alerts: Alert[]; more: boolean }> {
    const run = async (db: AuditDb, cursor: number) => {
      const result = await work(db, cursor);
      if (result.cursor !== cursor) {
        await db
          .updateTable('audit_alert_cursor')
          .set({ last_seq: result.cursor })
          .where('id', '=', 'alerts')
          .execute();
      }
      return { alerts: result.alerts, more: result.more };
    };
    if (this.trail.dialect === 'postgres') {
      return this.trail.db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('audit_alert_cursor')
          .select('last_seq')
          .where('id', '=', 'alerts')
          .forUpdate()
          .executeTakeFirstOrThrow();
        return run(trx, Number(row.last_seq));
      });
    }
    return this.trail.db.connection().execute(async (connection) => {
      await sql`begin immediate`.execute(connection);
      try {
        const row = await connection
          .selectFrom('audit_alert_cursor')
          .select('last_seq')
          .where('id', '=', 'alerts')
          .executeTakeFirstOrThrow();
        const result = await run(connection, Number(row.last_seq));
        await sql`commit`.execute(connection);
        return result;
      } catch (error) {
        await sql`rollback`.execute(connection).catch(() => undefined);
        throw error;
      }
    });
  }

  private async store(db: AuditDb, draft: AlertDraft): Promise<Alert> {
    const alert: Alert = {
      id: randomUUID(),
      rule: draft.rule,
      severity: draft.severity,
      raisedAt: this.clock().toISOString(),
      actorId: draft.actorId,
      summary: draft.summary,
      eventIds: draft.events.map((e) => e.eventId),
      eventSeqs: draft.events.map((e) => e.seq),
      notifiedAt: null,
    };
    await db
      .insertInto('audit_alerts')
      .values({
        id: alert.id,
        rule: alert.rule,
        severity: alert.severity,
        raised_at: alert.raisedAt,
        actor_id: alert.actorId,
        summary_ja: alert.summary.ja,
        summary_en: alert.summary.en,
        event_ids: JSON.stringify(alert.eventIds),
        event_seqs: JSON.stringify(alert.eventSeqs),
        notified_at: null,
      })
      .execute();
    return alert;
  }

  private async deliver(alert: Alert): Promise<void> {
    if (this.notifier === undefined) return;
    try {
      await this.notifier.notify(alert);
      await this.trail.db
        .updateTable('audit_alerts')
        .set({ notified_at: this.clock().toISOString() })
        .where('id', '=', alert.id)
        .execute();
    } catch (error) {
      // The alert stays stored (and shown at /api/admin/alerts) with notified_at unset.
      this.logger?.error({ err: error, alertId: alert.id }, 'alert notification failed');
    }
  }

  /** The audit-write-failure rule: raised directly, since the failed event never reaches the chain. */
  private async auditWriteFailed(event: AuditEventInput, error: unknown): Promise<void> {
    this.logger?.error({ err: error, type: event?.type }, 'audit write failed');
    const type = typeof event?.type === 'string' ? event.type.slice(0, 100) : 'unknown';
    const draft: AlertDraft = {
      rule: 'audit-write-failure',
      severity: 'critical',
      actorId: typeof event?.actor?.id === 'string' ? event.actor.id.slice(0, 256) : null,
      summary: { ja: `監査ログの書込みに失敗しました: ${type}`, en: `Writing the audit log failed: ${type}` },
      events: [],
    };
    let alert: Alert;
    try {
      alert = await this.store(this.trail.db, draft);
    } catch {
      // The database itself may be what failed: administrators must still hear of it.
      alert = {
        id: randomUUID(),
        rule: draft.rule,
        severity: draft.severity,
        raisedAt: this.clock().toISOString(),
        actorId: draft.actorId,
        summary: draft.summary,
        eventIds: [],
        eventSeqs: [],
        notifiedAt: null,
      };
    }
    await this.deliver(alert);
  }

  async list(filter: { since?: string; rule?: string; limit?: number } = {}): Promise<Alert[]> {
    let query = this.trail.db.selectFrom('audit_alerts').selectAll();
    if (filter.since !== undefined) query = query.where('raised_at', '>=', filter.since);
    if (filter.rule !== undefined) query = query.where('rule', '=', filter.rule);
    const rows = await query
      .orderBy('raised_at', 'desc')
      .limit(Math.min(filter.limit ?? 100, 1000))
      .execute();
    return rows.map(fromRow);
  }

  /** Scans every `intervalMs` and shortly after appends (the timer does not keep the process alive). */
  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => {
      this.scan().catch((error: unknown) => this.logger?.error({ err: error }, 'alert scan failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function fromRow(row: AuditAlertTable): Alert {
  return {
    id: row.id,
    rule: row.rule as AlertRule,
    severity: row.severity as Alert['severity'],
    raisedAt: row.raised_at,
    actorId: row.actor_id,
    summary: { ja: row.summary_ja, en: row.summary_en },
    eventIds: JSON.parse(row.event_ids) as string[],
    eventSeqs: JSON.parse(row.event_seqs) as number[],
    notifiedAt: row.notified_at,
  };
}
