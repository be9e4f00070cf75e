/** `/api/auth/…`: login steps, logout, sessions, activation, password, TOTP, passkeys, OIDC. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { secondFactorFailed } from '../errors.ts';
import type { Identity } from '../identity.ts';
import { clearSessionCookie, requirePrincipal } from '../request-authentication.ts';
import type { SessionStage } from '../sessions.ts';
import {
  contextOf,
  emptyAnswer,
  IDENTITY_BODY_LIMIT,
  identityInput,
  issueCookie,
  sessionAt,
} from './common.ts';
import {
  activatedAnswer,
  loginAnswer,
  mySessionsAnswer,
  noContent,
  passkeyRegisteredAnswer,
  passkeysAnswer,
  passwordChangedAnswer,
  recoveryCodesAnswer,
  redirect,
  resetAnswer,
  resetRequestedAnswer,
  secondFactorAnswer,
  sessionAnswer,
  totpConfirmedAnswer,
  totpEnrolmentSchema,
  webAuthnOptions,
} from './shapes.ts';

const email = z.string().trim().min(3).max(254).email();
const password = z.string().min(1).max(1024);
const loginSchema = z.object({ email, password }).strict();
const codeSchema = z.object({ code: z.string().trim().min(1).max(64) }).strict();
const activateSchema = z.object({ token: z.string().min(1).max(200), password }).strict();
const passwordChangeSchema = z.object({ currentPassword: password, newPassword: password }).strict();
// Any string up to the limit: a malformed address must answer exactly like an unknown one.
const resetRequestSchema = z.object({ email: z.string().max(254) }).strict();
const resetSchema = z.object({ token: z.string().min(1).max(200), password }).strict();
const passkeyResponseSchema = z.object({ response: z.unknown() }).strict();
const passkeyRegistrationSchema = z
  .object({ response: z.unknown(), name: z.string().trim().min(1).max(64).optional() })
  .strict();
const idParam = z.object({ id: z.string().min(1).max(1400) });

const OIDC_COOKIE = 'shomei_oidc';

/** The session checks run before the body is validated, so 401/409 come before 400 as they always did. */
const at = (stages: readonly SessionStage[]) => async (request: FastifyRequest) =>
  void sessionAt(request, stages);
const signedIn = async (request: FastifyRequest) => void requirePrincipal(request);

const opts = { bodyLimit: IDENTITY_BODY_LIMIT, config: identityInput };
/** A route that reads nothing but the session: its summary and what it answers, by status. */
const answers = <R extends Record<number, z.ZodType>>(summary: string, response: R) => ({
  schema: { summary, response },
});
const withAnswer = <R extends Record<number, z.ZodType>>(summary: string, response: R) => ({
  ...opts,
  ...answers(summary, response),
});
const oidcAnswers = (to: string) => ({
  302: redirect(to),
  404: noContent.describe('OpenID Connect is not configured'),
});
const ok = <T extends z.ZodType>(answer: T) => ({ 200: answer });
/** Nothing to remove: an empty 404, as before the schemas. */
const removedOrNone = { 204: noContent, 404: noContent.describe('Nothing to remove') };

export async function authRoutes(fastify: FastifyInstance, identity: Identity): Promise<void> {
  loginRoutes(fastify, identity);
  passkeyLoginRoutes(fastify, identity);
  sessionRoutes(fastify, identity);
  passwordRoutes(fastify, identity);
  totpRoutes(fastify, identity);
  passkeyRoutes(fastify, identity);
  oidcRoutes(fastify, identity);
}

/** Login: password, then TOTP or a recovery code (a passkey below). */
function loginRoutes(fastify: FastifyInstance, identity: Identity): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/auth/login',
    {
      ...opts,
      schema: {
        summary: 'Log in with e-mail and password (first step)',
        body: loginSchema,
        response: { 200: loginAnswer },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const outcome = await identity.authenticator.login(
        body.email,
        body.password,
        contextOf(request),
        request.identitySession?.record.id,
      );
      const csrfToken = issueCookie(identity, reply, outcome.secret);
      return { next: outcome.next, secondFactors: outcome.secondFactors, csrfToken };
    },
  );

  app.post(
    '/api/auth/login/totp',
    {
      ...opts,
      schema: {
        summary: 'Second step: a TOTP code',
        body: codeSchema,
        response: { 200: secondFactorAnswer },
      },
      preValidation: at(['second-factor']),
    },
    async (request, reply) => {
      const session = sessionAt(request, ['second-factor']);
      const { body } = request;
      const done = await identity.authenticator.completeSecondFactor(
        session.record,
        { method: 'totp', code: body.code },
        contextOf(request),
      );
      return {
        next: 'done' as const,
        methods: done.methods,
        csrfToken: issueCookie(identity, reply, done.secret),
      };
    },
  );

  app.post(
    '/api/auth/login/recovery-code',
    {
      ...opts,
      schema: {
        summary: 'Second step: a recovery code',
        body: codeSchema,
        response: { 200: secondFactorAnswer },
      },
      preValidation: at(['second-factor']),
    },
    async (request, reply) => {
      const session = sessionAt(request, ['second-factor']);
      const { body } = request;
      const done = await identity.authenticator.completeSecondFactor(
        session.record,
        { method: 'recovery-code', code: body.code },
        contextOf(request),
      );
      const remaining = await identity.recoveryCodes.remaining(session.record.userId);
      return {
        next: 'done' as const,
        methods: done.methods,
        remainingRecoveryCodes: remaining,
        csrfToken: issueCookie(identity, reply, done.secret),
      };
    },
  );
}

/** Login's second step with a passkey: its options, then the assertion. */
function passkeyLoginRoutes(fastify: FastifyInstance, identity: Identity): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/auth/login/passkey/options',
    withAnswer('Second step: options for a passkey assertion', ok(webAuthnOptions)),
    async (request) => {
      const session = sessionAt(request, ['second-factor']);
      // A plain copy: the loose answer schema takes an object type, not the library's interface.
      return { ...(await identity.passkeys.authenticationOptions(session.record.userId, session.record.id)) };
    },
  );

  app.post(
    '/api/auth/login/passkey',
    {
      bodyLimit: 64 * 1024,
      config: identityInput,
      schema: {
        summary: 'Second step: a passkey assertion',
        body: passkeyResponseSchema,
        response: { 200: secondFactorAnswer },
      },
      preValidation: at(['second-factor']),
    },
    async (request, reply) => {
      const session = sessionAt(request, ['second-factor']);
      const { body } = request;
      const done = await identity.authenticator.completeSecondFactor(
        session.record,
        { method: 'passkey', response: body.response },
        contextOf(request),
      );
      return {
        next: 'done' as const,
        methods: done.methods,
        csrfToken: issueCookie(identity, reply, done.secret),
      };
    },
  );
}

/** Logout, the current session and the list of one's sessions. */
function sessionRoutes(fastify: FastifyInstance, identity: Identity): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/auth/logout',
    withAnswer('Log out (ends this session)', { 204: noContent }),
    async (request, reply) => {
      const session = request.identitySession;
      if (session !== undefined) await identity.logout(session.record, contextOf(request));
      clearSessionCookie(reply, identity.sessionCookie);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/session',
    answers('Who this session belongs to', ok(sessionAnswer)),
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      const session = request.identitySession;
      if (session === undefined) return { authenticated: false as const };
      const user = await identity.getUser(session.record.userId);
      return {
        authenticated: request.principal !== undefined,
        stage: session.record.stage,
        assurance: session.record.assurance,
        methods: session.record.methods,
        federation: session.record.federation,
        expiresAt: session.record.expiresAt,
        csrfToken: session.csrfToken,
        user:
          user === undefined
            ? null
            : { id: user.id, tenantId: user.tenantId, email: user.email, displayName: user.displayName },
      };
    },
  );

  app.get('/api/auth/sessions', answers('My sessions', ok(mySessionsAnswer)), async (request) => {
    const principal = requirePrincipal(request);
    const sessions = await identity.listSessions(principal.userId);
    return {
      sessions: sessions.map((s) => ({
        id: s.id,
        current: s.id === principal.sessionRef,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        expiresAt: s.expiresAt,
        source: s.source,
        userAgent: s.userAgent,
        assurance: s.assurance,
        methods: s.methods,
      })),
    };
  });

  app.delete(
    '/api/auth/sessions/:id',
    {
      schema: { summary: 'End one of my sessions', params: idParam, response: { 204: noContent } },
      config: identityInput,
      preValidation: signedIn,
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const { id } = request.params;
      await identity.revokeSession(id, principal, 'revoked-by-user');
      if (id === principal.sessionRef) clearSessionCookie(reply, identity.sessionCookie);
      return reply.status(204).send(null);
    },
  );
}

/** Activation, password reset by mail and password change. */
function passwordRoutes(fastify: FastifyInstance, identity: Identity): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/auth/activate',
    {
      ...opts,
      schema: {
        summary: 'Activate an account and set its password',
        body: activateSchema,
        response: { 200: activatedAnswer },
      },
    },
    async (request) => {
      const { body } = request;
      const user = await identity.activate(body.token, body.password, contextOf(request));
      return { userId: user.id, status: user.status, next: 'login' as const };
    },
  );

  // Password reset by mail: the same answer for every address (no account enumeration).
  app.post(
    '/api/auth/password-reset/request',
    {
      ...opts,
      schema: {
        summary: 'Ask for a password-reset mail (same answer for every address)',
        body: resetRequestSchema,
        response: { 202: resetRequestedAnswer },
      },
    },
    async (request, reply) => {
      const { body } = request;
      await identity.passwordReset.request(body.email, contextOf(request));
      return reply
        .status(202)
        .header('cache-control', 'no-store')
        .send({ accepted: true as const });
    },
  );

  app.post(
    '/api/auth/password-reset',
    {
      ...opts,
      schema: {
        summary: 'Set a new password with the mailed token',
        body: resetSchema,
        response: { 200: resetAnswer },
      },
    },
    async (request, reply) => {
      const { body } = request;
      await identity.passwordReset.complete(body.token, body.password, contextOf(request));
      return reply.header('cache-control', 'no-store').send({ reset: true as const, next: 'login' as const });
    },
  );

  app.post(
    '/api/auth/password',
    {
      ...opts,
      schema: {
        summary: 'Change the password',
        body: passwordChangeSchema,
        response: { 200: passwordChangedAnswer },
      },
      preValidation: signedIn,
    },
    async (request) => {
      const principal = requirePrincipal(request);
      const { body } = request;
      await identity.changePassword(principal, body.currentPassword, body.newPassword, contextOf(request));
      return { changed: true as const };
    },
  );
}

/** TOTP enrolment and recovery codes. */
function totpRoutes(fastify: FastifyInstance, identity: Identity): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/auth/totp/enrol',
    withAnswer('Begin TOTP enrolment', ok(totpEnrolmentSchema)),
    async (request, reply) => {
      const session = sessionAt(request, ['enrolment', 'authenticated']);
      const user = await identity.getUser(session.record.userId);
      const enrolment = await identity.totp.begin(
        session.record.userId,
        user?.email ?? session.record.userId,
      );
      void reply.header('cache-control', 'no-store');
      return enrolment;
    },
  );

  app.post(
    '/api/auth/totp/confirm',
    {
      ...opts,
      schema: {
        summary: 'Confirm TOTP enrolment with a first code',
        body: codeSchema,
        response: { 200: totpConfirmedAnswer },
      },
      preValidation: at(['enrolment', 'authenticated']),
    },
    async (request, reply) => {
      const session = sessionAt(request, ['enrolment', 'authenticated']);
      const { body } = request;
      const ok = await identity.totp.confirm(session.record.userId, body.code);
      await identity.recordEnrolment(session.record, 'totp', ok ? 'success' : 'failure', contextOf(request));
      if (!ok) throw secondFactorFailed();
      const recoveryCodes = await identity.recoveryCodes.regenerate(session.record.userId);
      await identity.recordEnrolment(session.record, 'recovery-codes', 'success', contextOf(request), {
        count: recoveryCodes.length,
      });
      const secret = await identity.authenticator.afterEnrolment(session.record, 'totp');
      return { recoveryCodes, csrfToken: issueCookie(identity, reply, secret) };
    },
  );

  app.delete(
    '/api/auth/totp',
    answers('Remove my TOTP authenticator', removedOrNone),
    async (request, reply) => {
      requirePrincipal(request);
      const session = sessionAt(request, ['authenticated']);
      const removed = await identity.removeSecondFactor(session.record, { kind: 'totp' }, contextOf(request));
      return emptyAnswer(reply, removed ? 204 : 404);
    },
  );

  app.post(
    '/api/auth/recovery-codes',
    withAnswer('New recovery codes (the old ones stop working)', ok(recoveryCodesAnswer)),
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const session = sessionAt(request, ['authenticated']);
      const recoveryCodes = await identity.recoveryCodes.regenerate(principal.userId);
      await identity.recordEnrolment(session.record, 'recovery-codes', 'success', contextOf(request), {
        count: recoveryCodes.length,
      });
      void reply.header('cache-control', 'no-store');
      return { recoveryCodes };
    },
  );
}

/** Passkey registration, list and removal. */
function passkeyRoutes(fastify: FastifyInstance, identity: Identity): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/auth/passkeys/options',
    withAnswer('Options for registering a passkey', ok(webAuthnOptions)),
    async (request) => {
      const session = sessionAt(request, ['enrolment', 'authenticated']);
      const user = await identity.getUser(session.record.userId);
      if (user === undefined) throw secondFactorFailed();
      return { ...(await identity.passkeys.registrationOptions(user, session.record.id)) };
    },
  );

  app.post(
    '/api/auth/passkeys',
    {
      bodyLimit: 64 * 1024,
      config: identityInput,
      schema: {
        summary: 'Register a passkey',
        body: passkeyRegistrationSchema,
        response: { 201: passkeyRegisteredAnswer },
      },
      preValidation: at(['enrolment', 'authenticated']),
    },
    async (request, reply) => {
      const session = sessionAt(request, ['enrolment', 'authenticated']);
      const { body } = request;
      const passkey = await identity.passkeys.register(
        session.record.userId,
        session.record.id,
        body.response,
        body.name ?? 'passkey',
      );
      await identity.recordEnrolment(
        session.record,
        'passkey',
        passkey === null ? 'failure' : 'success',
        contextOf(request),
        passkey === null ? {} : { passkeyId: passkey.id },
      );
      if (passkey === null) throw secondFactorFailed();
      const secret = await identity.authenticator.afterEnrolment(session.record, 'passkey');
      return reply.status(201).send({ passkey, csrfToken: issueCookie(identity, reply, secret) });
    },
  );

  app.get('/api/auth/passkeys', answers('My passkeys', ok(passkeysAnswer)), async (request) => {
    const principal = requirePrincipal(request);
    return { passkeys: await identity.passkeys.list(principal.userId) };
  });

  app.delete(
    '/api/auth/passkeys/:id',
    {
      schema: { summary: 'Remove a passkey', params: idParam, response: removedOrNone },
      config: identityInput,
      preValidation: signedIn,
    },
    async (request, reply) => {
      requirePrincipal(request);
      const { id } = request.params;
      const session = sessionAt(request, ['authenticated']);
      const removed = await identity.removeSecondFactor(
        session.record,
        { kind: 'passkey', id },
        contextOf(request),
      );
      return emptyAnswer(reply, removed ? 204 : 404);
    },
  );
}

/** OpenID Connect login (start and callback). */
function oidcRoutes(fastify: FastifyInstance, identity: Identity): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/auth/oidc/start',
    answers('Log in with OpenID Connect', oidcAnswers('To the identity provider')),
    async (_request, reply) => {
      const federation = identity.federation;
      if (federation === undefined) return emptyAnswer(reply, 404);
      const { handle, authorizationUrl } = await federation.begin();
      void reply.setCookie(OIDC_COOKIE, handle, {
        httpOnly: true,
        secure: identity.sessionCookie.secure,
        sameSite: 'lax',
        path: '/api/auth/oidc',
        maxAge: 600,
      });
      return reply.redirect(authorizationUrl, 302);
    },
  );

  // The query carries the authorization code: request logging is kept off for this route.
  app.get(
    '/api/auth/oidc/callback',
    {
      logLevel: 'warn',
      ...answers('Where the identity provider returns', oidcAnswers('To the web UI, ?login=<next step>')),
    },
    async (request, reply) => {
      const federation = identity.federation;
      if (federation === undefined) return emptyAnswer(reply, 404);
      const handle = request.cookies[OIDC_COOKIE];
      void reply.clearCookie(OIDC_COOKIE, { path: '/api/auth/oidc' });
      const callbackUrl = new URL(request.url, identity.settings.publicUrl);
      const outcome = await federation.finish(
        handle,
        callbackUrl,
        contextOf(request),
        request.identitySession?.record.id,
      );
      issueCookie(identity, reply, outcome.secret);
      return reply.redirect(`${identity.settings.publicUrl}/?login=${outcome.next}`, 302);
    },
  );
}
