/**
 * The checks every /api/admin route makes of its caller (ConsoleGuard): signed in, holding the
 * route's privilege, each refusal audited. Routes run them as preValidation hooks, so who asks is
 * settled before what they sent; the handler's own call then reuses the answer.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AuditTrail } from '../audit/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { Principal } from '../identity/index.ts';
import type { ConsoleGuard } from './console.ts';
import { invalidInput, notAuthorised } from './errors.ts';
import { PRIVILEGE_ROLES, type Privilege } from './privileges.ts';
import type { AdminServices } from './service.ts';

/** Route config: a field the declared schema refuses answers as the admin services do. */
export const adminInput = {
  invalidInput: (field: string, issue: string) => invalidInput(field, issue),
};

/** The admin plugin with its routes typed by their zod schemas. */
export const withZod = (app: FastifyInstance) => app.withTypeProvider<ZodTypeProvider>();
export type ZodApp = ReturnType<typeof withZod>;

export interface GuardedApp {
  readonly api: ZodApp;
  readonly guard: ConsoleGuard;
}

const routeOf = (request: FastifyRequest) => request.routeOptions.url ?? request.url.slice(0, 200);

export function consoleGuard(admin: AdminServices, trail: AuditTrail): ConsoleGuard {
  const granted = new WeakMap<FastifyRequest, Set<Privilege>>();

  const principal = async (request: FastifyRequest): Promise<Principal> => {
    const signedIn = (request as { principal?: Principal }).principal;
    if (signedIn !== undefined) return signedIn;
    await trail.append({
      type: 'admin.access.denied',
      actor: { kind: 'anonymous', id: 'unauthenticated' },
      outcome: 'failure',
      source: request.ip,
      details: { route: routeOf(request), reason: 'not-authenticated' },
    });
    throw shomeiError('SHOMEI_AUTH_REQUIRED', 'ログインが必要です。', 'You need to log in.', { status: 401 });
  };

  const require = async (request: FastifyRequest, privilege: Privilege): Promise<Principal> => {
    const user = await principal(request);
    if (granted.get(request)?.has(privilege) === true) return user;
    if (!(await admin.hasPrivilege(user.userId, privilege))) {
      await trail.append({
        type: 'admin.access.denied',
        actor: { kind: 'user', id: user.userId, tenantId: user.tenantId },
        outcome: 'failure',
        source: request.ip,
        details: { route: routeOf(request), privilege },
      });
      throw notAuthorised(privilege, PRIVILEGE_ROLES[privilege]);
    }
    granted.set(request, new Set([...(granted.get(request) ?? []), privilege]));
    return user;
  };

  return {
    require,
    principal,
    before: (privilege) => async (request) => void (await require(request, privilege)),
    signedIn: async (request) => void (await principal(request)),
    async requestApproval(request, kind, payload) {
      const user = await principal(request);
      return admin.dualControl.request(kind, payload, user.userId, request.ip);
    },
    async record(request, user, type, details) {
      await trail.append({
        type,
        actor: { kind: 'user', id: user.userId, tenantId: user.tenantId },
        outcome: 'success',
        source: request.ip,
        details: { ...details },
      });
    },
  };
}
