/**
 * Login: password first, then the second factor the tenant requires (TOTP, passkey or a recovery
 * code). Every failure looks the same from outside — unknown account, wrong password, locked,
 * suspended — and costs the same argon2 work; the audit trail records the real reason.
 */
import type { Kysely } from 'kysely';
import type { AuditActor, AuditTrail } from '../audit/events.ts';
import type { Logger } from '../log/index.ts';
import { accountLockedMail, type Mailer } from '../mail/index.ts';
import { type Accounts, userFromRow } from './accounts.ts';
import { authenticationFailed, rateLimited, secondFactorFailed, wrongStage } from './errors.ts';
import type { LoginThrottle } from './lockout.ts';
import type { AuthenticationMethod, Clock, FederatedAssertion, SecondFactorKind, User } from './model.ts';
import type { Passkeys } from './passkeys.ts';
import type { PasswordHasher } from './password-hasher.ts';
import type { RecoveryCodes } from './recovery-codes.ts';
import type { SessionRecord, SessionStage, SessionStore } from './sessions.ts';
import type { IdentitySettings } from './settings.ts';
import type { IdentityTables, UserTable } from './tables.ts';
import type { TotpAuthenticators } from './totp.ts';

export interface RequestContext {
  readonly source?: string | undefined;
  readonly userAgent?: string | undefined;
}

export interface LoginOutcome {
  /** The new cookie value. */
  readonly secret: string;
  readonly session: SessionRecord;
  /** What the person must do next: nothing, a second factor, or enrol one. */
  readonly next: 'done' | 'second-factor' | 'enrolment';
  readonly secondFactors: readonly SecondFactorKind[];
}

export type SecondFactorProof =
  | { readonly method: 'totp'; readonly code: string }
  | { readonly method: 'recovery-code'; readonly code: string }
  | { readonly method: 'passkey'; readonly response: unknown };

export interface AuthenticationParts {
  readonly db: Kysely<IdentityTables>;
  readonly accounts: Accounts;
  readonly throttle: LoginThrottle;
  readonly hasher: PasswordHasher;
  readonly totp: TotpAuthenticators;
  readonly passkeys: Passkeys;
  readonly recoveryCodes: RecoveryCodes;
  readonly sessions: SessionStore;
  readonly audit: AuditTrail;
  readonly mailer: Mailer;
  readonly settings: IdentitySettings;
  readonly clock: Clock;
  readonly logger: Logger;
}

export function userActor(user: { id: string; tenantId?: string; tenant_id?: string }): AuditActor {
  const tenantId = user.tenantId ?? user.tenant_id;
  return { kind: 'user', id: user.id, tenantId };
}

export class Authenticator {
  constructor(private readonly p: AuthenticationParts) {}

  /** Checks email + password under lockout and rate limits; returns the account or throws SHOMEI_AUTH_FAILED. */
  async checkPassword(email: string, password: string, context: RequestContext): Promise<UserTable> {
    const { throttle, hasher, accounts, audit } = this.p;
    if (await throttle.sourceExhausted(context.source)) {
      await audit.append({
        type: 'auth.login',
        actor: { kind: 'anonymous', id: 'unknown' },
        outcome: 'failure',
        source: context.source,
        details: { reason: 'source-rate-limited' },
      });
      throw rateLimited();
    }
    const row = await accounts.findUserRowByEmail(email);
    const stored =
      row === undefined
        ? undefined
        : await this.p.db
            .selectFrom('identity_passwords')
            .selectAll()
            .where('user_id', '=', row.id)
            .executeTakeFirst();
    if (row !== undefined) await throttle.clearExpiredLock(row);
    const fresh = row === undefined ? undefined : await accounts.getUserRow(row.id);
    let refusal: string | null = null;
    if (fresh === undefined) refusal = 'unknown-account';
    else if (throttle.isLocked(fresh)) refusal = 'locked';
    else if (fresh.status !== 'active') refusal = `status-${fresh.status}`;
    else if (stored === undefined) refusal = 'no-password';
    // Same argon2 work on every path, so timing does not tell accounts apart.
    const matches =
      stored === undefined ? await hasher.verifyDummy(password) : await hasher.verify(stored.hash, password);
    if (refusal === null && !matches) refusal = 'wrong-password';
    if (refusal !== null || fresh === undefined || stored === undefined) {
      await throttle.recordSourceFailure(context.source);
      let lockedNow = false;
      if (fresh !== undefined && refusal === 'wrong-password')
        lockedNow = await throttle.recordAccountFailure(fresh.id);
      await audit.append({
        type: 'auth.login',
        actor: fresh === undefined ? { kind: 'anonymous', id: 'unknown' } : userActor(fresh),
        subject: fresh === undefined ? undefined : { kind: 'user', id: fresh.id },
        outcome: 'failure',
        source: context.source,
        details: { reason: refusal ?? 'wrong-password', method: 'password' },
      });
      if (lockedNow && fresh !== undefined) await this.announceLock(fresh, context);
      throw authenticationFailed();
    }
    // The failure count is reset only when a login completes (all factors), so that guessing the
    // second factor after a correct password still counts towards the lock.
    if (hasher.needsRehash(stored.hash)) {
      const rehashed = await hasher.hash(password);
      await this.p.db
        .updateTable('identity_passwords')
        .set({ hash: rehashed.hash, parameters: rehashed.parameters })
        .where('user_id', '=', fresh.id)
        .execute();
    }
    return fresh;
  }

  /** Password login; the previous session (if any) ends, and the new one gets a fresh id. */
  async login(
    email: string,
    password: string,
    context: RequestContext,
    previousSessionId?: string,
  ): Promise<LoginOutcome> {
    const row = await this.checkPassword(email, password, context);
    if (previousSessionId !== undefined) await this.p.sessions.end(previousSessionId, 'replaced-by-login');
    const tenant = await this.p.accounts.getTenant(row.tenant_id);
    const available = await this.secondFactorsOf(
      row.id,
      tenant?.policy.allowedSecondFactors ?? ['totp', 'passkey'],
    );
    const required = tenant?.policy.secondFactor !== 'optional';
    let stage: SessionStage = 'authenticated';
    if (available.length > 0) stage = 'second-factor';
    else if (required) stage = 'enrolment';
    const { secret, session } = await this.p.sessions.start({
      userId: row.id,
      tenantId: row.tenant_id,
      stage,
      assurance: 'aal1',
      methods: ['password'],
      source: context.source,
      userAgent: context.userAgent,
    });
    await this.p.audit.append({
      type: 'auth.login',
      actor: userActor(row),
      subject: { kind: 'session', id: session.id },
      outcome: 'success',
      source: context.source,
      details: { method: 'password', stage, assurance: 'aal1' },
    });
    if (stage === 'authenticated') {
      await this.p.throttle.recordAccountSuccess(row.id);
      await this.p.accounts.recordLogin(row.id);
    }
    return {
      secret,
      session,
      next: stage === 'authenticated' ? 'done' : stage,
      secondFactors: available,
    };
  }

  /** Completes a login waiting for its second factor; returns the rotated cookie value. */
  async completeSecondFactor(
    session: SessionRecord,
    proof: SecondFactorProof,
    context: RequestContext,
  ): Promise<{ secret: string; methods: AuthenticationMethod[] }> {
    if (session.stage !== 'second-factor') throw wrongStage('second-factor');
    const user = await this.p.accounts.getUserRow(session.userId);
    const usable = user !== undefined && user.status === 'active' && !this.p.throttle.isLocked(user);
    let accepted = false;
    if (usable) {
      if (proof.method === 'totp') accepted = await this.p.totp.verify(session.userId, proof.code);
      else if (proof.method === 'recovery-code')
        accepted = await this.p.recoveryCodes.consume(session.userId, proof.code);
      else accepted = await this.p.passkeys.authenticate(session.userId, session.id, proof.response);
    }
    const actor = userActor({ id: session.userId, tenantId: session.tenantId });
    const source = context.source === undefined ? {} : { source: context.source };
    if (!accepted) {
      await this.p.throttle.recordSourceFailure(context.source);
      const lockedNow = usable ? await this.p.throttle.recordAccountFailure(session.userId) : false;
      await this.p.audit.append({
        type: 'auth.second-factor',
        actor,
        subject: { kind: 'session', id: session.id },
        outcome: 'failure',
        ...source,
        details: { method: proof.method, reason: usable ? 'not-accepted' : 'account-unusable' },
      });
      if (lockedNow && user !== undefined) {
        await this.p.sessions.end(session.id, 'account-locked');
        await this.announceLock(user, context);
      }
      throw secondFactorFailed();
    }
    await this.p.throttle.recordAccountSuccess(session.userId);
    const methods: AuthenticationMethod[] = [...session.methods, proof.method];
    const secret = await this.p.sessions.elevate(session.id, {
      stage: 'authenticated',
      assurance: 'aal2',
      methods,
    });
    await this.p.accounts.recordLogin(session.userId);
    await this.p.audit.append({
      type: 'auth.second-factor',
      actor,
      subject: { kind: 'session', id: session.id },
      outcome: 'success',
      ...source,
      details: { method: proof.method, assurance: 'aal2', methods },
    });
    return { secret, methods };
  }

  /**
   * After a second factor was enrolled: a session in the enrolment stage becomes fully authenticated
   * at AAL2 (password + the new factor just proven), and any session gets a new id (privilege change).
   */
  async afterEnrolment(session: SessionRecord, method: 'totp' | 'passkey'): Promise<string> {
    if (session.stage === 'enrolment') {
      const methods: AuthenticationMethod[] = [...session.methods, method];
      const secret = await this.p.sessions.elevate(session.id, {
        stage: 'authenticated',
        assurance: 'aal2',
        methods,
      });
      await this.p.throttle.recordAccountSuccess(session.userId);
      await this.p.accounts.recordLogin(session.userId);
      return secret;
    }
    return this.p.sessions.elevate(session.id, {
      stage: session.stage,
      assurance: session.assurance,
      methods: session.methods,
    });
  }

  /** Starts a session for a federated login whose IdP already authenticated the person. */
  async federatedLogin(
    user: UserTable,
    assertion: FederatedAssertion,
    multiFactor: boolean,
    context: RequestContext,
    previousSessionId?: string,
  ): Promise<LoginOutcome> {
    if (previousSessionId !== undefined) await this.p.sessions.end(previousSessionId, 'replaced-by-login');
    const tenant = await this.p.accounts.getTenant(user.tenant_id);
    const available = await this.secondFactorsOf(
      user.id,
      tenant?.policy.allowedSecondFactors ?? ['totp', 'passkey'],
    );
    const required = tenant?.policy.secondFactor !== 'optional';
    let stage: SessionStage = 'authenticated';
    if (!multiFactor && required) stage = available.length > 0 ? 'second-factor' : 'enrolment';
    const { secret, session } = await this.p.sessions.start({
      userId: user.id,
      tenantId: user.tenant_id,
      stage,
      assurance: multiFactor ? 'aal2' : 'aal1',
      methods: ['federated'],
      source: context.source,
      userAgent: context.userAgent,
      federation: assertion,
    });
    await this.p.audit.append({
      type: 'auth.login',
      actor: userActor(user),
      subject: { kind: 'session', id: session.id },
      outcome: 'success',
      source: context.source,
      details: {
        method: 'federated',
        issuer: assertion.issuer,
        acr: assertion.acr,
        amr: assertion.amr,
        stage,
        assurance: multiFactor ? 'aal2' : 'aal1',
      },
    });
    if (stage === 'authenticated') {
      await this.p.throttle.recordAccountSuccess(user.id);
      await this.p.accounts.recordLogin(user.id);
    }
    return { secret, session, next: stage === 'authenticated' ? 'done' : stage, secondFactors: available };
  }

  /** A one-time code for signature activation (SAD); replays and wrong codes count as failures. */
  async verifyTotpCode(userId: string, code: string, source?: string): Promise<boolean> {
    const user = await this.p.accounts.getUserRow(userId);
    if (user === undefined || user.status !== 'active' || this.p.throttle.isLocked(user)) return false;
    const ok = await this.p.totp.verify(userId, code);
    if (!ok) {
      const lockedNow = await this.p.throttle.recordAccountFailure(userId);
      if (lockedNow) await this.announceLock(user, { source });
    } else {
      await this.p.throttle.recordAccountSuccess(userId);
    }
    await this.p.audit.append({
      type: 'auth.otp',
      actor: userActor(user),
      subject: { kind: 'user', id: userId },
      outcome: ok ? 'success' : 'failure',
      source,
      details: { method: 'totp', purpose: 'signature-activation' },
    });
    return ok;
  }

  async secondFactorsOf(userId: string, allowed: readonly SecondFactorKind[]): Promise<SecondFactorKind[]> {
    const out: SecondFactorKind[] = [];
    if (allowed.includes('totp') && (await this.p.totp.hasConfirmed(userId))) out.push('totp');
    if (allowed.includes('passkey') && (await this.p.passkeys.count(userId)) > 0) out.push('passkey');
    return out;
  }

  private async announceLock(user: UserTable, context: RequestContext): Promise<void> {
    await this.p.audit.append({
      type: 'auth.lock',
      actor: { kind: 'process', id: 'identity-lockout' },
      subject: { kind: 'user', id: user.id },
      outcome: 'success',
      source: context.source,
      details: {
        threshold: this.p.settings.lockoutThreshold,
        until: this.p.settings.lockoutDurationMs === 0 ? 'administrator-unlock' : 'period',
      },
    });
    const view: User = userFromRow(user, this.p.clock());
    // Not awaited: the answer to the locking attempt must not take longer than any other failure.
    void this.sendLockNotice(view);
  }

  private async sendLockNotice(view: User): Promise<void> {
    try {
      await this.p.mailer.send(
        accountLockedMail({
          to: view.email,
          displayName: view.displayName,
          serviceName: this.p.settings.serviceName,
        }),
      );
    } catch (error) {
      this.p.logger.warn({ userId: view.id, err: error }, 'lock notice could not be mailed');
    }
  }
}
