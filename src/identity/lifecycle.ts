/**
 * Account lifecycle (EC 2.1.1 (9), RS 2.1.1 (6)): suspend, resume, close, and dormant-account
 * detection. Closing ends sessions, retires this module's authenticators, revokes delegations and
 * tells other modules through hooks so they revoke certificates and destroy keys; the records stay.
 */
import type { Kysely } from 'kysely';
import type { AuditActor, AuditTrail } from '../audit/events.ts';
import type { Logger } from '../log/index.ts';
import { type Accounts, userFromRow } from './accounts.ts';
import { invalidState, notFound } from './errors.ts';
import type { AccountClosedHook, Clock, User, UserStatus } from './model.ts';
import type { SessionStore } from './sessions.ts';
import type { IdentitySettings } from './settings.ts';
import type { IdentityTables } from './tables.ts';

export interface ClosureResult {
  readonly user: User;
  /** Hooks that failed (their modules must be told again); empty when all succeeded. */
  readonly hookFailures: readonly string[];
}

/** What the account lifecycle works with, passed as one object (docs/CONTRIBUTING.md, Code). */
export interface AccountLifecycleDeps {
  readonly db: Kysely<IdentityTables>;
  readonly accounts: Accounts;
  readonly sessions: SessionStore;
  readonly audit: AuditTrail;
  readonly hooks: readonly AccountClosedHook[];
  readonly settings: IdentitySettings;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class AccountLifecycle {
  constructor(private readonly deps: AccountLifecycleDeps) {}

  async suspend(userId: string, actor: AuditActor, reason: string): Promise<User> {
    const user = await this.transition(userId, ['active'], 'suspended', reason, { suspended_at: this.now() });
    await this.deps.sessions.endAllForUser(userId, 'account-suspended');
    await this.record('account.suspend', actor, userId, { reason });
    return user;
  }

  async resume(userId: string, actor: AuditActor, reason: string): Promise<User> {
    const user = await this.transition(userId, ['suspended'], 'active', reason, { suspended_at: null });
    await this.record('account.resume', actor, userId, { reason });
    return user;
  }

  async close(userId: string, actor: AuditActor, reason: string): Promise<ClosureResult> {
    const now = this.now();
    const user = await this.deps.db.transaction().execute(async (trx) => {
      const closed = await this.transition(
        userId,
        ['pending-activation', 'active', 'suspended'],
        'closed',
        reason,
        { closed_at: now },
        trx,
      );
      await trx
        .updateTable('identity_sessions')
        .set({ revoked_at: now, revoke_reason: 'account-closed' })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute();
      await trx.deleteFrom('identity_passwords').where('user_id', '=', userId).execute();
      await trx.deleteFrom('identity_totp').where('user_id', '=', userId).execute();
      await trx.deleteFrom('identity_recovery_codes').where('user_id', '=', userId).execute();
      await trx
        .updateTable('identity_passkeys')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute();
      await trx
        .updateTable('identity_activation_tokens')
        .set({ used_at: now })
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .execute();
      await trx
        .updateTable('identity_delegations')
        .set({ revoked_at: now })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute();
      return closed;
    });
    const hookFailures: string[] = [];
    for (const [index, hook] of this.deps.hooks.entries()) {
      try {
        await hook({ userId, tenantId: user.tenantId, reason, closedAt: now, closedBy: actor.id });
      } catch (error) {
        hookFailures.push(hook.name || `hook-${index}`);
        this.deps.logger.error({ userId, hook: hook.name, err: error }, 'account closure hook failed');
      }
    }
    await this.record('account.close', actor, userId, { reason, hookFailures }, hookFailures.length === 0);
    return { user, hookFailures };
  }

  /** Active accounts without a login (or, never used, since activation) for the dormant period. */
  async dormant(olderThanMs: number = this.deps.settings.dormantAfterMs): Promise<User[]> {
    const cutoff = new Date(this.deps.clock().getTime() - olderThanMs).toISOString();
    const rows = await this.deps.db
      .selectFrom('identity_users')
      .selectAll()
      .where('status', '=', 'active')
      .where((eb) =>
        eb.or([
          eb('last_login_at', '<', cutoff),
          eb.and([eb('last_login_at', 'is', null), eb('activated_at', '<', cutoff)]),
        ]),
      )
      .orderBy('last_login_at')
      .execute();
    const now = this.deps.clock();
    return rows.map((r) => userFromRow(r, now));
  }

  private async transition(
    userId: string,
    from: readonly UserStatus[],
    to: UserStatus,
    reason: string,
    extra: { suspended_at?: string | null; closed_at?: string },
    db: Kysely<IdentityTables> = this.deps.db,
  ): Promise<User> {
    const updated = await db
      .updateTable('identity_users')
      .set({ status: to, status_reason: reason, ...extra })
      .where('id', '=', userId)
      .where('status', 'in', [...from])
      .returningAll()
      .executeTakeFirst();
    if (updated === undefined) {
      const existing = await this.deps.accounts.getUserRow(userId, db);
      if (existing === undefined) throw notFound('user');
      throw invalidState(
        {
          ja: `アカウントの状態 (${existing.status}) ではこの操作はできません。`,
          en: `This operation is not possible for an account in status ${existing.status}.`,
        },
        { status: existing.status },
      );
    }
    return userFromRow(updated, this.deps.clock());
  }

  private async record(
    type: string,
    actor: AuditActor,
    userId: string,
    details: Record<string, unknown>,
    success = true,
  ): Promise<void> {
    await this.deps.audit.append({
      type,
      actor,
      subject: { kind: 'user', id: userId },
      outcome: success ? 'success' : 'failure',
      details,
    });
  }

  private now(): string {
    return this.deps.clock().toISOString();
  }
}
