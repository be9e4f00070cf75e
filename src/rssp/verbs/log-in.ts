/**
 * auth/login (csc-api-v2 §11.2): HTTP Basic user name and password, or a refresh token from an earlier
 * login with rememberMe, becomes a service-scope access token. Every attempt is recorded (GL 7.1.4).
 */
import { CscError, invalidRequest } from '../errors.ts';
import type { RsspParts } from '../parts.ts';

export type LogInDependencies = Pick<RsspParts, 'tokens' | 'audit' | 'users' | 'settings'>;

export interface LogInRequest {
  /** The Authorization header as sent, if any. */
  readonly authorization: string | undefined;
  readonly refreshToken: string | undefined;
  readonly rememberMe: boolean;
  readonly source: string;
}

export interface LogInResult {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly refreshToken?: string | undefined;
}

interface Grant {
  readonly userId: string;
  readonly tenantId: string | null;
  /** Set when the login renews an earlier grant (refresh token). */
  readonly grantId?: string;
}

export async function logIn(deps: LogInDependencies, request: LogInRequest): Promise<LogInResult> {
  const grant =
    request.authorization === undefined && request.refreshToken !== undefined
      ? await refreshedGrant(deps, request.refreshToken)
      : await passwordGrant(deps, request);
  const issued = {
    scope: 'service' as const,
    userId: grant.userId,
    tenantId: grant.tenantId,
    clientId: null,
    credentialId: null,
    authMethod: 'basic',
  };
  const access = await deps.tokens.issue(
    'access',
    { ...issued, grantId: grant.grantId },
    deps.settings.accessTokenSeconds,
  );
  let refreshToken: string | undefined;
  if (request.rememberMe && grant.grantId === undefined) {
    const refresh = await deps.tokens.issue(
      'refresh',
      { ...issued, grantId: access.grantId },
      deps.settings.refreshTokenSeconds,
    );
    refreshToken = refresh.token;
  }
  await deps.audit.append({
    type: 'auth.login',
    actor: { kind: 'user', id: grant.userId },
    outcome: 'success',
    source: request.source,
    details: { method: grant.grantId === undefined ? 'basic' : 'refresh_token', interface: 'csc' },
  });
  return {
    accessToken: access.token,
    expiresIn: access.expiresIn,
    refreshToken,
  };
}

async function refreshedGrant(deps: LogInDependencies, refreshToken: string): Promise<Grant> {
  const grant = await deps.tokens.refreshGrant(refreshToken);
  if (grant === undefined || grant.client_id !== null || grant.user_id === null)
    throw invalidRequest('Invalid refresh_token');
  return { userId: grant.user_id, tenantId: grant.tenant_id, grantId: grant.grant_id };
}

async function passwordGrant(deps: LogInDependencies, request: LogInRequest): Promise<Grant> {
  const header = request.authorization;
  const match = header === undefined ? null : /^Basic ([A-Za-z0-9+/]+=*)$/.exec(header);
  if (match === null) throw new CscError('invalid_request', 'Malformed authentication parameter', 401);
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || decoded.length > 512) throw invalidRequest('Malformed username-password');
  const user =
    deps.users === undefined
      ? undefined
      : await deps.users.verifyPassword(decoded.slice(0, colon), decoded.slice(colon + 1), request.source);
  if (user === undefined) {
    await deps.audit.append({
      type: 'auth.login',
      actor: { kind: 'anonymous', id: 'unknown' },
      outcome: 'failure',
      source: request.source,
      details: { method: 'basic', interface: 'csc' },
    });
    throw new CscError('authentication_error', 'An error occurred during authentication process', 400);
  }
  return { userId: user.userId, tenantId: user.tenantId ?? null };
}
