/** Helpers shared by the identity routes: the input refusal, JSON-only bodies, session access. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ShomeiError, shomeiError } from '../../errors/index.ts';
import type { RequestContext } from '../authentication.ts';
import { notAuthenticated, wrongStage } from '../errors.ts';
import type { Identity } from '../identity.ts';
import { setSessionCookie } from '../request-authentication.ts';
import { csrfTokenFor, type ResolvedSession, type SessionStage } from '../sessions.ts';

/** Small JSON bodies only: identity requests never need more. */
export const IDENTITY_BODY_LIMIT = 16 * 1024;

export function invalidIdentityInput(field: string): ShomeiError {
  return shomeiError(
    'SHOMEI_INPUT_INVALID',
    `入力が正しくありません (${field})。`,
    `The input is invalid (${field}).`,
    { status: 400, details: { field } },
  );
}

/** Route config: a schema refusal answers as parseInput does (the whole body is named `body`). */
export const identityInput = {
  invalidInput: (field: string) => invalidIdentityInput(field.startsWith('(') ? 'body' : field),
};

/**
 * Bodies must be JSON: browsers cannot send a cross-site JSON POST without a CORS preflight, which
 * protects the cookie-less endpoints (login, apply, activate) from login CSRF.
 */
export function requireJsonBodies(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    const type = request.headers['content-type'];
    const length = Number(request.headers['content-length'] ?? '0');
    if (type === undefined && length === 0 && request.headers['transfer-encoding'] === undefined) return;
    if (type === undefined || !/^application\/json\s*(;|$)/i.test(type)) {
      throw shomeiError(
        'SHOMEI_UNSUPPORTED_MEDIA_TYPE',
        'JSON (application/json) で送信してください。',
        'Send the request as JSON (application/json).',
        { status: 415 },
      );
    }
  });
}

export function contextOf(request: FastifyRequest): RequestContext {
  const agent = request.headers['user-agent'];
  return { source: request.ip, userAgent: typeof agent === 'string' ? agent : undefined };
}

export function sessionAt(request: FastifyRequest, stages: readonly SessionStage[]): ResolvedSession {
  const session = request.identitySession;
  if (session === undefined) throw notAuthenticated();
  if (!stages.includes(session.record.stage)) throw wrongStage(stages.join('|'));
  return session;
}

/**
 * An answer with no body. Not `send(null)`: with a declared schema that would send the JSON `null`
 * (Fastify leaves out a 204's body, but not a 404's).
 */
export function emptyAnswer(reply: FastifyReply, status: 204 | 404): FastifyReply {
  return reply.status(status).send();
}

/** Sets the rotated cookie and returns the CSRF token that goes with it. */
export function issueCookie(identity: Identity, reply: FastifyReply, secret: string): string {
  setSessionCookie(reply, identity.sessionCookie, secret);
  void reply.header('cache-control', 'no-store');
  return csrfTokenFor(secret);
}
