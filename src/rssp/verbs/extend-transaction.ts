/** credentials/extendTransaction (csc-api-v2 §11.8, JT2A appendix 1 method 2): a new SAD for the next hashes under the remaining budget. */
import type { SignatureActivationData } from '../activation.ts';
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';
import { authorizedHashes, type HashesAsSent } from './authorized-hashes.ts';
import { optionalUser, type RequestedUser, requireServiceScope } from './caller.ts';

export type ExtendTransactionDependencies = Pick<RsspParts, 'activation'>;

export interface ExtendTransactionRequest extends HashesAsSent {
  readonly credentialId: string;
  readonly userId: RequestedUser;
  readonly sad: string;
  readonly source: string;
}

export async function extendTransaction(
  deps: ExtendTransactionDependencies,
  principal: RsspPrincipal,
  request: ExtendTransactionRequest,
): Promise<SignatureActivationData> {
  requireServiceScope(principal);
  const hashed = authorizedHashes(request);
  return deps.activation.extendTransaction(principal, optionalUser(principal, request.userId), {
    credentialId: request.credentialId,
    sad: request.sad,
    ...hashed,
    source: request.source,
  });
}
