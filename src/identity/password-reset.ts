/**
 * Password reset by mail (issue #19): a single-use link, valid 30 minutes, mailed only to an active
 * account's own address. The request answers the same whether or not the address has an account
 * (no account enumeration), spends the source's login-failure budget (one client cannot mail many
 * addresses) and is limited per account (one address is not flooded). Completing the reset ends
 * every session; the second factor stays as it was, so a mailbox alone never opens the account.
 */
import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/events.ts';
import { type Mailer, passwordResetMail } from '../mail/index.ts';
import type { Accounts } from './accounts.ts';
import type { RequestContext } from './authentication.ts';
import { invalidToken } from './errors.ts';
import type { LoginThrottle } from './lockout.ts';
import type { Clock } from './model.ts';
import type { PasswordHasher } from './password-hasher.ts';
import { acceptPassword } from './password-policy.ts';
import { hashSecret, newSecretToken } from './secrets.ts';
import type { SessionStore } from './sessions.ts';
import type { IdentitySettings } from './settings.ts';
import type { IdentityTables } from './tables.ts';

const PURPOSE = 'password-reset';
const LIFETIME_MS = 30 * 60 * 1000;
/** Most reset mails one account receives per hour. */
const PER_ACCOUNT_PER_HOUR = 3;

export interface PasswordResetParts {
  readonly db: Kysely<IdentityTables>;
  readonly accounts: Accounts;
  readonly throttle: LoginThrottle;
  readonly hasher: PasswordHasher;
  readonly sessions: SessionStore;
  readonly audit: AuditTrail;
  readonly mailer: Mailer;
  readonly settings: IdentitySettings;
  readonly clock: Clock;
}

export class PasswordReset {
  constructor(private readonly p: PasswordResetParts) {}

  /** Mails a reset link when the address belongs to an active account; always resolves the same. */
  async request(email: string, context: RequestContext): Promise<void> {
    const { throttle, accounts, audit } = this.p;
    const limited = await throttle.sourceExhausted(context.source);
    await throttle.recordSourceFailure(context.source);
    const row = limited ? undefined : await accounts.findUserRowByEmail(email.trim().toLowerCase());
    const outcome = limited
      ? 'source-rate-limited'
      : row === undefined || row.status !== 'active'
        ? 'no-active-account'
        : (await this.recentRequests(row.id)) >= PER_ACCOUNT_PER_HOUR
          ? 'account-rate-limited'
          : 'mailed';
    if (outcome === 'mailed' && row !== undefined) await this.mailLink(row);
    await audit.append({
      type: 'auth.password-reset-request',
      actor: { kind: 'anonymous', id: 'unknown' },
      subject: row === undefined ? undefined : { kind: 'user', id: row.id },
      outcome: outcome === 'mailed' ? 'success' : 'failure',
      source: context.source,
      details: { result: outcome },
    });
  }

  /** Sets a new password with a reset token; every session of the account ends. */
  async complete(token: string, password: string, context: RequestContext): Promise<void> {
    const { db, accounts, hasher, sessions, audit } = this.p;
    const hashed = await hasher.hash(password);
    const userId = await db.transaction().execute(async (trx) => {
      const owner = await this.consume(token, trx);
      if (owner === undefined) return undefined;
      const row = await accounts.getUserRow(owner, trx);
      if (row === undefined || row.status !== 'active') return undefined;
      acceptPassword(password, [row.email, row.email.split('@')[0] ?? '', row.family_name, row.given_name]);
      await trx
        .updateTable('identity_passwords')
        .set({ hash: hashed.hash, parameters: hashed.parameters, set_at: this.p.clock().toISOString() })
        .where('user_id', '=', owner)
        .execute();
      return owner;
    });
    const ended = userId === undefined ? 0 : await sessions.endAllForUser(userId, 'password-reset');
    await audit.append({
      type: 'auth.password-reset',
      actor: userId === undefined ? { kind: 'anonymous', id: 'unknown' } : { kind: 'user', id: userId },
      subject: userId === undefined ? undefined : { kind: 'user', id: userId },
      outcome: userId === undefined ? 'failure' : 'success',
      source: context.source,
      details: { sessionsEnded: ended },
    });
    if (userId === undefined) throw invalidToken();
  }

  private async recentRequests(userId: string): Promise<number> {
    const since = new Date(this.p.clock().getTime() - 3600_000).toISOString();
    const row = await this.p.db
      .selectFrom('identity_activation_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('purpose', '=', PURPOSE)
      .where('created_at', '>', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async mailLink(user: { id: string; email: string; display_name: string }): Promise<void> {
    const { db, clock, settings, mailer } = this.p;
    const now = clock();
    const token = newSecretToken();
    const expiresAt = new Date(now.getTime() + LIFETIME_MS);
    await db
      .updateTable('identity_activation_tokens')
      .set({ used_at: now.toISOString() })
      .where('user_id', '=', user.id)
      .where('purpose', '=', PURPOSE)
      .where('used_at', 'is', null)
      .execute();
    await db
      .insertInto('identity_activation_tokens')
      .values({
        token_hash: hashSecret(token),
        user_id: user.id,
        purpose: PURPOSE,
        created_at: now.toISOString(),
        expires_at: expiresAt.toISOString(),
        used_at: null,
      })
      .execute();
    // The token travels in the fragment, which browsers never send to a server or a log.
    await mailer.send(
      passwordResetMail({
        to: user.email,
        displayName: user.display_name,
        link: `${settings.publicUrl}/reset-password#token=${encodeURIComponent(token)}`,
        expiresAt,
        serviceName: settings.serviceName,
      }),
    );
  }

  private async consume(token: string, trx: Kysely<IdentityTables>): Promise<string | undefined> {
    if (token.length < 20 || token.length > 100) return undefined;
    const now = this.p.clock().toISOString();
    const row = await trx
      .updateTable('identity_activation_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', hashSecret(token))
      .where('purpose', '=', PURPOSE)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['user_id'])
      .executeTakeFirst();
    return row?.user_id;
  }
}
