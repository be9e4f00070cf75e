/**
 * The RA step of a self-service credential application in the operator console
 * (/api/admin/credential-applications, inside the admin plugin): operators list the applications,
 * check the applicant's identity outside the system and approve with the method and reference of
 * that check (the certificate is issued then), or reject with a reason (the key is destroyed).
 */
import { z } from 'zod';
import type { ConsoleRoutes } from '../../admin/index.ts';
import { parseWith } from '../applications.ts';
import type { RsspRouteView } from '../service.ts';

const BODY_LIMIT = 4 * 1024;
const listQuery = z.object({ status: z.enum(['pending', 'approved', 'rejected']).optional() }).strict();
const idParams = z.object({ id: z.string().min(1).max(100) });

export function applicationConsoleRoutes(rssp: RsspRouteView): ConsoleRoutes {
  return (app, guard) => {
    app.get('/api/admin/credential-applications', async (request) => {
      const principal = await guard.require(request, 'credentials.read');
      const filter = parseWith(listQuery, request.query);
      const applications = await rssp.applications.list(filter);
      await guard.record(request, principal, 'admin.credential-applications.read', {
        status: filter.status ?? null,
        returned: applications.length,
      });
      return { applications };
    });

    app.post('/api/admin/credential-applications/:id/approve', { bodyLimit: BODY_LIMIT }, async (request) => {
      const principal = await guard.require(request, 'credentials.manage');
      const { id } = parseWith(idParams, request.params);
      return rssp.applications.approve(id, principal.userId, request.body);
    });

    app.post('/api/admin/credential-applications/:id/reject', { bodyLimit: BODY_LIMIT }, async (request) => {
      const principal = await guard.require(request, 'credentials.manage');
      const { id } = parseWith(idParams, request.params);
      return rssp.applications.reject(id, principal.userId, request.body);
    });
  };
}
