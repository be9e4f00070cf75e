/**
 * Failed-attempt accounting (JT2A GL 7.1.3): an account locks after N failures for a period or until
 * an administrator unlocks it, and each source address has its own failure budget per window so that
 * one client cannot try many accounts. Neither is ever revealed to the person logging in.
 */
import { type Kysely, sql } from 'kysely';
import type { Clock } from './model.ts';
import type { IdentitySettings } from './settings.ts';
import type { IdentityTables, UserTable } from './tables.ts';

export class LoginThrottle {
  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly settings: IdentitySettings,
    private readonly clock: Clock,
  ) {}

  isLocked(user: Pick<UserTable, 'locked_at' | 'locked_until'>): boolean {
    if (user.locked_at === null) return false;
    return user.locked_until === null || Date.parse(user.locked_until) > this.clock().getTime();
  }

  /** A lock whose period ran out is cleared (with its failure count) before the next attempt. */
  async clearExpiredLock(user: Pick<UserTable, 'id' | 'locked_at' | 'locked_until'>): Promise<boolean> {
    if (user.locked_at === null || this.isLocked(user)) return false;
    await this.db
      .updateTable('identity_users')
      .set({ locked_at: null, locked_until: null, failed_attempts: 0 })
      .where('id', '=', user.id)
      .execute();
    return true;
  }

  /** Counts a failure; returns true when this failure locked the account. */
  async recordAccountFailure(userId: string): Promise<boolean> {
    const row = await this.db
      .updateTable('identity_users')
      .set({ failed_attempts: sql<number>`failed_attempts + 1` })
      .where('id', '=', userId)
      .returning(['failed_attempts'])
      .executeTakeFirst();
    if (row === undefined || row.failed_attempts < this.settings.lockoutThreshold) return false;
    const now = this.clock();
    const until =
      this.settings.lockoutDurationMs === 0
        ? null
        : new Date(now.getTime() + this.settings.lockoutDurationMs).toISOString();
    const locked = await this.db
      .updateTable('identity_users')
      .set({ locked_at: now.toISOString(), locked_until: until })
      .where('id', '=', userId)
      .where('locked_at', 'is', null)
      .executeTakeFirst();
    return Number(locked.numUpdatedRows) === 1;
  }

  async recordAccountSuccess(userId: string): Promise<void> {
    await this.db
      .updateTable('identity_users')
      .set({ failed_attempts: 0 })
      .where('id', '=', userId)
      .execute();
  }

  /** Returns true if the account was locked. */
  async unlock(userId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('identity_users')
      .set({ locked_at: null, locked_until: null, failed_attempts: 0 })
      .where('id', '=', userId)
      .where('locked_at', 'is not', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** True when the source has used up its failure budget in the current window. */
  async sourceExhausted(source: string | undefined): Promise<boolean> {
    if (source === undefined) return false;
    const row = await this.db
      .selectFrom('identity_source_failures')
      .selectAll()
      .where('source', '=', source)
      .executeTakeFirst();
    if (row === undefined) return false;
    const windowOpen =
      Date.parse(row.window_started_at) + this.settings.sourceFailureWindowMs > this.clock().getTime();
    return windowOpen && row.failures >= this.settings.sourceFailureLimit;
  }

  async recordSourceFailure(source: string | undefined): Promise<void> {
    if (source === undefined) return;
    const now = this.clock();
    const windowStart = new Date(now.getTime() - this.settings.sourceFailureWindowMs).toISOString();
    // Restart an expired window, otherwise count within it; one statement on both dialects.
    await this.db
      .insertInto('identity_source_failures')
      .values({ source, window_started_at: now.toISOString(), failures: 1 })
      .onConflict((oc) =>
        oc.column('source').doUpdateSet({
          failures: sql<number>`case when identity_source_failures.window_started_at <= ${windowStart} then 1 else identity_source_failures.failures + 1 end`,
          window_started_at: sql<string>`case when identity_source_failures.window_started_at <= ${windowStart} then ${now.toISOString()} else identity_source_failures.window_started_at end`,
        }),
      )
      .execute();
  }
}
