/**
 * GET /api/me/privileges: what the signed-in user may do, so the web UI shows only the console
 * sections they may open. It is a convenience for the menus, not the control: every /api/admin route
 * still checks the privilege itself. Outside /api/admin (no terminal check), so any signed-in user can
 * ask; it says whether this terminal is one the console would accept.
 */
import type { FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { shomeiError } from '../errors/index.ts';
import type { Principal } from '../identity/index.ts';
import { PRIVILEGE_ROLES, type Privilege } from './privileges.ts';
import { ROLE_NAMES, type Role } from './roles.ts';
import type { AdminServices } from './service.ts';
import { type MyPrivilegesView, myPrivilegesSchema } from './shapes.ts';
import { clientCertificateOf } from './terminals.ts';

export interface PrivilegesRoutesOptions {
  readonly admin: AdminServices;
  /** Extra permissions the user holds within their own tenant (granted by the contracts module). */
  readonly tenantPermissions?: (principal: Principal) => Promise<readonly string[]>;
}

/**
 * What the contracts module lets every signed-in member do within their own organisation. API keys,
 * webhooks and retention are tenant settings for tenant administrators (`tenant.admin`, listed with
 * the tenant permissions); the privileged roles above are installation-wide (provider staff).
 */
const MEMBER_PERMISSIONS = ['envelopes.create', 'envelopes.read-own'] as const;

export type MyPrivileges = MyPrivilegesView;
export type MyOperation = MyPrivilegesView['operations'][number];

const ALL_PRIVILEGES = Object.keys(PRIVILEGE_ROLES) as Privilege[];

export async function privilegesOf(
  admin: AdminServices,
  principal: Principal,
  terminalAllowed: boolean,
  tenantPermissions: readonly string[] = [],
): Promise<MyPrivileges> {
  const roles = await admin.grants.rolesOf(principal.userId);
  const held = new Set<Role>(roles);
  const has = (allowed: readonly Role[]) => allowed.some((r) => held.has(r));
  const privileges = ALL_PRIVILEGES.filter((p) => has(PRIVILEGE_ROLES[p]));
  const operations: MyOperation[] = privileges.map((id) => ({ id, dualControl: false }));
  for (const kind of admin.dualControl.describe()) {
    const mayRequest = has(kind.requesters);
    const mayApprove = has(kind.approvers);
    if (!mayRequest && !mayApprove) continue;
    operations.push({
      id: kind.kind,
      dualControl: true,
      description: kind.description,
      mayRequest,
      mayApprove,
    });
  }
  return {
    user: { id: principal.userId, tenantId: principal.tenantId },
    roles: roles.map((role) => ({ role, name: ROLE_NAMES[role] })),
    privileges,
    operations,
    tenant: { id: principal.tenantId, permissions: [...MEMBER_PERMISSIONS, ...tenantPermissions] },
    terminal: { allowed: terminalAllowed },
  };
}

export const privilegesRoutes: FastifyPluginAsync<PrivilegesRoutesOptions> = async (app, options) => {
  const { admin } = options;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const schema = { response: { 200: myPrivilegesSchema } };
  app.withTypeProvider<ZodTypeProvider>().get('/api/me/privileges', { schema }, async (request, reply) => {
    const principal = (request as { principal?: Principal }).principal;
    if (principal === undefined) {
      throw shomeiError('SHOMEI_AUTH_REQUIRED', 'ログインが必要です。', 'You need to log in.', {
        status: 401,
      });
    }
    const decision = await admin.terminals.check({
      remoteAddress: request.socket.remoteAddress,
      clientCertificate: clientCertificateOf(request.socket),
    });
    // Roles change under dual control at any moment: never cached.
    reply.header('cache-control', 'no-store');
    const extra = (await options.tenantPermissions?.(principal)) ?? [];
    return privilegesOf(admin, principal, decision.allowed, extra);
  });
};
