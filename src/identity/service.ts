/** The identity service as other modules see it (the rssp, admin and contracts modules use this). */
import type { Principal, Tenant, User } from './model.ts';
import type { RequestSessionResolver } from './request-authentication.ts';
import type { SessionRecord } from './sessions.ts';

export interface PasswordCheck {
  /** The login name: the user's email address. */
  readonly email: string;
  readonly password: string;
  /** Source IP address, for per-source rate limiting and the audit trail. */
  readonly source?: string | undefined;
}

export interface IdentityService extends RequestSessionResolver {
  /**
   * Checks a password under the same lockout and rate limits as the login page (for CSC `auth/login`
   * with HTTP Basic). Returns the active user, or throws SHOMEI_AUTH_FAILED whatever the reason.
   */
  verifyPassword(check: PasswordCheck): Promise<User>;
  /**
   * Checks a one-time code from the user's confirmed TOTP authenticator (for SAD). A code is accepted
   * once: a replay within its window is refused. Failures count towards lockout.
   */
  verifyTotpCode(userId: string, code: string, source?: string): Promise<boolean>;
  getUser(userId: string): Promise<User | undefined>;
  getTenant(tenantId: string): Promise<Tenant | undefined>;
  listSessions(userId: string): Promise<SessionRecord[]>;
  /** Ends a session; `by` is recorded in the audit trail. */
  revokeSession(sessionRef: string, by: Principal, reason: string): Promise<void>;
  /**
   * Ends every session of a user, e.g. when the admin module grants or removes a privileged role
   * (the person logs in again and gets a new session id). Returns how many sessions ended.
   */
  endUserSessions(userId: string, reason: string, by: Principal | string): Promise<number>;
}
