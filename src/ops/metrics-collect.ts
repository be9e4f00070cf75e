/**
 * Gauges set when /metrics is scraped (on the public or the management listener): audit checkpoint
 * lag, clock offset (no series while unknown), queue depths, database and HSM pool state, expiry
 * days and overrides.
 */
import { sql } from 'kysely';
import type { AuditTables } from '../audit/index.ts';
import type { Database } from '../store/index.ts';
import type { ClockGuard } from './clock.ts';
import { opsMetrics } from './metrics.ts';
import type { OpsServices } from './service.ts';

export interface MetricsSources {
  readonly database: Database;
  readonly clock: ClockGuard;
  readonly ops: OpsServices;
}

/** Seconds since the newest signed audit checkpoint, or -1 when there is none. */
async function auditLagSeconds(database: Database): Promise<number> {
  const row = await database.db
    .withTables<AuditTables>()
    .selectFrom('audit_checkpoints')
    .select(sql<string>`max(signed_at)`.as('latest'))
    .executeTakeFirst();
  if (row?.latest == null) return -1;
  return Math.max(0, Math.round((Date.now() - Date.parse(row.latest)) / 1000));
}

/** Work waiting in the database, by queue; a queue whose table is missing or unreadable is skipped. */
const QUEUES: Record<string, string> = {
  webhooks: 'select count(*) as n from contract_webhook_deliveries where delivered_at is null',
  completion: "select count(*) as n from contract_envelopes where status = 'completing'",
  // Certificate renewals waiting for the RA's identity check. Archive timestamp renewal has no
  // queue to count: which documents are due is known only by reading each PDF, which the daily
  // job does and a scrape must not.
  renewal:
    "select count(*) as n from rssp_credential_applications where status = 'pending' and renews_credential_id is not null",
};

async function setQueueDepths(database: Database): Promise<void> {
  const { queueDepth } = opsMetrics();
  for (const [queue, query] of Object.entries(QUEUES)) {
    try {
      const result = await sql<{ n: number | string }>`${sql.raw(query)}`.execute(database.db);
      queueDepth.set({ queue }, Number(result.rows[0]?.n ?? 0));
    } catch {
      queueDepth.remove({ queue });
    }
  }
}

export async function collectMetrics(sources: MetricsSources): Promise<string> {
  const metrics = opsMetrics();
  metrics.auditLagSeconds.set(await auditLagSeconds(sources.database).catch(() => -1));
  // Absent, not 0, while the offset is unknown: a 0 would read as a perfect clock.
  const clock = sources.clock.state();
  metrics.clockOffsetMs.reset();
  if ('offsetMs' in clock) metrics.clockOffsetMs.set({ server: clock.server }, clock.offsetMs);
  await setQueueDepths(sources.database);
  const pool = sources.database.poolState();
  if (pool !== undefined) {
    for (const [state, value] of Object.entries(pool))
      metrics.poolConnections.set({ pool: 'database', state }, value);
  }
  // Waiting callers mean every HSM session is busy: signing queues behind the pool (SHOMEI_PKCS11_SESSIONS).
  for (const [state, value] of Object.entries(sources.ops.hsmSessions()))
    metrics.poolConnections.set({ pool: 'hsm', state }, value);
  metrics.expiryDays.reset();
  for (const item of await sources.ops.expiring().catch(() => [])) {
    metrics.expiryDays.set(
      { name: item.name },
      Math.floor((item.notAfter.getTime() - Date.now()) / 86_400_000),
    );
  }
  metrics.productionOverrides.reset();
  for (const override of sources.ops.overrides) metrics.productionOverrides.set({ override }, 1);
  return metrics.registry.metrics();
}
