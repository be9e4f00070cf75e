/**
 * Who a CSC call acts for, shared by the verbs: the userID a token may or must name, the credential
 * the caller is entitled to, and operationMode "A" (csc-api-v2 §4.15–4.17).
 */
import { entitled } from '../activation.ts';
import type { AsyncMethod } from '../asynchronous.ts';
import { CSC, invalidRequest } from '../errors.ts';
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { CredentialTable } from '../tables.ts';

/** userID as sent: a string was checked for control characters by the shape; anything else is refused here. */
export type RequestedUser = unknown;

/** userID: absent for user-bound tokens (else 400), required for a client system's own token. */
export function requestedUser(principal: RsspPrincipal, userId: RequestedUser): string {
  if (principal.userId !== null) {
    if (userId !== undefined && userId !== null) throw CSC.userIdMustBeNull();
    return principal.userId;
  }
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 100)
    throw CSC.missingString('userID');
  return userId;
}

/** The user a client system acts for; null for a user's own token. */
export function optionalUser(principal: RsspPrincipal, userId: RequestedUser): string | null {
  if (principal.userId !== null) {
    if (userId !== undefined && userId !== null) throw CSC.userIdMustBeNull();
    return null;
  }
  return requestedUser(principal, userId);
}

/** Only signatures need it: the method's own, an access token of the service scope. */
export function requireServiceScope(principal: RsspPrincipal): void {
  if (principal.scope !== 'service') throw CSC.accessDenied();
}

export async function ownedCredential(
  deps: Pick<RsspParts, 'credentials'>,
  principal: RsspPrincipal,
  userId: RequestedUser,
  credentialId: string,
): Promise<CredentialTable> {
  const credential = await deps.credentials.get(credentialId);
  if (credential === undefined || !entitled(principal, credential, optionalUser(principal, userId))) {
    throw CSC.invalidParameter('credentialID');
  }
  return credential;
}

export interface OperationMode {
  readonly operationMode?: 'S' | 'A' | null | undefined;
  /** validity_period in ms. */
  readonly validityPeriod?: number | null | undefined;
}

/**
 * operationMode (S default, A), validity_period (ms, only with A, within the configured bounds).
 * Returns how long an asynchronous result is kept, or undefined for a synchronous call.
 */
export function asyncMode(deps: Pick<RsspParts, 'settings'>, mode: OperationMode): number | undefined {
  const { operationMode, validityPeriod: period } = mode;
  if (period === undefined || period === null)
    return operationMode === 'A' ? (deps.settings.asyncResultSeconds ?? 300) * 1000 : undefined;
  if (operationMode !== 'A') throw CSC.invalidParameter('validity_period');
  if (period < 1000 || period > (deps.settings.maxAsyncResultSeconds ?? 3600) * 1000)
    throw invalidRequest('Out of bounds parameter validity_period');
  return period;
}

/** The answer of a method run in operationMode "A": only the responseID to poll with. */
export interface StartedAsync {
  readonly responseID: string;
}

/**
 * The method's work now (validityMs undefined), or in operationMode "A": the credential checked now,
 * the work in the background, a responseID back.
 */
export async function nowOrInBackground<T extends Record<string, unknown>>(
  deps: Pick<RsspParts, 'credentials' | 'asyncResults'>,
  principal: RsspPrincipal,
  method: AsyncMethod,
  job: { userId: RequestedUser; credentialId: string; validityMs: number | undefined },
  work: () => Promise<T>,
): Promise<T | StartedAsync> {
  if (job.validityMs === undefined) return work();
  const credential = await ownedCredential(deps, principal, job.userId, job.credentialId);
  const responseID = await deps.asyncResults.start(principal, {
    method,
    credentialId: credential.credential_id,
    userId: credential.user_id,
    validityMs: job.validityMs,
    work,
  });
  return { responseID };
}
