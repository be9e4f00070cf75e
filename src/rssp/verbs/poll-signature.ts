/** signatures/signPolling (csc-api-v2 §11.11): the outcome of an operationMode "A" call, once; 202 while it runs. */
import { invalidRequest } from '../errors.ts';
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';
import { type RequestedUser, requestedUser } from './caller.ts';

export type PollSignatureDependencies = Pick<RsspParts, 'asyncResults'>;

export async function pollSignature(
  deps: PollSignatureDependencies,
  principal: RsspPrincipal,
  request: { userId: RequestedUser; requestId: string },
): Promise<Record<string, unknown>> {
  if (principal.userId !== null && request.userId !== undefined && request.userId !== null)
    throw invalidRequest('userID parameter SHALL be null');
  return deps.asyncResults.poll(principal, requestedUser(principal, request.userId), request.requestId);
}
