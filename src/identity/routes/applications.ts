/** `/api/applications/…`: apply (anyone), list and decide (operators with the privilege). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { applicationShapes } from '../applications.ts';
import { notFound } from '../errors.ts';
import type { Identity } from '../identity.ts';
import type { IdentityPrivilege } from '../model.ts';
import { requirePrincipal, requirePrivilege } from '../request-authentication.ts';
import {
  applicationListAnswer,
  applicationSchema,
  approvedAnswer,
  applicationIdParams as idParam,
  applicationListQuery as listQuery,
  rejectedAnswer,
  rejectionBody as rejectSchema,
  submittedAnswer,
} from './application-shapes.ts';
import { contextOf, IDENTITY_BODY_LIMIT, identityInput } from './common.ts';

/** POST /api/applications per source address and hour (the server's @fastify/rate-limit). */
const APPLICATIONS_PER_SOURCE_PER_HOUR = 10;

export async function applicationRoutes(fastify: FastifyInstance, identity: Identity): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // The privilege is checked before the input, so 401/403 come before 400 as they always did.
  const privileged = (privilege: IdentityPrivilege) => async (request: FastifyRequest) =>
    void (await requirePrivilege(identity, request, privilege));
  const opts = { bodyLimit: IDENTITY_BODY_LIMIT };

  // Public and mailing: each source address may apply a few times an hour (SHOMEI_RATE_LIMITED).
  const applyLimit = { rateLimit: { max: APPLICATIONS_PER_SOURCE_PER_HOUR, timeWindow: 3600_000 } };
  app.post(
    '/api/applications',
    {
      ...opts,
      schema: {
        summary: 'Apply for an account (anyone)',
        body: applicationShapes().applicationInput.strict(),
        response: { 201: submittedAnswer },
      },
      config: { ...applyLimit, ...identityInput },
    },
    async (request, reply) => {
      const input = request.body;
      const { id } = await identity.submitApplication(input, contextOf(request));
      return reply.status(201).send({ id, status: 'pending' as const });
    },
  );

  app.get(
    '/api/applications',
    {
      schema: {
        summary: 'List applications',
        querystring: listQuery,
        response: { 200: applicationListAnswer },
      },
      config: identityInput,
      preValidation: privileged('identity.applications.decide'),
    },
    async (request) => {
      const query = request.query;
      return { applications: await identity.applications.list(query.status, query.limit ?? 100) };
    },
  );

  app.get(
    '/api/applications/:id',
    {
      schema: { summary: 'Read an application', params: idParam, response: { 200: applicationSchema } },
      config: identityInput,
      preValidation: privileged('identity.applications.decide'),
    },
    async (request) => {
      const { id } = request.params;
      const application = await identity.applications.get(id);
      if (application === undefined) throw notFound('application');
      return application;
    },
  );

  app.post(
    '/api/applications/:id/approve',
    {
      ...opts,
      schema: {
        summary: 'Approve an application (identity checked)',
        params: idParam,
        body: applicationShapes().approval.strict(),
        response: { 200: approvedAnswer },
      },
      config: identityInput,
      preValidation: privileged('identity.applications.decide'),
    },
    async (request) => {
      const operator = requirePrincipal(request);
      const { id } = request.params;
      const decision = request.body;
      const approval = await identity.approveApplication(id, decision, operator);
      return {
        application: approval.application,
        tenantId: approval.tenant.id,
        userId: approval.user.id,
        activationExpiresAt: approval.activationExpiresAt,
      };
    },
  );

  app.post(
    '/api/applications/:id/reject',
    {
      ...opts,
      schema: {
        summary: 'Reject an application',
        params: idParam,
        body: rejectSchema,
        response: { 200: rejectedAnswer },
      },
      config: identityInput,
      preValidation: privileged('identity.applications.decide'),
    },
    async (request) => {
      const operator = requirePrincipal(request);
      const { id } = request.params;
      const body = request.body;
      await identity.rejectApplication(id, body.reason, operator);
      return { id, status: 'rejected' as const };
    },
  );
}
