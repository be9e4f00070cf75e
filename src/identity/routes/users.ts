/** `/api/users/…`: one's own account; operators unlock, suspend, resume, close and re-issue activation. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditActor } from '../../audit/events.ts';
import { notFound } from '../errors.ts';
import type { Identity } from '../identity.ts';
import type { IdentityPrivilege, Principal } from '../model.ts';
import { requirePrincipal, requirePrivilege } from '../request-authentication.ts';
import { IDENTITY_BODY_LIMIT, identityInput } from './common.ts';
import {
  accountSchema,
  accountSessionsAnswer,
  accountStatusAnswer,
  activationIssuedAnswer,
  closedAnswer,
  membersAnswer,
  ownAccountSchema,
  unlockedAnswer,
} from './shapes.ts';

const idParam = z.object({ id: z.string().uuid() });
const memberQuery = z
  .object({
    q: z.string().max(100).optional(),
    /** Comma-separated account ids (at most 10, as many as approvers). */
    ids: z
      .string()
      .regex(/^[0-9a-f-]{36}(,[0-9a-f-]{36}){0,9}$/i)
      .optional(),
  })
  .strict();
const reasonSchema = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

function operatorActor(principal: Principal): AuditActor {
  return { kind: 'operator', id: principal.userId, tenantId: principal.tenantId };
}

export async function userRoutes(fastify: FastifyInstance, identity: Identity): Promise<void> {
  ownRoutes(fastify, identity);
  accountRoutes(fastify, identity);
  lifecycleRoutes(fastify, identity);
}

/** The privilege is checked before the input, so 401/403 come before 400 as they always did. */
const privilegedBy =
  (identity: Identity) => (privilege: IdentityPrivilege) => async (request: FastifyRequest) =>
    void (await requirePrivilege(identity, request, privilege));
const opts = { bodyLimit: IDENTITY_BODY_LIMIT };

/** One's own account and the tenant's member directory. */
function ownRoutes(fastify: FastifyInstance, identity: Identity): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // The answer's schema leaves out whether the account is locked (never shown to its holder).
  app.get(
    '/api/users/me',
    { schema: { summary: 'My account', response: { 200: ownAccountSchema } } },
    async (request) => {
      const principal = requirePrincipal(request);
      const user = await identity.getUser(principal.userId);
      if (user === undefined) throw notFound('user');
      return user;
    },
  );

  // The tenant's member directory for pickers (社内承認): any signed-in account of the tenant.
  app.get(
    '/api/users/members',
    {
      schema: {
        summary: "Search my organisation's members",
        querystring: memberQuery,
        response: { 200: membersAnswer },
      },
      config: identityInput,
    },
    async (request) => ({
      members: await identity.searchMembers(
        requirePrincipal(request),
        request.query.q ?? '',
        request.query.ids?.split(','),
      ),
    }),
  );
}

/** An operator reads an account and its sessions, and unlocks it. */
function accountRoutes(fastify: FastifyInstance, identity: Identity): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const privileged = privilegedBy(identity);
  app.get(
    '/api/users/:id',
    {
      schema: { summary: 'Read an account', params: idParam, response: { 200: accountSchema } },
      config: identityInput,
      preValidation: privileged('identity.accounts.manage'),
    },
    async (request) => {
      const { id } = request.params;
      const user = await identity.getUser(id);
      if (user === undefined) throw notFound('user');
      return user;
    },
  );

  app.get(
    '/api/users/:id/sessions',
    {
      schema: { summary: 'An account’s sessions', params: idParam, response: { 200: accountSessionsAnswer } },
      config: identityInput,
      preValidation: privileged('identity.accounts.manage'),
    },
    async (request) => {
      const { id } = request.params;
      const sessions = await identity.listSessions(id);
      return {
        sessions: sessions.map((s) => ({
          id: s.id,
          createdAt: s.createdAt,
          lastSeenAt: s.lastSeenAt,
          source: s.source,
        })),
      };
    },
  );

  app.post(
    '/api/users/:id/unlock',
    {
      ...opts,
      schema: { summary: 'Unlock an account', params: idParam, response: { 200: unlockedAnswer } },
      config: identityInput,
      preValidation: privileged('identity.accounts.unlock'),
    },
    async (request) => {
      const operator = requirePrincipal(request);
      const { id } = request.params;
      const wasLocked = await identity.unlock(id, operator);
      return { id, wasLocked };
    },
  );
}

/** Suspend, resume, close and a new activation link (identity.accounts.manage). */
function lifecycleRoutes(fastify: FastifyInstance, identity: Identity): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const privileged = privilegedBy(identity);
  app.post(
    '/api/users/:id/suspend',
    {
      ...opts,
      schema: {
        summary: 'Suspend an account',
        params: idParam,
        body: reasonSchema,
        response: { 200: accountStatusAnswer },
      },
      config: identityInput,
      preValidation: privileged('identity.accounts.manage'),
    },
    async (request) => {
      const operator = requirePrincipal(request);
      const { id } = request.params;
      const { reason } = request.body;
      const user = await identity.lifecycle.suspend(id, operatorActor(operator), reason);
      return { id, status: user.status };
    },
  );

  app.post(
    '/api/users/:id/resume',
    {
      ...opts,
      schema: {
        summary: 'Resume an account',
        params: idParam,
        body: reasonSchema,
        response: { 200: accountStatusAnswer },
      },
      config: identityInput,
      preValidation: privileged('identity.accounts.manage'),
    },
    async (request) => {
      const operator = requirePrincipal(request);
      const { id } = request.params;
      const { reason } = request.body;
      const user = await identity.lifecycle.resume(id, operatorActor(operator), reason);
      return { id, status: user.status };
    },
  );

  app.post(
    '/api/users/:id/close',
    {
      ...opts,
      schema: {
        summary: 'Close an account',
        params: idParam,
        body: reasonSchema,
        response: { 200: closedAnswer },
      },
      config: identityInput,
      preValidation: privileged('identity.accounts.manage'),
    },
    async (request) => {
      const operator = requirePrincipal(request);
      const { id } = request.params;
      const { reason } = request.body;
      const result = await identity.lifecycle.close(id, operatorActor(operator), reason);
      return { id, status: result.user.status, hookFailures: [...result.hookFailures] };
    },
  );

  app.post(
    '/api/users/:id/activation',
    {
      ...opts,
      schema: {
        summary: 'Send a new activation link',
        params: idParam,
        response: { 200: activationIssuedAnswer },
      },
      config: identityInput,
      preValidation: privileged('identity.accounts.manage'),
    },
    async (request) => {
      const operator = requirePrincipal(request);
      const { id } = request.params;
      await identity.issueActivation(id, operator);
      return { id, issued: true as const };
    },
  );
}
