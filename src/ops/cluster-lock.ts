/**
 * Scheduled jobs (archive renewal, CRL publication, checkpoints) must run once across all instances.
 * `withClusterLock` runs `fn` only when this instance holds the named lock: a PostgreSQL session
 * advisory lock on one pooled connection (released when `fn` ends or the connection dies), or, on
 * SQLite — one process by design — an in-process lock.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../store/index.ts';
import { scheduledJobsHeld } from './operating-mode.ts';

export type ClusterLockResult<T> = { readonly ran: true; readonly value: T } | { readonly ran: false };

const heldInProcess = new Set<string>();

/** A stable signed 64-bit key for pg advisory locks, from the lock's name. */
export function advisoryKey(name: string): bigint {
  return createHash('sha256').update(`shomei-lock:${name}`).digest().readBigInt64BE(0);
}

export async function withClusterLock<T>(
  database: Database,
  name: string,
  fn: () => Promise<T>,
): Promise<ClusterLockResult<T>> {
  // A passive (restored, not yet promoted) installation runs no scheduled job (ADR 027).
  if (scheduledJobsHeld(database)) return { ran: false };
  // Also guard inside the process, so two timers of one instance never overlap either.
  if (heldInProcess.has(`${database.displayUrl}\u0000${name}`)) return { ran: false };
  const local = `${database.displayUrl}\u0000${name}`;
  heldInProcess.add(local);
  try {
    if (database.dialect !== 'postgres') return { ran: true, value: await fn() };
    const key = advisoryKey(name).toString();
    return await database.db.connection().execute(async (connection) => {
      const got = await sql<{
        locked: boolean;
      }>`select pg_try_advisory_lock(${key}::bigint) as locked`.execute(connection);
      if (got.rows[0]?.locked !== true) return { ran: false } as const;
      try {
        return { ran: true, value: await fn() } as const;
      } finally {
        await sql`select pg_advisory_unlock(${key}::bigint)`.execute(connection);
      }
    });
  } finally {
    heldInProcess.delete(local);
  }
}
