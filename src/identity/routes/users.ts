/** `/api/users/…`: one's own account; operators unlock, suspend, resume, close and re-issue activation. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuditActor } from '../../audit/events.ts';
import { notFound } from '../errors.ts';
import type { Identity } from '../identity.ts';
import type { Principal } from '../model.ts';
import { requirePrincipal, requirePrivilege } from '../request-authentication.ts';
import { IDENTITY_BODY_LIMIT, parseInput } from './common.ts';

const idParam = z.object({ id: z.string().uuid() });
const reasonSchema = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

function operatorActor(principal: Principal): AuditActor {
  return { kind: 'operator', id: principal.userId, tenantId: principal.tenantId };
}

export async function userRoutes(app: FastifyInstance, identity: Identity): Promise<void> {
  const opts = { bodyLimit: IDENTITY_BODY_LIMIT };

  app.get('/api/users/me', async (request) => {
    const principal = requirePrincipal(request);
    const user = await identity.getUser(principal.userId);
    if (user === undefined) throw notFound('user');
    const { locked: _locked, ...visible } = user;
    return visible;
  });

  app.get('/api/users/:id', async (request) => {
    await requirePrivilege(identity, request, 'identity.accounts.manage');
    const { id } = parseInput(idParam, request.params);
    const user = await identity.getUser(id);
    if (user === undefined) throw notFound('user');
    return user;
  });

  app.get('/api/users/:id/sessions', async (request) => {
    await requirePrivilege(identity, request, 'identity.accounts.manage');
    const { id } = parseInput(idParam, request.params);
    const sessions = await identity.listSessions(id);
    return {
      sessions: sessions.map((s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        source: s.source,
      })),
    };
  });

  app.post('/api/users/:id/unlock', opts, async (request) => {
    const operator = await requirePrivilege(identity, request, 'identity.accounts.unlock');
    const { id } = parseInput(idParam, request.params);
    const wasLocked = await identity.unlock(id, operator);
    return { id, wasLocked };
  });

  app.post('/api/users/:id/suspend', opts, async (request) => {
    const operator = await requirePrivilege(identity, request, 'identity.accounts.manage');
    const { id } = parseInput(idParam, request.params);
    const { reason } = parseInput(reasonSchema, request.body);
    const user = await identity.lifecycle.suspend(id, operatorActor(operator), reason);
    return { id, status: user.status };
  });

  app.post('/api/users/:id/resume', opts, async (request) => {
    const operator = await requirePrivilege(identity, request, 'identity.accounts.manage');
    const { id } = parseInput(idParam, request.params);
    const { reason } = parseInput(reasonSchema, request.body);
    const user = await identity.lifecycle.resume(id, operatorActor(operator), reason);
    return { id, status: user.status };
  });

  app.post('/api/users/:id/close', opts, async (request) => {
    const operator = await requirePrivilege(identity, request, 'identity.accounts.manage');
    const { id } = parseInput(idParam, request.params);
    const { reason } = parseInput(reasonSchema, request.body);
    const result = await identity.lifecycle.close(id, operatorActor(operator), reason);
    return { id, status: result.user.status, hookFailures: result.hookFailures };
  });

  app.post('/api/users/:id/activation', opts, async (request) => {
    const operator = await requirePrivilege(identity, request, 'identity.accounts.manage');
    const { id } = parseInput(idParam, request.params);
    await identity.issueActivation(id, operator);
    return { id, issued: true };
  });
}
