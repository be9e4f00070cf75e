import { useEffect, useState } from 'react';
import { getJson } from './api.ts';
import type { MyPrivileges } from './pages/console-types.ts';
import { useSession } from './session.tsx';

/** GET /api/me/privileges: what the signed-in user may do (src/admin/privileges-routes.ts). */
export type { MyPrivileges };

/** Privileges that open a part of the operator console (/admin). */
export const CONSOLE_SECTIONS = {
  overview: [
    'approvals.read',
    'alerts.read',
    'identity.applications.decide',
    'training.record',
    'terminals.manage',
  ],
  credentials: ['credentials.read', 'certificates.read'],
  backups: ['backups.read'],
  audit: ['audit.read'],
} as const;
export type ConsoleSection = keyof typeof CONSOLE_SECTIONS;

// One request per signed-in user and page load; a new login (another user id) asks again.
const cache = new Map<string, Promise<MyPrivileges | undefined>>();

/**
 * The signed-in user's privileges, for showing only the menus they may open. The server refuses
 * everything else anyway; when the call fails the user simply sees no console menus.
 */
export function usePrivileges(): { loaded: boolean; mine: MyPrivileges | undefined } {
  const { user } = useSession();
  const [state, setState] = useState<{ userId: string | undefined; mine: MyPrivileges | undefined }>();
  useEffect(() => {
    if (user === undefined) {
      setState({ userId: undefined, mine: undefined });
      return;
    }
    let current = true;
    let pending = cache.get(user.id);
    if (pending === undefined) {
      pending = getJson<MyPrivileges>('/api/me/privileges').catch(() => undefined);
      cache.set(user.id, pending);
    }
    void pending.then((mine) => {
      if (current) setState({ userId: user.id, mine });
    });
    return () => {
      current = false;
    };
  }, [user]);
  return { loaded: state !== undefined && state.userId === user?.id, mine: state?.mine };
}

export function holds(mine: MyPrivileges | undefined, privilege: string): boolean {
  return mine?.privileges.includes(privilege) ?? false;
}

export function mayOpen(mine: MyPrivileges | undefined, section: ConsoleSection): boolean {
  return CONSOLE_SECTIONS[section].some((p) => holds(mine, p));
}

const SECTION_PATHS: Record<Exclude<ConsoleSection, 'audit'>, string> = {
  overview: '/admin',
  credentials: '/admin/credentials',
  backups: '/admin/backups',
};

/** The first operator-console screen the user may open (the audit log has its own menu). */
export function consoleHome(mine: MyPrivileges | undefined): string | undefined {
  const first = (Object.keys(SECTION_PATHS) as (keyof typeof SECTION_PATHS)[]).find((s) => mayOpen(mine, s));
  return first === undefined ? undefined : SECTION_PATHS[first];
}

export function consolePaths(
  mine: MyPrivileges | undefined,
): { readonly section: ConsoleSection; readonly path: string }[] {
  const paths = { ...SECTION_PATHS, audit: '/admin/audit' };
  return (Object.keys(paths) as ConsoleSection[])
    .filter((s) => mayOpen(mine, s))
    .map((section) => ({ section, path: paths[section] }));
}

/** Tenant permissions (src/contracts/parties/permissions.ts) the user holds: tenant.admin, corrections.read … */
export function holdsTenant(mine: MyPrivileges | undefined, permission: string): boolean {
  return mine?.tenant.permissions.includes(permission) ?? false;
}

/** The correction and deletion log: tenant administrators, corrections.read, installation auditors. */
export function mayReadRecordLog(mine: MyPrivileges | undefined): boolean {
  return (
    holdsTenant(mine, 'tenant.admin') ||
    holdsTenant(mine, 'corrections.read') ||
    (mine?.roles.some((r) => r.role === 'system_auditor') ?? false)
  );
}
