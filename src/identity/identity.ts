/** Assembles the identity services and implements what other modules and the routes call. */
import type { Kysely } from 'kysely';
import type { AuditActor, AuditTrail } from '../audit/events.ts';
import type { Logger } from '../log/index.ts';
import {
  activationMail,
  applicationReceivedMail,
  applicationRejectedMail,
  type Mailer,
} from '../mail/index.ts';
import type { Database } from '../store/index.ts';
import { Accounts, userFromRow } from './accounts.ts';
import { type ApplicationInput, Applications, type Approval, type ApprovalInput } from './applications.ts';
import { Authenticator, type RequestContext, userActor } from './authentication.ts';
import { invalidState, invalidToken, notFound } from './errors.ts';
import { FederatedLogin, type OidcSettings } from './federation.ts';
import { AccountLifecycle } from './lifecycle.ts';
import { LoginThrottle } from './lockout.ts';
import { type Member, searchMembers } from './members.ts';
import type {
  AccountClosedHook,
  Clock,
  IdentityPrivilege,
  Principal,
  PrivilegeCheck,
  Tenant,
  User,
} from './model.ts';
import { Passkeys } from './passkeys.ts';
import { PasswordHasher } from './password-hasher.ts';
import { acceptPassword } from './password-policy.ts';
import { PasswordReset } from './password-reset.ts';
import { RecoveryCodes } from './recovery-codes.ts';
import { type SessionCookiePolicy, sessionCookiePolicy } from './request-authentication.ts';
import type { SecretSealer } from './secret-sealer.ts';
import type { IdentityService, PasswordCheck } from './service.ts';
import { type ResolvedSession, type SessionRecord, SessionStore } from './sessions.ts';
import type { IdentitySettings } from './settings.ts';
import type { IdentityTables } from './tables.ts';
import { TotpAuthenticators } from './totp.ts';

export interface IdentityDependencies {
  /** The installation's database (identity tables are migrated by src/app). */
  readonly database: Database;
  readonly sealer: SecretSealer;
  readonly mailer: Mailer;
  readonly audit: AuditTrail;
  readonly privileges: PrivilegeCheck;
  readonly settings: IdentitySettings;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly onAccountClosed?: readonly AccountClosedHook[];
  readonly oidc?: OidcSettings | undefined;
  /** Argon2 cost; tests may lower it. */
  readonly passwordHasher?: PasswordHasher;
}

export class Identity implements IdentityService {
  readonly sessionCookie: SessionCookiePolicy;
  readonly accounts: Accounts;
  readonly applications: Applications;
  readonly sessions: SessionStore;
  readonly throttle: LoginThrottle;
  readonly totp: TotpAuthenticators;
  readonly passkeys: Passkeys;
  readonly recoveryCodes: RecoveryCodes;
  readonly authenticator: Authenticator;
  readonly lifecycle: AccountLifecycle;
  readonly passwordReset: PasswordReset;
  readonly federation: FederatedLogin | undefined;
  readonly settings: IdentitySettings;
  readonly clock: Clock;
  private readonly db: Kysely<IdentityTables>;
  private readonly hasher: PasswordHasher;

  constructor(private readonly deps: IdentityDependencies) {
    const db = deps.database.db.withTables<IdentityTables>();
    const clock = deps.clock ?? (() => new Date());
    const settings = deps.settings;
    this.db = db;
    this.clock = clock;
    this.settings = settings;
    this.sessionCookie = sessionCookiePolicy(settings.secureCookies);
    this.hasher = deps.passwordHasher ?? new PasswordHasher();
    this.accounts = new Accounts(db, clock);
    this.applications = new Applications({ db, accounts: this.accounts, settings, clock });
    this.sessions = new SessionStore(db, settings, clock);
    this.throttle = new LoginThrottle(db, settings, clock);
    this.totp = new TotpAuthenticators({ db, sealer: deps.sealer, clock, issuer: settings.serviceName });
    this.passkeys = new Passkeys({
      db,
      sessions: this.sessions,
      clock,
      publicUrl: settings.publicUrl,
      rpName: settings.serviceName,
    });
    this.recoveryCodes = new RecoveryCodes(db, clock);
    this.authenticator = new Authenticator({
      db,
      accounts: this.accounts,
      throttle: this.throttle,
      hasher: this.hasher,
      totp: this.totp,
      passkeys: this.passkeys,
      recoveryCodes: this.recoveryCodes,
      sessions: this.sessions,
      audit: deps.audit,
      mailer: deps.mailer,
      settings,
      clock,
      logger: deps.logger,
    });
    this.lifecycle = new AccountLifecycle({
      db,
      accounts: this.accounts,
      sessions: this.sessions,
      audit: deps.audit,
      hooks: deps.onAccountClosed ?? [],
      settings,
      clock,
      logger: deps.logger,
    });
    this.passwordReset = new PasswordReset({
      db,
      accounts: this.accounts,
      throttle: this.throttle,
      hasher: this.hasher,
      sessions: this.sessions,
      audit: deps.audit,
      mailer: deps.mailer,
      settings,
      clock,
    });
    this.federation =
      deps.oidc === undefined
        ? undefined
        : new FederatedLogin({
            db,
            settings: deps.oidc,
            accounts: this.accounts,
            authenticator: this.authenticator,
            audit: deps.audit,
            clock,
          });
  }

  get audit(): AuditTrail {
    return this.deps.audit;
  }

  // ---- IdentityService ----

  async resolveRequestSession(
    secret: string,
  ): Promise<{ session: ResolvedSession; principal: Principal | undefined } | undefined> {
    const session = await this.sessions.resolve(secret);
    if (session === undefined) return undefined;
    const user = await this.accounts.getUserRow(session.record.userId);
    if (user === undefined || user.status !== 'active') {
      await this.sessions.end(session.record.id, 'account-unusable');
      return undefined;
    }
    const record = session.record;
    const principal: Principal | undefined =
      record.stage === 'authenticated'
        ? {
            kind: 'user',
            userId: user.id,
            tenantId: user.tenant_id,
            email: user.email,
            displayName: user.display_name,
            sessionRef: record.id,
            assurance: record.assurance,
            methods: record.methods,
            authenticatedAt: record.authenticatedAt,
            federation: record.federation,
          }
        : undefined;
    return { session, principal };
  }

  hasPrivilege(principal: Principal, privilege: IdentityPrivilege): Promise<boolean> {
    return this.deps.privileges(principal, privilege);
  }

  async verifyPassword(check: PasswordCheck): Promise<User> {
    const row = await this.authenticator.checkPassword(check.email, check.password, { source: check.source });
    return userFromRow(row, this.clock());
  }

  verifyTotpCode(userId: string, code: string, source?: string): Promise<boolean> {
    return this.authenticator.verifyTotpCode(userId, code, source);
  }

  getUser(userId: string): Promise<User | undefined> {
    return this.accounts.getUser(userId);
  }

  /** Active colleagues of the principal's tenant by name or e-mail (members.ts), for pickers. */
  searchMembers(principal: Principal, query: string, ids?: readonly string[]): Promise<Member[]> {
    return searchMembers(this.db, principal.tenantId, query, ids);
  }

  getTenant(tenantId: string): Promise<Tenant | undefined> {
    return this.accounts.getTenant(tenantId);
  }

  listSessions(userId: string): Promise<SessionRecord[]> {
    return this.sessions.listActive(userId);
  }

  async revokeSession(sessionRef: string, by: Principal, reason: string): Promise<void> {
    const session = await this.sessions.get(sessionRef);
    if (session === undefined) throw notFound('session');
    const own = session.userId === by.userId;
    const privileged =
      !own && by.assurance === 'aal2' && (await this.hasPrivilege(by, 'identity.sessions.revoke'));
    if (!own && !privileged) throw notFound('session');
    const ended = await this.sessions.end(sessionRef, reason);
    await this.deps.audit.append({
      type: 'session.revoke',
      actor: principalActor(by, own),
      subject: { kind: 'session', id: sessionRef },
      outcome: ended ? 'success' : 'failure',
      details: { userId: session.userId, reason, ...(ended ? {} : { note: 'already-ended' }) },
    });
  }

  async endUserSessions(userId: string, reason: string, by: Principal | string): Promise<number> {
    const ended = await this.sessions.endAllForUser(userId, reason);
    await this.deps.audit.append({
      type: 'session.revoke',
      actor: typeof by === 'string' ? { kind: 'process', id: by } : principalActor(by, by.userId === userId),
      subject: { kind: 'user', id: userId },
      outcome: 'success',
      details: { reason, sessionsEnded: ended },
    });
    return ended;
  }

  // ---- applications and activation ----

  async submitApplication(input: ApplicationInput, context: RequestContext): Promise<{ id: string }> {
    const application = await this.applications.submit(input);
    await this.deps.audit.append({
      type: 'application.submit',
      actor: { kind: 'anonymous', id: input.delegation?.delegateEmail ?? input.user.email },
      subject: { kind: 'application', id: application.id },
      outcome: 'success',
      source: context.source,
      details: { delegated: input.delegation !== undefined },
    });
    await this.sendQuietly(
      applicationReceivedMail({
        to: input.user.email,
        displayName: input.user.displayName,
        applicationId: application.id,
        serviceName: this.settings.serviceName,
      }),
    );
    return { id: application.id };
  }

  /**
   * Approves an application and mails the activation link. The approval is committed first; if the
   * mail cannot be sent, the operator re-issues the link (issueActivation) — nothing is half-written.
   */
  async approveApplication(id: string, decision: ApprovalInput, operator: Principal): Promise<Approval> {
    const approval = await this.applications.approve(id, decision, operator.userId);
    await this.deps.audit.append({
      type: 'application.approve',
      actor: principalActor(operator, false),
      subject: { kind: 'application', id },
      outcome: 'success',
      details: {
        userId: approval.user.id,
        tenantId: approval.tenant.id,
        identityCheckMethod: decision.identityCheck.method,
        identityCheckReference: decision.identityCheck.reference,
        delegated: approval.application.delegation !== null,
      },
    });
    await this.mailActivation(approval.user, approval.activationToken, approval.activationExpiresAt);
    return approval;
  }

  async rejectApplication(id: string, reason: string, operator: Principal): Promise<void> {
    const application = await this.applications.reject(id, reason, operator.userId);
    await this.deps.audit.append({
      type: 'application.reject',
      actor: principalActor(operator, false),
      subject: { kind: 'application', id },
      outcome: 'success',
      details: { reason },
    });
    await this.sendQuietly(
      applicationRejectedMail({
        to: application.user.email,
        displayName: application.user.displayName,
        applicationId: id,
        serviceName: this.settings.serviceName,
      }),
    );
  }

  /** A fresh activation link for an account not yet activated (the old one stops working). */
  async issueActivation(userId: string, operator: Principal): Promise<void> {
    const user = await this.accounts.getUser(userId);
    if (user === undefined || user.status !== 'pending-activation') throw notFound('pending-account');
    const { token, expiresAt } = await this.applications.issueActivationToken(userId);
    await this.deps.audit.append({
      type: 'account.activation-issue',
      actor: principalActor(operator, false),
      subject: { kind: 'user', id: userId },
      outcome: 'success',
    });
    await this.mailActivation(user, token, expiresAt);
  }

  /** Sets the first password with a single-use activation token; the account becomes active. */
  async activate(token: string, password: string, context: RequestContext): Promise<User> {
    const hashed = await this.hasher.hash(password);
    const user = await this.db.transaction().execute(async (trx) => {
      const userId = await this.applications.consumeActivationToken(token, trx);
      if (userId === undefined) return undefined;
      const row = await this.accounts.getUserRow(userId, trx);
      if (row === undefined || row.status !== 'pending-activation') return undefined;
      acceptPassword(password, [row.email, row.email.split('@')[0] ?? '', row.family_name, row.given_name]);
      const now = this.clock().toISOString();
      await trx
        .insertInto('identity_passwords')
        .values({ user_id: userId, hash: hashed.hash, parameters: hashed.parameters, set_at: now })
        .execute();
      const updated = await trx
        .updateTable('identity_users')
        .set({ status: 'active', activated_at: now })
        .where('id', '=', userId)
        .returningAll()
        .executeTakeFirstOrThrow();
      return userFromRow(updated, this.clock());
    });
    await this.deps.audit.append({
      type: 'account.activate',
      actor: user === undefined ? { kind: 'anonymous', id: 'unknown' } : userActor(user),
      subject: user === undefined ? undefined : { kind: 'user', id: user.id },
      outcome: user === undefined ? 'failure' : 'success',
      source: context.source,
    });
    if (user === undefined) throw invalidToken();
    return user;
  }

  /** Changes the password after checking the current one; other sessions end. */
  async changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
    context: RequestContext,
  ): Promise<void> {
    await this.authenticator.checkPassword(principal.email, currentPassword, context);
    const row = await this.accounts.getUserRow(principal.userId);
    if (row === undefined) throw notFound('user');
    acceptPassword(newPassword, [row.email, row.email.split('@')[0] ?? '', row.family_name, row.given_name]);
    const hashed = await this.hasher.hash(newPassword);
    await this.db
      .updateTable('identity_passwords')
      .set({ hash: hashed.hash, parameters: hashed.parameters, set_at: this.clock().toISOString() })
      .where('user_id', '=', principal.userId)
      .execute();
    const ended = await this.sessions.endAllForUser(
      principal.userId,
      'password-changed',
      principal.sessionRef,
    );
    await this.deps.audit.append({
      type: 'auth.password-change',
      actor: userActor({ id: principal.userId, tenantId: principal.tenantId }),
      subject: { kind: 'user', id: principal.userId },
      outcome: 'success',
      source: context.source,
      details: { otherSessionsEnded: ended },
    });
  }

  async unlock(userId: string, operator: Principal): Promise<boolean> {
    const user = await this.accounts.getUserRow(userId);
    if (user === undefined) throw notFound('user');
    const wasLocked = await this.throttle.unlock(userId);
    await this.deps.audit.append({
      type: 'auth.unlock',
      actor: principalActor(operator, false),
      subject: { kind: 'user', id: userId },
      outcome: 'success',
      details: { wasLocked },
    });
    return wasLocked;
  }

  async recordEnrolment(
    session: SessionRecord,
    kind: 'totp' | 'passkey' | 'recovery-codes',
    outcome: 'success' | 'failure',
    context: RequestContext,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.deps.audit.append({
      type: 'auth.enrol',
      actor: userActor({ id: session.userId, tenantId: session.tenantId }),
      subject: { kind: 'user', id: session.userId },
      outcome,
      source: context.source,
      details: { authenticator: kind, ...details },
    });
  }

  /**
   * Removes a TOTP authenticator or a passkey. The last second factor of an account whose tenant
   * requires one cannot be removed: otherwise a password alone would allow enrolling a new factor.
   */
  async removeSecondFactor(
    session: SessionRecord,
    factor: { kind: 'totp' } | { kind: 'passkey'; id: string },
    context: RequestContext,
  ): Promise<boolean> {
    const tenant = await this.accounts.getTenant(session.tenantId);
    const allowed = tenant?.policy.allowedSecondFactors ?? ['totp', 'passkey'];
    const hasTotp = await this.totp.hasConfirmed(session.userId);
    const passkeys = (await this.passkeys.list(session.userId)).map((p) => p.id);
    const remaining =
      (factor.kind === 'totp' ? 0 : hasTotp && allowed.includes('totp') ? 1 : 0) +
      (allowed.includes('passkey')
        ? passkeys.filter((id) => factor.kind !== 'passkey' || id !== factor.id).length
        : 0);
    if (tenant?.policy.secondFactor !== 'optional' && remaining === 0) {
      throw invalidState({
        ja: '最後の認証要素は削除できません。先に別の認証要素を登録してください。',
        en: 'The last second factor cannot be removed; enrol another one first.',
      });
    }
    const removed =
      factor.kind === 'totp'
        ? await this.totp.remove(session.userId)
        : await this.passkeys.remove(session.userId, factor.id);
    await this.recordEnrolment(session, factor.kind, removed ? 'success' : 'failure', context, {
      action: 'remove',
      ...(factor.kind === 'passkey' ? { passkeyId: factor.id } : {}),
    });
    return removed;
  }

  async logout(session: SessionRecord, context: RequestContext): Promise<void> {
    await this.sessions.end(session.id, 'logout');
    await this.deps.audit.append({
      type: 'auth.logout',
      actor: userActor({ id: session.userId, tenantId: session.tenantId }),
      subject: { kind: 'session', id: session.id },
      outcome: 'success',
      source: context.source,
    });
  }

  private async mailActivation(user: User, token: string, expiresAt: string): Promise<void> {
    const link = `${this.settings.publicUrl}/activate#token=${encodeURIComponent(token)}`;
    await this.deps.mailer.send(
      activationMail({
        to: user.email,
        displayName: user.displayName,
        link,
        expiresAt,
        serviceName: this.settings.serviceName,
      }),
    );
  }

  private async sendQuietly(message: Parameters<Mailer['send']>[0]): Promise<void> {
    try {
      await this.deps.mailer.send(message);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'notification mail could not be sent');
    }
  }
}

function principalActor(principal: Principal, self: boolean): AuditActor {
  return { kind: self ? 'user' : 'operator', id: principal.userId, tenantId: principal.tenantId };
}
