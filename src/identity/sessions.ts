/**
 * Server-side sessions. The cookie carries a random secret; the database keeps only its SHA-256
 * hash, so a database reader cannot ride a session. The secret changes at login and whenever the
 * session gains privileges (second factor, enrolment), and a session ends after an idle period or
 * an absolute lifetime, whichever comes first.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AssuranceLevel, AuthenticationMethod, Clock, FederatedAssertion } from './model.ts';
import { deriveFromSecret, hashSecret, newSecretToken } from './secrets.ts';
import type { IdentitySettings } from './settings.ts';
import type { IdentityTables, SessionTable } from './tables.ts';

/**
 * `authenticated`: every required factor done. `second-factor`: password accepted, waiting for TOTP,
 * passkey or recovery code. `enrolment`: password accepted but no second factor exists yet; only
 * enrolment is allowed.
 */
export type SessionStage = 'authenticated' | 'second-factor' | 'enrolment';

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly stage: SessionStage;
  readonly assurance: AssuranceLevel;
  readonly methods: readonly AuthenticationMethod[];
  readonly createdAt: string;
  readonly authenticatedAt: string;
  readonly lastSeenAt: string;
  readonly expiresAt: string;
  readonly source: string | null;
  readonly userAgent: string | null;
  readonly federation: FederatedAssertion | null;
}

/** A session resolved from its cookie, with the CSRF token bound to it. */
export interface ResolvedSession {
  readonly record: SessionRecord;
  readonly csrfToken: string;
}

export interface StartSession {
  readonly userId: string;
  readonly tenantId: string;
  readonly stage: SessionStage;
  readonly assurance: AssuranceLevel;
  readonly methods: readonly AuthenticationMethod[];
  readonly source?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly federation?: FederatedAssertion | null;
}

const CSRF_PURPOSE = 'shomei-csrf-v1';

/** The synchronizer token for a session: derived from the secret, so it is bound to it and never stored. */
export function csrfTokenFor(secret: string): string {
  return deriveFromSecret(secret, CSRF_PURPOSE);
}

function toRecord(row: SessionTable): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    tenantId: row.tenant_id,
    stage: row.stage as SessionStage,
    assurance: row.assurance as AssuranceLevel,
    methods: JSON.parse(row.methods) as AuthenticationMethod[],
    createdAt: row.created_at,
    authenticatedAt: row.authenticated_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    source: row.source,
    userAgent: row.user_agent,
    federation: row.federation === null ? null : (JSON.parse(row.federation) as FederatedAssertion),
  };
}

export class SessionStore {
  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly settings: IdentitySettings,
    private readonly clock: Clock,
  ) {}

  /** Creates a session and returns the secret for the cookie (shown nowhere else). */
  async start(params: StartSession): Promise<{ secret: string; session: SessionRecord }> {
    const now = this.clock();
    const lifetime =
      params.stage === 'authenticated'
        ? this.settings.sessionAbsoluteLifetimeMs
        : this.settings.pendingLoginLifetimeMs;
    const secret = newSecretToken();
    const row: SessionTable = {
      id: randomUUID(),
      token_hash: hashSecret(secret),
      user_id: params.userId,
      tenant_id: params.tenantId,
      stage: params.stage,
      assurance: params.assurance,
      methods: JSON.stringify(params.methods),
      created_at: now.toISOString(),
      authenticated_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: new Date(now.getTime() + lifetime).toISOString(),
      revoked_at: null,
      revoke_reason: null,
      source: params.source ?? null,
      user_agent: params.userAgent?.slice(0, 256) ?? null,
      federation: params.federation ? JSON.stringify(params.federation) : null,
      challenge: null,
      challenge_purpose: null,
      challenge_expires_at: null,
    };
    await this.db.insertInto('identity_sessions').values(row).execute();
    return { secret, session: toRecord(row) };
  }

  /** Finds the live session for a cookie secret and records the activity; undefined when none. */
  async resolve(secret: string): Promise<ResolvedSession | undefined> {
    if (secret.length < 20 || secret.length > 100) return undefined;
    const row = await this.db
      .selectFrom('identity_sessions')
      .selectAll()
      .where('token_hash', '=', hashSecret(secret))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const now = this.clock();
    const idleDeadline = Date.parse(row.last_seen_at) + this.settings.sessionIdleTimeoutMs;
    if (now.getTime() >= Date.parse(row.expires_at) || now.getTime() >= idleDeadline) {
      const reason = now.getTime() >= Date.parse(row.expires_at) ? 'absolute-timeout' : 'idle-timeout';
      await this.end(row.id, reason);
      return undefined;
    }
    await this.db
      .updateTable('identity_sessions')
      .set({ last_seen_at: now.toISOString() })
      .where('id', '=', row.id)
      .execute();
    return { record: toRecord({ ...row, last_seen_at: now.toISOString() }), csrfToken: csrfTokenFor(secret) };
  }

  /**
   * Moves a session to a new stage with a new secret (rotation on privilege change). The old cookie
   * stops working at once. Completing login restarts the absolute lifetime.
   */
  async elevate(
    sessionId: string,
    change: {
      stage: SessionStage;
      assurance: AssuranceLevel;
      methods: readonly AuthenticationMethod[];
    },
  ): Promise<string> {
    const now = this.clock();
    const secret = newSecretToken();
    const lifetime =
      change.stage === 'authenticated'
        ? this.settings.sessionAbsoluteLifetimeMs
        : this.settings.pendingLoginLifetimeMs;
    const updated = await this.db
      .updateTable('identity_sessions')
      .set({
        token_hash: hashSecret(secret),
        stage: change.stage,
        assurance: change.assurance,
        methods: JSON.stringify(change.methods),
        authenticated_at: now.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: new Date(now.getTime() + lifetime).toISOString(),
        challenge: null,
        challenge_purpose: null,
        challenge_expires_at: null,
      })
      .where('id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new Error('session vanished during elevation');
    return secret;
  }

  async end(sessionId: string, reason: string): Promise<boolean> {
    const result = await this.db
      .updateTable('identity_sessions')
      .set({ revoked_at: this.clock().toISOString(), revoke_reason: reason })
      .where('id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Ends every live session of a user (suspension, closure, password change). */
  async endAllForUser(userId: string, reason: string, exceptSessionId?: string): Promise<number> {
    let query = this.db
      .updateTable('identity_sessions')
      .set({ revoked_at: this.clock().toISOString(), revoke_reason: reason })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (exceptSessionId !== undefined) query = query.where('id', '!=', exceptSessionId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const row = await this.db
      .selectFrom('identity_sessions')
      .selectAll()
      .where('id', '=', sessionId)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  /** Live, fully authenticated sessions of a user, newest first. */
  async listActive(userId: string): Promise<SessionRecord[]> {
    const now = this.clock();
    const idleCutoff = new Date(now.getTime() - this.settings.sessionIdleTimeoutMs).toISOString();
    const rows = await this.db
      .selectFrom('identity_sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('stage', '=', 'authenticated')
      .where('expires_at', '>', now.toISOString())
      .where('last_seen_at', '>', idleCutoff)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toRecord);
  }

  /** Keeps a WebAuthn challenge for the next step of this session. */
  async putChallenge(
    sessionId: string,
    purpose: string,
    challenge: string,
    lifetimeMs: number,
  ): Promise<void> {
    await this.db
      .updateTable('identity_sessions')
      .set({
        challenge,
        challenge_purpose: purpose,
        challenge_expires_at: new Date(this.clock().getTime() + lifetimeMs).toISOString(),
      })
      .where('id', '=', sessionId)
      .execute();
  }

  /** Takes (and clears, so it is used once) the challenge stored for a purpose. */
  async takeChallenge(sessionId: string, purpose: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('identity_sessions')
      .select(['challenge', 'challenge_purpose', 'challenge_expires_at'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (row?.challenge == null || row.challenge_purpose !== purpose) return undefined;
    const cleared = await this.db
      .updateTable('identity_sessions')
      .set({ challenge: null, challenge_purpose: null, challenge_expires_at: null })
      .where('id', '=', sessionId)
      .where('challenge', '=', row.challenge)
      .executeTakeFirst();
    if (Number(cleared.numUpdatedRows) !== 1) return undefined;
    if (row.challenge_expires_at === null || Date.parse(row.challenge_expires_at) <= this.clock().getTime()) {
      return undefined;
    }
    return row.challenge;
  }
}
