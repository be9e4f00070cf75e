/**
 * The Fastify hook that authenticates every request from its session cookie and enforces CSRF
 * protection in one place. It is registered once at the root (it breaks plugin encapsulation on
 * purpose) so that every module's routes see `request.principal`.
 *
 * Rules: a request with an Authorization header is left to the module that owns that scheme (CSC
 * bearer tokens) and never authenticated by cookie. A state-changing request (not GET/HEAD/OPTIONS)
 * that presents a live session must carry that session's synchronizer token in `x-csrf-token`.
 * A route that does not use the session at all can say so with `config: { sessionCookie: 'ignore' }`.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { csrfRejected, forbidden, notAuthenticated } from './errors.ts';
import type { IdentityPrivilege, Principal } from './model.ts';
import { constantTimeEquals } from './secrets.ts';
import type { ResolvedSession } from './sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The fully authenticated user behind this request, if any. */
    principal: Principal | undefined;
    /** The session presented by cookie, at whatever stage (used by login steps). */
    identitySession: ResolvedSession | undefined;
  }
}

/** What the hook needs from the identity service. */
export interface RequestSessionResolver {
  readonly sessionCookie: SessionCookiePolicy;
  resolveRequestSession(
    secret: string,
  ): Promise<{ session: ResolvedSession; principal: Principal | undefined } | undefined>;
  hasPrivilege(principal: Principal, privilege: IdentityPrivilege): Promise<boolean>;
}

export interface SessionCookiePolicy {
  readonly name: string;
  readonly secure: boolean;
}

export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sessionCookiePolicy(secure: boolean): SessionCookiePolicy {
  // The __Host- prefix makes browsers refuse the cookie unless Secure, Path=/ and host-only.
  return { name: secure ? '__Host-shomei_session' : 'shomei_session', secure };
}

export function setSessionCookie(reply: FastifyReply, policy: SessionCookiePolicy, secret: string): void {
  void reply.setCookie(policy.name, secret, {
    httpOnly: true,
    secure: policy.secure,
    sameSite: 'lax',
    path: '/',
  });
}

export function clearSessionCookie(reply: FastifyReply, policy: SessionCookiePolicy): void {
  void reply.clearCookie(policy.name, { httpOnly: true, secure: policy.secure, sameSite: 'lax', path: '/' });
}

export interface RequestAuthenticationOptions {
  readonly identity: RequestSessionResolver;
}

const authenticateRequestsPlugin: FastifyPluginAsync<RequestAuthenticationOptions> = async (
  app: FastifyInstance,
  options: RequestAuthenticationOptions,
) => {
  // Loaded here, with the HTTP server: a command that opens identity without one never needs it.
  if (!app.hasDecorator('parseCookie')) await app.register((await import('@fastify/cookie')).default);
  app.decorateRequest('principal', undefined);
  app.decorateRequest('identitySession', undefined);
  const policy = options.identity.sessionCookie;
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.headers.authorization !== undefined) return;
    // Routes that never act on the cookie (e.g. protocol endpoints with their own credentials) may
    // opt out with `config: { sessionCookie: 'ignore' }`: they get no principal and no CSRF check.
    const routeConfig = request.routeOptions.config as { sessionCookie?: unknown } | undefined;
    if (routeConfig?.sessionCookie === 'ignore') return;
    const secret = request.cookies[policy.name];
    if (secret === undefined || secret === '') return;
    const resolved = await options.identity.resolveRequestSession(secret);
    if (resolved === undefined) return;
    request.identitySession = resolved.session;
    request.principal = resolved.principal;
    if (!SAFE_METHODS.has(request.method)) {
      const presented = request.headers[CSRF_HEADER];
      if (typeof presented !== 'string' || !constantTimeEquals(presented, resolved.session.csrfToken)) {
        throw csrfRejected();
      }
    }
  });
};
// Equivalent of fastify-plugin: hooks and decorators apply to the whole server, not one plugin scope.
(authenticateRequestsPlugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

/** Register once on the root instance before any module's routes. */
export const authenticateRequests = authenticateRequestsPlugin;

/** The principal of an authenticated request, or SHOMEI_AUTH_REQUIRED (401). */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw notAuthenticated();
  return request.principal;
}

/** The principal, if it logged in at AAL2 and holds the privilege; SHOMEI_FORBIDDEN (403) otherwise. */
export async function requirePrivilege(
  identity: RequestSessionResolver,
  request: FastifyRequest,
  privilege: IdentityPrivilege,
): Promise<Principal> {
  const principal = requirePrincipal(request);
  // Operator functions always need a multi-factor login, whatever the tenant's own policy allows.
  if (principal.assurance !== 'aal2') throw forbidden(privilege);
  if (!(await identity.hasPrivilege(principal, privilege))) throw forbidden(privilege);
  return principal;
}
