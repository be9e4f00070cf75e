/**
 * The RA step of a self-service credential application in the operator console
 * (/api/admin/credential-applications, inside the admin plugin): operators list the applications,
 * check the applicant's identity outside the system and approve with the method and reference of
 * that check (the certificate is issued then), or reject with a reason (the key is destroyed).
 */
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConsoleRoutes } from '../../admin/index.ts';
import { approveSchema, rejectSchema } from '../applications.ts';
import type { RsspRouteView } from '../service.ts';
import { credentialApplicationSchema, credentialIdParams } from './credential-shapes.ts';
import { credentialInput } from './credentials-api.ts';

const BODY_LIMIT = 4 * 1024;
const listQuery = z.object({ status: z.enum(['pending', 'approved', 'rejected']).optional() }).strict();

export function applicationConsoleRoutes(rssp: RsspRouteView): ConsoleRoutes {
  return (app, guard) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const listed = z.object({ applications: z.array(credentialApplicationSchema) });
    const list = { querystring: listQuery, response: { 200: listed } };
    const reading = { config: credentialInput, preValidation: guard.before('credentials.read') };
    api.get('/api/admin/credential-applications', { ...reading, schema: list }, async (request) => {
      const principal = await guard.require(request, 'credentials.read');
      const filter = request.query;
      const applications = await rssp.applications.list(filter);
      await guard.record(request, principal, 'admin.credential-applications.read', {
        status: filter.status ?? null,
        returned: applications.length,
      });
      return { applications };
    });

    const deciding = {
      bodyLimit: BODY_LIMIT,
      config: credentialInput,
      preValidation: guard.before('credentials.manage'),
    };
    const decided = { 200: credentialApplicationSchema };
    const approve = { params: credentialIdParams, body: approveSchema, response: decided };
    api.post(
      '/api/admin/credential-applications/:id/approve',
      { ...deciding, schema: approve },
      async (request) => {
        const principal = await guard.require(request, 'credentials.manage');
        return rssp.applications.approve(request.params.id, principal.userId, request.body);
      },
    );

    const reject = { params: credentialIdParams, body: rejectSchema, response: decided };
    api.post(
      '/api/admin/credential-applications/:id/reject',
      { ...deciding, schema: reject },
      async (request) => {
        const principal = await guard.require(request, 'credentials.manage');
        return rssp.applications.reject(request.params.id, principal.userId, request.body);
      },
    );
  };
}
