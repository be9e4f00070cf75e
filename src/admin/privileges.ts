/**
 * The privilege check other modules inject (identity's PrivilegeCheck): each operator function is
 * mapped onto the roles that may perform it. Reading the audit trail is for auditors only by default
 * (JT2A 7.1.4 restricted audit review).
 */
import type { IdentityPrivilege, Principal, PrivilegeCheck } from '../identity/index.ts';
import type { RoleGrants } from './grants.ts';
import type { Role } from './roles.ts';

export const ADMIN_PRIVILEGES = [
  'audit.read',
  'audit.export',
  'alerts.read',
  'approvals.read',
  'training.record',
  'terminals.manage',
  'credentials.read',
  'credentials.manage',
  'certificates.read',
  'certificates.manage',
  'backups.read',
  'backups.manage',
  'seal.sign',
  'archive.renew',
  'tenants.export',
  'tenants.manage',
  'keys.rekey',
  'hsm.configure',
  'service.terminate',
] as const;
export type AdminPrivilege = (typeof ADMIN_PRIVILEGES)[number];
export type Privilege = IdentityPrivilege | AdminPrivilege;

export const PRIVILEGE_ROLES: Record<Privilege, readonly Role[]> = {
  'identity.applications.decide': ['ra_operator'],
  'identity.accounts.unlock': ['system_operator', 'system_administrator'],
  'identity.accounts.manage': ['system_administrator'],
  'identity.sessions.revoke': ['security_officer', 'system_administrator'],
  'audit.read': ['system_auditor'],
  'audit.export': ['system_auditor'],
  'alerts.read': ['system_auditor', 'security_officer', 'system_administrator'],
  'approvals.read': ['security_officer', 'system_administrator', 'system_operator', 'system_auditor'],
  'training.record': ['security_officer'],
  'terminals.manage': ['security_officer'],
  // Day-to-day operation of signing credentials, certificates and backups (JT2A 7.1.1): operators and
  // administrators; never the auditor, who reviews these actions in the trail.
  'credentials.read': ['system_operator', 'system_administrator'],
  'credentials.manage': ['system_operator', 'system_administrator'],
  'certificates.read': ['system_operator', 'system_administrator'],
  // Issuing certificates and importing an outside CA's: configuration of the service (JT2A 7.1.1).
  'certificates.manage': ['system_administrator'],
  'backups.read': ['system_operator', 'system_administrator'],
  'backups.manage': ['system_operator', 'system_administrator'],
  // The provider's e-seal and archive timestamps sign in the provider's name (issue #18): operation.
  'seal.sign': ['system_operator', 'system_administrator'],
  'archive.renew': ['system_operator', 'system_administrator'],
  // A tenant's whole record leaves the service (termination, no lock-in): operation, audited.
  'tenants.export': ['system_operator', 'system_administrator'],
  // Tenant permissions and API keys are configuration; revoking a leaked key is also the CISO's.
  'tenants.manage': ['system_administrator', 'security_officer'],
  // Re-wrapping under the KEKs and starting new KEK epochs (ADR 017): configuration of keys.
  'keys.rekey': ['system_administrator'],
  // Accepting a changed HSM configuration as the new baseline (JT2A III app. 1 §7): the CISO.
  'hsm.configure': ['security_officer'],
  // Carrying out an approved service termination (ADR 036): the administrator who asked for it.
  'service.terminate': ['system_administrator'],
};

export async function userHasPrivilege(
  grants: RoleGrants,
  userId: string,
  privilege: Privilege,
): Promise<boolean> {
  const roles = PRIVILEGE_ROLES[privilege];
  if (roles === undefined) return false;
  return grants.hasAnyRole(userId, roles);
}

/** The implementation of identity's PrivilegeCheck with role grants. */
export function privilegeCheckFor(grants: RoleGrants): PrivilegeCheck {
  return (principal: Principal, privilege: IdentityPrivilege) =>
    userHasPrivilege(grants, principal.userId, privilege);
}
