/**
 * The OAuth 2.0 authorization server of the CSC API (csc-api-v2 §4.4–4.7, RFC 6749, RFC 7636):
 * authorization code with PKCE S256 (required), client credentials and refresh tokens for registered
 * client systems. A `credential` scope token is bound like a SAD (credential, hashes, count, expiry)
 * and the user proves PIN and one-time code on the authorization page (JT2A level 2).
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/events.ts';
import type { SignatureActivationModule } from './activation.ts';
import { digestAlgorithmOf } from './algorithms.ts';
import type { ClientSystem, ClientSystemRegistry } from './clients.ts';
import type { CredentialService } from './credentials.ts';
import { CscError } from './errors.ts';
import { decodeHashes } from './hashes.ts';
import type { Clock, UserAuthenticator } from './ports.ts';
import { randomSecret, secretHash } from './secrets.ts';
import type { RsspSettings } from './settings.ts';
import type { AuthorizationCodeTable, RsspTables, TokenScope } from './tables.ts';
import type { AccessTokenService } from './tokens.ts';

export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: TokenScope;
  readonly codeChallenge: string;
  readonly state?: string | undefined;
  readonly credentialId?: string | undefined;
  readonly numSignatures?: number | undefined;
  readonly hashes?: readonly Buffer[] | undefined;
  readonly hashAlgorithmOid?: string | undefined;
  readonly authorizationDetails?: string | undefined;
  readonly description?: string | undefined;
}

/** An error to send back to the client's redirect URI (only once the redirect URI is known to be registered). */
export class AuthorizationRedirectError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly redirectUri: string,
    readonly state: string | undefined,
  ) {
    super(description);
  }

  location(): string {
    const url = new URL(this.redirectUri);
    url.searchParams.set('error', this.error);
    url.searchParams.set('error_description', this.description);
    if (this.state !== undefined) url.searchParams.set('state', this.state);
    return url.toString();
  }
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope?: string;
  credentialID?: string;
  authorization_details?: unknown;
}

const oauthError = (
  error: 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope',
  description: string,
) => new CscError(error, description, 400);

const PUSHED_REQUEST_SECONDS = 90;

/** What the authorization server works with; users absent: no login page (only client credentials). */
export interface AuthorizationServerDependencies {
  readonly db: Kysely<RsspTables>;
  readonly clients: ClientSystemRegistry;
  readonly tokens: AccessTokenService;
  readonly credentials: CredentialService;
  readonly activation: SignatureActivationModule;
  readonly users: UserAuthenticator | undefined;
  readonly audit: AuditTrail;
  readonly clock: Clock;
  readonly settings: RsspSettings;
}

export class AuthorizationServer {
  constructor(private readonly deps: AuthorizationServerDependencies) {}

  /**
   * Checks an authorize request. Problems with client_id or redirect_uri are answered directly (never
   * redirected to an unregistered URI); every other problem is redirected to the client.
   */
  async validate(
    params: Readonly<Record<string, string | undefined>>,
  ): Promise<{ request: AuthorizationRequest; client: ClientSystem }> {
    const clientId = params.client_id;
    if (clientId === undefined)
      throw oauthError('invalid_request', 'Missing (or invalid type) string parameter client_id');
    const client = await this.deps.clients.get(clientId);
    if (client === undefined) throw oauthError('invalid_request', 'Invalid parameter client_id');
    const redirectUri = params.redirect_uri;
    if (redirectUri === undefined || !this.deps.clients.redirectAllowed(client, redirectUri)) {
      throw oauthError('invalid_request', 'Invalid parameter redirect_uri');
    }
    const state = params.state;
    const fail = (error: string, description: string) =>
      new AuthorizationRedirectError(error, description, redirectUri, state);
    if (params.response_type !== 'code')
      throw fail('unsupported_response_type', 'Invalid parameter response_type');
    const challenge = params.code_challenge;
    if (challenge === undefined || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      throw fail('invalid_request', 'Missing (or invalid type) string parameter code_challenge');
    }
    // plain PKCE would let anyone who sees the authorization request redeem the code (RFC 7636 §7.2).
    if (params.code_challenge_method !== 'S256')
      throw fail('invalid_request', 'Invalid parameter code_challenge_method');
    if (params.scope !== undefined && params.scope !== 'service' && params.scope !== 'credential') {
      throw fail('invalid_scope', 'Invalid parameter scope');
    }
    const { scope, credentialId, hashAlgorithmOid, hashes, numSignatures } = requestedCredential(
      params,
      fail,
    );
    if (scope === 'credential') {
      const credential =
        credentialId === undefined ? undefined : await this.deps.credentials.get(credentialId);
      if (credential === undefined || credential.auth_mode !== 'oauth2code')
        throw fail('invalid_request', 'Invalid parameter credentialID');
      if (credential.scal === '2' && hashes === undefined)
        throw fail('invalid_request', 'Missing (or invalid type) string parameter hashes');
      if ((numSignatures ?? 1) > credential.multisign)
        throw fail('invalid_request', 'Numbers of signatures is too high');
      if (hashes !== undefined && hashes.length > (numSignatures ?? 0))
        throw fail('invalid_request', 'Invalid parameter hashes');
    }
    return {
      client,
      request: {
        clientId,
        redirectUri,
        scope,
        codeChallenge: challenge,
        state,
        credentialId: scope === 'credential' ? credentialId : undefined,
        numSignatures,
        hashes,
        hashAlgorithmOid: scope === 'credential' ? hashAlgorithmOid : undefined,
        authorizationDetails: params.authorization_details,
        description: params.description?.slice(0, 500),
      },
    };
  }

  /**
   * PAR (RFC 9126, csc-api-v2 §4.5): checks the parameters like authorize would and keeps them for 90
   * seconds under a random request_uri, which the browser then brings to oauth2/authorize.
   */
  async pushAuthorizationRequest(
    client: ClientSystem,
    params: Readonly<Record<string, string | undefined>>,
  ): Promise<{ request_uri: string; expires_in: number }> {
    if (params.request_uri !== undefined)
      throw oauthError('invalid_request', 'Invalid parameter request_uri');
    if (params.client_id !== undefined && params.client_id !== client.client_id) {
      throw oauthError('invalid_request', 'Invalid parameter client_id');
    }
    const complete = { ...params, client_id: client.client_id };
    try {
      await this.validate(complete);
    } catch (error) {
      if (error instanceof AuthorizationRedirectError)
        throw new CscError('invalid_request', error.description, 400);
      throw error;
    }
    const requestUri = `urn:ietf:params:oauth:request_uri:${randomSecret()}`;
    const now = this.deps.clock();
    await this.deps.db
      .insertInto('rssp_pushed_requests')
      .values({
        request_uri_hash: secretHash(`par:${requestUri}`),
        client_id: client.client_id,
        parameters: JSON.stringify(complete),
        expires_at: new Date(now.getTime() + PUSHED_REQUEST_SECONDS * 1000).toISOString(),
        consumed_at: null,
        created_at: now.toISOString(),
      })
      .execute();
    return { request_uri: requestUri, expires_in: PUSHED_REQUEST_SECONDS };
  }

  /** The parameters behind `client_id` + `request_uri` (once, before they expire). */
  async pushedParameters(
    clientId: string | undefined,
    requestUri: string,
  ): Promise<Record<string, string | undefined>> {
    const now = this.deps.clock().toISOString();
    const row = await this.deps.db
      .updateTable('rssp_pushed_requests')
      .set({ consumed_at: now })
      .where('request_uri_hash', '=', secretHash(`par:${requestUri}`))
      .where('consumed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined || row.expires_at <= now || row.client_id !== clientId) {
      throw oauthError('invalid_request', 'Invalid parameter request_uri');
    }
    return JSON.parse(row.parameters) as Record<string, string | undefined>;
  }

  /**
   * The user has logged in on the authorization page (and, for a credential, given PIN and one-time
   * code): issue a single-use code and return the redirect location.
   */
  async approve(
    request: AuthorizationRequest,
    login: { username: string; password: string; pin?: string | undefined; otp?: string | undefined },
    source?: string,
  ): Promise<string> {
    const fail = (error: string, description: string) =>
      new AuthorizationRedirectError(error, description, request.redirectUri, request.state);
    const user =
      this.deps.users === undefined
        ? undefined
        : await this.deps.users.verifyPassword(login.username, login.password, source);
    if (user === undefined) {
      await this.deps.audit.append({
        type: 'oauth2.authorize',
        actor: { kind: 'anonymous', id: 'unknown' },
        outcome: 'failure',
        source,
        details: { clientId: request.clientId, scope: request.scope, reason: 'login-failed' },
      });
      throw fail('access_denied', 'The user could not be authenticated');
    }
    let authMethod = 'password';
    if (request.scope === 'credential') {
      const credential = await this.deps.credentials.get(request.credentialId ?? '');
      if (credential === undefined || credential.user_id !== user.userId || credential.status !== 'active') {
        throw fail('access_denied', 'Invalid parameter credentialID');
      }
      try {
        authMethod = `password+${await this.deps.activation.verifyActivationFactors(credential, [
          { id: 'PIN', value: login.pin ?? '' },
          { id: 'OTP', value: login.otp ?? '' },
        ])}`;
      } catch (error) {
        await this.deps.audit.append({
          type: 'oauth2.authorize',
          actor: { kind: 'user', id: user.userId },
          subject: { kind: 'credential', id: credential.credential_id },
          outcome: 'failure',
          source,
          details: {
            clientId: request.clientId,
            scope: 'credential',
            reason: error instanceof CscError ? error.description : 'error',
          },
        });
        throw fail(
          'access_denied',
          error instanceof CscError ? error.description : 'The authentication data is invalid',
        );
      }
    }
    const code = randomSecret();
    const now = this.deps.clock();
    await this.deps.db
      .insertInto('rssp_authorization_codes')
      .values({
        code_hash: secretHash(`code:${code}`),
        client_id: request.clientId,
        user_id: user.userId,
        tenant_id: user.tenantId ?? null,
        redirect_uri: request.redirectUri,
        code_challenge: request.codeChallenge,
        scope: request.scope,
        credential_id: request.credentialId ?? null,
        num_signatures: request.numSignatures ?? null,
        hash_algorithm_oid: request.hashAlgorithmOid ?? null,
        hashes:
          request.hashes === undefined ? null : JSON.stringify(request.hashes.map((h) => h.toString('hex'))),
        authorization_details: request.authorizationDetails ?? null,
        auth_method: authMethod,
        expires_at: new Date(
          now.getTime() + this.deps.settings.authorizationCodeSeconds * 1000,
        ).toISOString(),
        consumed_at: null,
        created_at: now.toISOString(),
      })
      .execute();
    await this.deps.audit.append({
      type: 'oauth2.authorize',
      actor: { kind: 'user', id: user.userId },
      subject:
        request.credentialId === undefined ? undefined : { kind: 'credential', id: request.credentialId },
      outcome: 'success',
      source,
      details: {
        clientId: request.clientId,
        scope: request.scope,
        authenticationMethod: authMethod,
        hashes: request.hashes?.map((h) => h.toString('hex')) ?? [],
      },
    });
    const url = new URL(request.redirectUri);
    url.searchParams.set('code', code);
    if (request.state !== undefined) url.searchParams.set('state', request.state);
    return url.toString();
  }

  /** oauth2/token. `client` is already authenticated by the route. */
  async token(
    client: ClientSystem,
    params: Readonly<Record<string, string | undefined>>,
  ): Promise<TokenResponse> {
    switch (params.grant_type) {
      case 'authorization_code':
        return this.exchangeCode(client, params);
      case 'client_credentials': {
        const access = await this.deps.tokens.issue(
          'access',
          {
            scope: 'service',
            userId: null,
            tenantId: client.tenant_id,
            clientId: client.client_id,
            credentialId: null,
            authMethod: 'oauth2client',
          },
          this.deps.settings.accessTokenSeconds,
        );
        return {
          access_token: access.token,
          token_type: 'Bearer',
          expires_in: access.expiresIn,
          scope: 'service',
        };
      }
      case 'refresh_token': {
        const refresh =
          params.refresh_token === undefined
            ? undefined
            : await this.deps.tokens.refreshGrant(params.refresh_token);
        if (refresh === undefined || refresh.client_id !== client.client_id || refresh.scope !== 'service') {
          throw oauthError('invalid_grant', 'Invalid refresh_token');
        }
        const access = await this.deps.tokens.issue(
          'access',
          {
            scope: 'service',
            userId: refresh.user_id,
            tenantId: refresh.tenant_id,
            clientId: refresh.client_id,
            credentialId: null,
            authMethod: refresh.auth_method,
            grantId: refresh.grant_id,
          },
          this.deps.settings.accessTokenSeconds,
        );
        return {
          access_token: access.token,
          token_type: 'Bearer',
          expires_in: access.expiresIn,
          scope: 'service',
        };
      }
      case undefined:
        throw oauthError('invalid_request', 'Missing (or invalid type) string parameter grant_type');
      default:
        throw oauthError('unsupported_grant_type', 'Invalid parameter grant_type');
    }
  }

  private async exchangeCode(
    client: ClientSystem,
    params: Readonly<Record<string, string | undefined>>,
  ): Promise<TokenResponse> {
    const code = params.code;
    if (code === undefined || code.length > 512)
      throw oauthError('invalid_request', 'Missing (or invalid type) string parameter code');
    const verifier = params.code_verifier;
    if (verifier === undefined || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) {
      throw oauthError('invalid_request', 'Missing (or invalid type) string parameter code_verifier');
    }
    const now = this.deps.clock().toISOString();
    const codeHash = secretHash(`code:${code}`);
    // Consumed in the same statement that finds it: a code can be redeemed once (RFC 6749 §4.1.2).
    const row = await this.deps.db
      .updateTable('rssp_authorization_codes')
      .set({ consumed_at: now })
      .where('code_hash', '=', codeHash)
      .where('consumed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) {
      await this.refuseReplayedCode(codeHash, client);
      throw oauthError('invalid_grant', 'Authorization code is invalid or expired');
    }
    if (row.expires_at <= now || row.client_id !== client.client_id) {
      throw oauthError('invalid_grant', 'Authorization code is invalid or expired');
    }
    // Every token issued from this code shares one grant, so a replay can revoke them all.
    const grantId = grantOfCode(codeHash);
    if (params.redirect_uri !== row.redirect_uri)
      throw oauthError('invalid_grant', 'redirect_uri parameter does not match');
    const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
    if (computed !== row.code_challenge) throw oauthError('invalid_grant', 'Invalid parameter code_verifier');
    return row.scope === 'service'
      ? this.serviceTokens(client, row, grantId)
      : this.credentialToken(client, row, grantId);
  }

  /** A service-scope code: an access token and a refresh token of one grant. */
  private async serviceTokens(
    client: ClientSystem,
    row: AuthorizationCodeTable,
    grantId: string,
  ): Promise<TokenResponse> {
    const grant = {
      scope: 'service' as const,
      userId: row.user_id,
      tenantId: row.tenant_id,
      clientId: client.client_id,
      credentialId: null,
      authMethod: 'oauth2code',
      grantId,
    };
    const access = await this.deps.tokens.issue('access', grant, this.deps.settings.accessTokenSeconds);
    const refresh = await this.deps.tokens.issue('refresh', grant, this.deps.settings.refreshTokenSeconds);
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refresh.token,
      scope: 'service',
    };
  }

  /** A credential-scope code: an access token that is also the SAD for the authorised hashes. */
  private async credentialToken(
    client: ClientSystem,
    row: AuthorizationCodeTable,
    grantId: string,
  ): Promise<TokenResponse> {
    const access = await this.deps.tokens.issue(
      'access',
      {
        scope: 'credential',
        userId: row.user_id,
        tenantId: row.tenant_id,
        clientId: client.client_id,
        credentialId: row.credential_id,
        authMethod: 'oauth2code',
        grantId,
      },
      this.deps.settings.credentialTokenSeconds,
    );
    const hashes =
      row.hashes === null
        ? undefined
        : (JSON.parse(row.hashes) as string[]).map((h) => Buffer.from(h, 'hex'));
    await this.deps.activation.storeSad(access.tokenHash, {
      credentialId: row.credential_id!,
      userId: row.user_id,
      clientId: client.client_id,
      numSignatures: row.num_signatures ?? 1,
      hashes,
      ...(row.hash_algorithm_oid === null ? {} : { hashAlgorithmOid: row.hash_algorithm_oid }),
      authMethod: row.auth_method,
      lifetimeSeconds: this.deps.settings.credentialTokenSeconds,
    });
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope: 'credential',
      credentialID: row.credential_id!,
      ...(row.authorization_details === null
        ? {}
        : { authorization_details: JSON.parse(row.authorization_details) }),
    };
  }
  /**
   * A code presented again after it was redeemed: the tokens issued from it are revoked (RFC 6749
   * §4.1.2), their authorisations with them, and the attempt is recorded.
   */
  private async refuseReplayedCode(codeHash: string, client: ClientSystem): Promise<void> {
    const used = await this.deps.db
      .selectFrom('rssp_authorization_codes')
      .select(['consumed_at', 'user_id', 'client_id'])
      .where('code_hash', '=', codeHash)
      .executeTakeFirst();
    if (used === undefined || used.consumed_at === null) return;
    const revoked = await this.deps.tokens.revokeGrant(grantOfCode(codeHash));
    await this.deps.audit.append({
      type: 'oauth2.token',
      actor: { kind: 'client-system', id: client.client_id },
      subject: { kind: 'user', id: used.user_id },
      outcome: 'failure',
      details: {
        reason: 'authorization-code-replayed',
        tokensRevoked: revoked,
        codeClientId: used.client_id,
      },
    });
  }
}

interface CredentialAuthorizationDetails {
  credentialID: string;
  hashAlgorithmOID: string;
  documentDigests: { hash: string; label?: string }[];
}

/** RAR `authorization_details` of type `credential` (csc-api-v2 §5.5); one entry. */
function parseAuthorizationDetails(raw: string): CredentialAuthorizationDetails | undefined {
  if (raw.length > 64 * 1024) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 1) return undefined;
  const entry = value[0] as Record<string, unknown>;
  if (entry === null || typeof entry !== 'object' || entry.type !== 'credential') return undefined;
  if (typeof entry.credentialID !== 'string' || typeof entry.hashAlgorithmOID !== 'string') return undefined;
  if (!Array.isArray(entry.documentDigests) || entry.documentDigests.length === 0) return undefined;
  const digests = entry.documentDigests as unknown[];
  if (
    !digests.every(
      (d) => typeof d === 'object' && d !== null && typeof (d as { hash?: unknown }).hash === 'string',
    )
  )
    return undefined;
  return {
    credentialID: entry.credentialID,
    hashAlgorithmOID: entry.hashAlgorithmOID,
    documentDigests: digests as { hash: string }[],
  };
}

/** The grant id shared by every token issued from one authorization code. */
function grantOfCode(codeHash: string): string {
  return `grant-code-${codeHash.slice(0, 32)}`;
}

/**
 * The credential an authorize request asks for: from authorization_details (RFC 9396), or from
 * scope=credential with credentialID, numSignatures and hashes; nothing for the service scope.
 */
function requestedCredential(
  params: Readonly<Record<string, string | undefined>>,
  fail: (error: string, description: string) => AuthorizationRedirectError,
): {
  scope: TokenScope;
  credentialId: string | undefined;
  hashAlgorithmOid: string | undefined;
  hashes: Buffer[] | undefined;
  numSignatures: number | undefined;
} {
  let scope: TokenScope = 'service';
  let credentialId = params.credentialID;
  let hashAlgorithmOid = params.hashAlgorithmOID;
  let hashes: Buffer[] | undefined;
  let numSignatures: number | undefined;
  if (params.authorization_details !== undefined) {
    const details = parseAuthorizationDetails(params.authorization_details);
    if (details === undefined) throw fail('invalid_request', 'Invalid parameter authorization_details');
    scope = 'credential';
    credentialId = details.credentialID;
    hashAlgorithmOid = details.hashAlgorithmOID;
    const digest = digestAlgorithmOf(hashAlgorithmOid);
    if (digest === undefined) throw fail('invalid_request', 'Invalid parameter hashAlgorithmOID');
    try {
      hashes = decodeHashes(
        details.documentDigests.map((d) => d.hash),
        digest,
      );
    } catch (error) {
      throw fail(
        'invalid_request',
        error instanceof CscError ? error.description : 'Invalid parameter authorization_details',
      );
    }
    numSignatures = hashes.length;
  } else if (params.scope === 'credential') {
    scope = 'credential';
    if (credentialId === undefined)
      throw fail('invalid_request', 'Missing (or invalid type) string parameter credentialID');
    const n = Number(params.numSignatures);
    if (params.numSignatures === undefined || !/^[0-9]{1,6}$/.test(params.numSignatures) || n < 1) {
      throw fail('invalid_request', 'Missing (or invalid type) integer parameter numSignatures');
    }
    numSignatures = n;
    if (params.hashes !== undefined) {
      const digest = hashAlgorithmOid === undefined ? undefined : digestAlgorithmOf(hashAlgorithmOid);
      if (digest === undefined) throw fail('invalid_request', 'Invalid parameter hashAlgorithmOID');
      try {
        hashes = decodeHashes(params.hashes.split(','), digest, 'base64url');
      } catch (error) {
        throw fail(
          'invalid_request',
          error instanceof CscError ? error.description : 'Invalid parameter hashes',
        );
      }
    }
  }
  return { scope, credentialId, hashAlgorithmOid, hashes, numSignatures };
}
