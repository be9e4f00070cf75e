/** credentials/authorizeCheck (csc-api-v2 §11.7): the SAD of a decoupled approval once given, else the handle again (202). */
import { AuthorizationPending } from '../decoupled.ts';
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { Authorization } from './authorize.ts';
import { optionalUser, type RequestedUser, requireServiceScope } from './caller.ts';

export type CheckAuthorizationDependencies = Pick<RsspParts, 'decoupled'>;

export async function checkAuthorization(
  deps: CheckAuthorizationDependencies,
  principal: RsspPrincipal,
  request: { userId: RequestedUser; handle: string },
): Promise<Authorization> {
  requireServiceScope(principal);
  try {
    const result = await deps.decoupled.check(
      principal,
      optionalUser(principal, request.userId),
      request.handle,
    );
    return { kind: 'authorized', sad: result.sad, expiresIn: result.expiresIn };
  } catch (error) {
    if (error instanceof AuthorizationPending) return { kind: 'pending', handle: error.handle };
    throw error;
  }
}
