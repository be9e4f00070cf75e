/**
 * Roles and their separation of duties (JT2A 7.1.1). Four privileged roles, plus the RA operator.
 * Conflicts are enforced when a role is granted: nobody holds two privileged roles (which already
 * covers security officer ≠ auditor and administrator/operator ≠ auditor/security officer), and an
 * auditor does not also approve registrations, since the auditor reviews those decisions.
 */

export const PRIVILEGED_ROLES = [
  'security_officer',
  'system_administrator',
  'system_operator',
  'system_auditor',
] as const;
export const ROLES = [...PRIVILEGED_ROLES, 'ra_operator'] as const;

export type PrivilegedRole = (typeof PRIVILEGED_ROLES)[number];
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Record<Role, { ja: string; en: string }> = {
  security_officer: { ja: 'セキュリティ統括責任者', en: 'Security Officer' },
  system_administrator: { ja: 'システム管理者', en: 'System Administrator' },
  system_operator: { ja: 'システム運用者', en: 'System Operator' },
  system_auditor: { ja: 'システム監査者', en: 'System Auditor' },
  ra_operator: { ja: '登録局担当者', en: 'RA Operator' },
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isPrivileged(role: Role): role is PrivilegedRole {
  return (PRIVILEGED_ROLES as readonly string[]).includes(role);
}

export interface RoleConflict {
  readonly held: Role;
  readonly requested: Role;
  /** Which rule forbids holding both. */
  readonly rule: string;
}

/** The first rule that forbids `requested` next to the roles already `held`, if any. */
export function findRoleConflict(held: readonly Role[], requested: Role): RoleConflict | undefined {
  for (const role of held) {
    if (role === requested) continue;
    if (isPrivileged(role) && isPrivileged(requested)) {
      const pair = new Set([role, requested]);
      const rule =
        pair.has('security_officer') && pair.has('system_auditor')
          ? 'JT2A 7.1.1: a security officer is never also the system auditor'
          : pair.has('system_auditor') || pair.has('security_officer')
            ? 'JT2A 7.1.1: administrators and operators are never auditors or security officers'
            : 'JT2A 7.1.1: nobody holds two privileged roles';
      return { held: role, requested, rule };
    }
    const pair = new Set([role, requested]);
    if (pair.has('system_auditor') && pair.has('ra_operator')) {
      return { held: role, requested, rule: 'an auditor does not also make the RA decisions they review' };
    }
  }
  return undefined;
}
