/** `/api/applications/…`: apply (anyone), list and decide (operators with the privilege). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { applicationInputSchema, approvalSchema } from '../applications.ts';
import { notFound } from '../errors.ts';
import type { Identity } from '../identity.ts';
import { requirePrivilege } from '../request-authentication.ts';
import { contextOf, IDENTITY_BODY_LIMIT, parseInput } from './common.ts';

/** POST /api/applications per source address and hour (the server's @fastify/rate-limit). */
const APPLICATIONS_PER_SOURCE_PER_HOUR = 10;
const idParam = z.object({ id: z.string().uuid() });
const listQuery = z.object({
  status: z.enum(['pending', 'approved', 'rejected']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
const rejectSchema = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

export async function applicationRoutes(app: FastifyInstance, identity: Identity): Promise<void> {
  const opts = { bodyLimit: IDENTITY_BODY_LIMIT };

  // Public and mailing: each source address may apply a few times an hour (SHOMEI_RATE_LIMITED).
  const applyLimit = { rateLimit: { max: APPLICATIONS_PER_SOURCE_PER_HOUR, timeWindow: 3600_000 } };
  app.post('/api/applications', { ...opts, config: applyLimit }, async (request, reply) => {
    const input = parseInput(applicationInputSchema.strict(), request.body);
    const { id } = await identity.submitApplication(input, contextOf(request));
    return reply.status(201).send({ id, status: 'pending' });
  });

  app.get('/api/applications', async (request) => {
    await requirePrivilege(identity, request, 'identity.applications.decide');
    const query = parseInput(listQuery, request.query);
    return { applications: await identity.applications.list(query.status, query.limit ?? 100) };
  });

  app.get('/api/applications/:id', async (request) => {
    await requirePrivilege(identity, request, 'identity.applications.decide');
    const { id } = parseInput(idParam, request.params);
    const application = await identity.applications.get(id);
    if (application === undefined) throw notFound('application');
    return application;
  });

  app.post('/api/applications/:id/approve', opts, async (request) => {
    const operator = await requirePrivilege(identity, request, 'identity.applications.decide');
    const { id } = parseInput(idParam, request.params);
    const decision = parseInput(approvalSchema.strict(), request.body);
    const approval = await identity.approveApplication(id, decision, operator);
    return {
      application: approval.application,
      tenantId: approval.tenant.id,
      userId: approval.user.id,
      activationExpiresAt: approval.activationExpiresAt,
    };
  });

  app.post('/api/applications/:id/reject', opts, async (request) => {
    const operator = await requirePrivilege(identity, request, 'identity.applications.decide');
    const { id } = parseInput(idParam, request.params);
    const body = parseInput(rejectSchema, request.body);
    await identity.rejectApplication(id, body.reason, operator);
    return { id, status: 'rejected' };
  });
}
