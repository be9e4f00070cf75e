/**
 * Federated login as an OpenID Connect relying party (EC/RS 2.2.1 (3)): authorization code flow
 * with PKCE, state and nonce (openid-client). The flow is bound to the browser by a short-lived
 * handle cookie whose hash keys the stored state. The IdP's acr and amr are kept with the session
 * and in the audit trail; whether they count as multi-factor decides if a local second factor is
 * still needed.
 */

import type { Kysely } from 'kysely';
import type * as oidc from 'openid-client';
import type { AuditTrail } from '../audit/events.ts';
import { shomeiError } from '../errors/index.ts';
import type { Accounts } from './accounts.ts';
import type { Authenticator, LoginOutcome, RequestContext } from './authentication.ts';
import type { Clock, FederatedAssertion } from './model.ts';
import { hashSecret, newSecretToken } from './secrets.ts';
import type { IdentityTables, UserTable } from './tables.ts';

export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Our callback, e.g. https://shomei.example/api/auth/oidc/callback */
  readonly redirectUri: string;
  /** acr values this IdP uses for multi-factor authentication (AAL2 or better). */
  readonly multiFactorAcrValues: readonly string[];
  /** Plain-HTTP issuer (development and tests only; start-up refuses it in production). */
  readonly allowInsecureIssuer: boolean;
}

const FLOW_LIFETIME_MS = 10 * 60_000;
/** RFC 8176 amr values that show possession or inherence beyond a password. */
const STRONG_AMR = new Set(['mfa', 'otp', 'hwk', 'swk', 'pop', 'sc', 'fpt', 'face', 'iris', 'retina', 'vbm']);

function federationFailed(reason: string) {
  return shomeiError(
    'SHOMEI_AUTH_FEDERATION_FAILED',
    '外部の認証サービスによるログインを完了できませんでした。',
    'The login through the external identity provider could not be completed.',
    { status: 401, details: { reason } },
  );
}

/** openid-client is loaded by the first federated login, not at every start (ADR 031). */
const openidClient = () => import('openid-client');

/** What a federated login works with, passed as one object (docs/CONTRIBUTING.md, Code). */
export interface FederatedLoginDeps {
  readonly db: Kysely<IdentityTables>;
  readonly settings: OidcSettings;
  readonly accounts: Accounts;
  readonly authenticator: Authenticator;
  readonly audit: AuditTrail;
  readonly clock: Clock;
}

export class FederatedLogin {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly deps: FederatedLoginDeps) {}

  get issuer(): string {
    return this.deps.settings.issuer;
  }

  private config(): Promise<oidc.Configuration> {
    this.configuration ??= openidClient()
      .then((oidc) =>
        oidc.discovery(
          new URL(this.deps.settings.issuer),
          this.deps.settings.clientId,
          { redirect_uris: [this.deps.settings.redirectUri], response_types: ['code'] },
          oidc.ClientSecretBasic(this.deps.settings.clientSecret),
          this.deps.settings.allowInsecureIssuer
            ? { execute: [oidc.allowInsecureRequests], timeout: 10 }
            : { timeout: 10 },
        ),
      )
      .catch((error: unknown) => {
        this.configuration = undefined;
        throw shomeiError(
          'SHOMEI_AUTH_FEDERATION_UNAVAILABLE',
          '外部の認証サービスに接続できません。',
          'The external identity provider cannot be reached.',
          { status: 503, cause: error },
        );
      });
    return this.configuration;
  }

  /** Starts a login: returns the browser handle (for a cookie) and where to send the browser. */
  async begin(): Promise<{ handle: string; authorizationUrl: string }> {
    const config = await this.config();
    const oidc = await openidClient();
    const handle = newSecretToken();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    const now = this.deps.clock();
    await this.deps.db
      .deleteFrom('identity_oidc_flows')
      .where('expires_at', '<', now.toISOString())
      .execute();
    await this.deps.db
      .insertInto('identity_oidc_flows')
      .values({
        id: hashSecret(handle),
        state,
        nonce,
        code_verifier: verifier,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + FLOW_LIFETIME_MS).toISOString(),
      })
      .execute();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.deps.settings.redirectUri,
      scope: 'openid email profile',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    return { handle, authorizationUrl: url.href };
  }

  /** Finishes a login from the callback URL; the flow record is used once. */
  async finish(
    handle: string | undefined,
    callbackUrl: URL,
    context: RequestContext,
    previousSessionId?: string,
  ): Promise<LoginOutcome> {
    const flow = handle === undefined || handle.length > 100 ? undefined : await this.takeFlow(handle);
    if (flow === undefined) return this.fail('unknown-flow', context);
    const config = await this.config();
    const oidc = await openidClient();
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: flow.code_verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims() as Record<string, unknown> | undefined;
      if (claims !== undefined && typeof claims.sub === 'string' && claims.email === undefined) {
        // Many providers return scope claims (email) only from the UserInfo endpoint.
        const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
        claims = { ...claims, email: info.email, email_verified: info.email_verified };
      }
    } catch (error) {
      // Library error codes (e.g. OAUTH_JWT_CLAIM_COMPARISON_FAILED) name the check that failed, never secrets.
      const code = (error as { code?: unknown }).code;
      return this.fail('code-exchange-or-token-invalid', context, undefined, {
        check: typeof code === 'string' ? code : (error as Error).name,
      });
    }
    if (claims === undefined || typeof claims.sub !== 'string') return this.fail('no-id-token', context);
    const assertion: FederatedAssertion = {
      issuer: this.deps.settings.issuer,
      subject: claims.sub,
      acr: typeof claims.acr === 'string' ? claims.acr : null,
      amr: Array.isArray(claims.amr)
        ? claims.amr.filter((v): v is string => typeof v === 'string').slice(0, 10)
        : [],
    };
    const user = await this.linkedUser(assertion, claims);
    if (user === undefined || user.status !== 'active') {
      return this.fail(
        user === undefined ? 'no-linked-account' : `status-${user.status}`,
        context,
        assertion,
      );
    }
    const multiFactor =
      (assertion.acr !== null && this.deps.settings.multiFactorAcrValues.includes(assertion.acr)) ||
      assertion.amr.some((m) => STRONG_AMR.has(m));
    await this.deps.db
      .updateTable('identity_federated_links')
      .set({ last_login_at: this.deps.clock().toISOString() })
      .where('issuer', '=', assertion.issuer)
      .where('subject', '=', assertion.subject)
      .execute();
    return this.deps.authenticator.federatedLogin(user, assertion, multiFactor, context, previousSessionId);
  }

  private async takeFlow(handle: string) {
    const id = hashSecret(handle);
    const flow = await this.deps.db
      .selectFrom('identity_oidc_flows')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (flow === undefined) return undefined;
    const deleted = await this.deps.db
      .deleteFrom('identity_oidc_flows')
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1) return undefined;
    return Date.parse(flow.expires_at) > this.deps.clock().getTime() ? flow : undefined;
  }

  /** An existing link, or a first login matched by an email address the IdP has verified. */
  private async linkedUser(
    assertion: FederatedAssertion,
    claims: Record<string, unknown>,
  ): Promise<UserTable | undefined> {
    const link = await this.deps.db
      .selectFrom('identity_federated_links')
      .select('user_id')
      .where('issuer', '=', assertion.issuer)
      .where('subject', '=', assertion.subject)
      .executeTakeFirst();
    if (link !== undefined) return this.deps.accounts.getUserRow(link.user_id);
    if (claims.email_verified !== true || typeof claims.email !== 'string') return undefined;
    const user = await this.deps.accounts.findUserRowByEmail(claims.email);
    if (user === undefined || user.status !== 'active') return user;
    await this.deps.db
      .insertInto('identity_federated_links')
      .values({
        issuer: assertion.issuer,
        subject: assertion.subject,
        user_id: user.id,
        created_at: this.deps.clock().toISOString(),
        last_login_at: null,
      })
      .execute();
    return user;
  }

  private async fail(
    reason: string,
    context: RequestContext,
    assertion?: FederatedAssertion,
    extra: Record<string, unknown> = {},
  ): Promise<never> {
    await this.deps.audit.append({
      type: 'auth.login',
      actor: { kind: 'anonymous', id: assertion?.subject ?? 'unknown' },
      outcome: 'failure',
      source: context.source,
      details: {
        method: 'federated',
        reason,
        issuer: this.deps.settings.issuer,
        acr: assertion?.acr,
        amr: assertion?.amr,
        ...extra,
      },
    });
    throw federationFailed(reason);
  }
}
