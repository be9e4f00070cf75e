/**
 * Who runs a privileged command outside a browser session (the server CLI, a restore): a named
 * account proved by password and a TOTP code, as at the console's login (ADR 019). The outcome is
 * audited; the password and code never leave this function.
 */
import type { AuditTrail } from '../audit/index.ts';
import { isShomeiError, type ShomeiError, shomeiError } from '../errors/index.ts';
import type { IdentityService } from '../identity/index.ts';
import { notAuthorised } from './errors.ts';
import type { RoleGrants } from './grants.ts';
import { PRIVILEGE_ROLES, type Privilege } from './privileges.ts';
import type { Role } from './roles.ts';

export interface OperatorCredentials {
  /** The login name (email address) of the operator's own account. */
  readonly email: string;
  readonly password: string;
  /** The current code of the account's confirmed TOTP authenticator. */
  readonly totpCode: string;
}

export interface AuthenticatedOperator {
  readonly userId: string;
  readonly email: string;
  readonly roles: readonly Role[];
  /** Where the operator came from (recorded with every action), e.g. `cli`. */
  readonly source: string;
}

export interface OperatorAuthenticationDependencies {
  readonly identity: Pick<IdentityService, 'verifyPassword' | 'verifyTotpCode'>;
  readonly grants: RoleGrants;
  readonly audit: AuditTrail;
}

export function operatorUnauthenticated(reason: string): ShomeiError {
  return shomeiError(
    'SHOMEI_OPERATOR_UNAUTHENTICATED',
    '操作者を認証できませんでした。自分のアカウントのメールアドレス・パスワード・ワンタイムコードが必要です。',
    'The operator could not be authenticated: the email, password and one-time code of your own account are needed.',
    { status: 401, details: { reason } },
  );
}

/**
 * Checks password and TOTP code under the login page's lockout and replay rules, and that the account
 * holds a role. Any failure is SHOMEI_OPERATOR_UNAUTHENTICATED, whatever the reason, and audited.
 */
export async function authenticateOperator(
  deps: OperatorAuthenticationDependencies,
  credentials: OperatorCredentials,
  source: string,
): Promise<AuthenticatedOperator> {
  const email = typeof credentials.email === 'string' ? credentials.email.slice(0, 254) : '';
  const refuse = async (reason: string, userId?: string): Promise<never> => {
    await deps.audit.append({
      type: 'admin.operator.authenticate',
      actor: userId === undefined ? { kind: 'anonymous', id: 'unknown' } : { kind: 'user', id: userId },
      outcome: 'failure',
      source,
      details: { email, reason },
    });
    throw operatorUnauthenticated(reason);
  };
  if (email === '' || credentials.password === '' || !/^\d{6,8}$/.test(credentials.totpCode ?? '')) {
    return refuse('credentials-missing');
  }
  let userId: string;
  try {
    userId = (await deps.identity.verifyPassword({ email, password: credentials.password, source })).id;
  } catch (error) {
    return refuse(isShomeiError(error) ? error.code : 'password');
  }
  if (!(await deps.identity.verifyTotpCode(userId, credentials.totpCode, source))) {
    return refuse('second-factor', userId);
  }
  const roles = await deps.grants.rolesOf(userId);
  if (roles.length === 0) return refuse('no-role', userId);
  await deps.audit.append({
    type: 'admin.operator.authenticate',
    actor: { kind: 'user', id: userId },
    outcome: 'success',
    source,
    details: { email, roles },
  });
  return { userId, email, roles, source };
}

/** The console's privilege rule for a non-dual-controlled operation; a refusal is audited. */
export async function requireOperatorPrivilege(
  deps: Pick<OperatorAuthenticationDependencies, 'grants' | 'audit'>,
  operator: AuthenticatedOperator,
  privilege: Privilege,
): Promise<void> {
  const roles = PRIVILEGE_ROLES[privilege];
  if (await deps.grants.hasAnyRole(operator.userId, roles)) return;
  await deps.audit.append({
    type: 'admin.access.denied',
    actor: { kind: 'user', id: operator.userId },
    outcome: 'failure',
    source: operator.source,
    details: { privilege },
  });
  throw notAuthorised(privilege, roles);
}
