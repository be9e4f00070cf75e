/**
 * The one door for privileged work outside the browser (ADR 019): an operator proves who they are
 * with their own account (password + TOTP), optionally once per shell through an identity session
 * (`shomei admin login`), and then goes through the same privilege rules and dual-control requests
 * as the console. Exported for every interface that needs "who is this operator" (CLI, restore).
 */
import {
  type ApprovalRequest,
  type AuthenticatedOperator,
  authenticateOperator as authenticateWithPassword,
  type OperatorCredentials,
  operatorUnauthenticated,
  type Privilege,
  requireOperatorPrivilege,
} from '../admin/index.ts';
import { operatorConsole } from './console.ts';
import type { Shomei } from './shomei.ts';

export type { AuthenticatedOperator, OperatorCredentials } from '../admin/index.ts';

/**
 * What the door needs of an installation: identity, the role grants and the audit trail. The whole
 * application is one; `shomei sign` opens only these with its e-seal (openSealSigning, ADR 043).
 */
export interface OperatorDoor {
  readonly identity: Shomei['identity'];
  readonly admin: { readonly grants: Shomei['admin']['grants'] };
  readonly audit: { readonly trail: Shomei['audit']['trail'] };
}

function deps(shomei: OperatorDoor) {
  return { identity: shomei.identity, grants: shomei.admin.grants, audit: shomei.audit.trail };
}

/** Password and TOTP code of the operator's own account; audited either way. */
export function authenticateOperator(
  shomei: OperatorDoor,
  credentials: OperatorCredentials,
  source = 'cli',
): Promise<AuthenticatedOperator> {
  return authenticateWithPassword(deps(shomei), credentials, source);
}

/**
 * Authenticates and opens an identity session for the operator (listed and revocable like a console
 * session, same lifetime); the secret is returned once for the caller to keep private.
 */
export async function startOperatorSession(
  shomei: Shomei,
  credentials: OperatorCredentials,
  source = 'cli',
): Promise<{ secret: string; operator: AuthenticatedOperator; expiresAt: string }> {
  const operator = await authenticateOperator(shomei, credentials, source);
  const user = await shomei.identity.getUser(operator.userId);
  if (user === undefined) throw operatorUnauthenticated('no-account');
  const { secret, session } = await shomei.identity.sessions.start({
    userId: user.id,
    tenantId: user.tenantId,
    stage: 'authenticated',
    assurance: 'aal2',
    methods: ['password', 'totp'],
    source,
    userAgent: 'shomei-cli',
  });
  return { secret, operator, expiresAt: session.expiresAt };
}

/** The operator of a live session started by `startOperatorSession` (or the console). */
export async function operatorFromSession(
  shomei: OperatorDoor,
  secret: string,
  source = 'cli',
): Promise<AuthenticatedOperator> {
  const resolved = await shomei.identity.resolveRequestSession(secret);
  const principal = resolved?.principal;
  if (principal === undefined || !principal.methods.includes('totp')) {
    await shomei.audit.trail.append({
      type: 'admin.operator.authenticate',
      actor: { kind: 'anonymous', id: 'unknown' },
      outcome: 'failure',
      source,
      details: { reason: 'session' },
    });
    throw operatorUnauthenticated('session');
  }
  const roles = await shomei.admin.grants.rolesOf(principal.userId);
  if (roles.length === 0) throw operatorUnauthenticated('no-role');
  return { userId: principal.userId, email: principal.email, roles, source };
}

/** The console's privilege rule for operations without dual control; refusals are audited. */
export function requirePrivilege(
  shomei: OperatorDoor,
  operator: AuthenticatedOperator,
  privilege: Privilege,
): Promise<void> {
  return requireOperatorPrivilege(deps(shomei), operator, privilege);
}

/**
 * Asks for a dual-controlled operation in the operator's name: nothing happens until a second
 * authorised person approves it (console or `shomei admin approve`).
 */
export function requestApproval(
  shomei: Shomei,
  operator: AuthenticatedOperator,
  kind: string,
  payload: Record<string, unknown>,
): Promise<ApprovalRequest> {
  operatorConsole(shomei); // registers the kinds other modules own (revocations, restore, TSA renewal)
  return shomei.admin.dualControl.request(kind, payload, operator.userId, operator.source);
}

export function decideApproval(
  shomei: Shomei,
  operator: AuthenticatedOperator,
  requestId: string,
  decision: 'approve' | 'reject',
): Promise<ApprovalRequest> {
  operatorConsole(shomei);
  const control = shomei.admin.dualControl;
  return decision === 'approve'
    ? control.approve(requestId, operator.userId, operator.source)
    : control.reject(requestId, operator.userId, operator.source);
}
