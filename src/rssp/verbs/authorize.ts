/**
 * credentials/authorize (csc-api-v2 §11.6): PIN and one-time code become a SAD bound to the credential,
 * the hashes and the number of signatures; the auth objects named without values ask the user to
 * approve out of band instead (decoupled, §5.3), answered with a handle for authorizeCheck.
 */
import type { AuthenticationDatum } from '../activation.ts';
import { CSC } from '../errors.ts';
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';
import { authorizedHashes, type HashesAsSent } from './authorized-hashes.ts';
import { optionalUser, type RequestedUser, requireServiceScope } from './caller.ts';

export type AuthorizeDependencies = Pick<RsspParts, 'activation' | 'decoupled'>;

export interface AuthorizeRequest extends HashesAsSent {
  readonly credentialId: string;
  readonly userId: RequestedUser;
  readonly numSignatures: number;
  readonly authData: readonly AuthenticationDatum[];
  readonly description?: string | undefined;
  readonly source: string;
}

/** A SAD now, or the handle of an approval still to come. */
export type Authorization =
  | { readonly kind: 'authorized'; readonly sad: string; readonly expiresIn: number }
  | { readonly kind: 'pending'; readonly handle: string };

export async function authorize(
  deps: AuthorizeDependencies,
  principal: RsspPrincipal,
  request: AuthorizeRequest,
): Promise<Authorization> {
  requireServiceScope(principal);
  const hashed = authorizedHashes(request);
  const userId = optionalUser(principal, request.userId);
  const { authData } = request;
  if (authData.length > 0 && authData.every((d) => d.value === undefined))
    return { kind: 'pending', handle: await requestApproval(deps, principal, userId, request, hashed) };
  const result = await deps.activation.authorizeCredential(principal, userId, {
    credentialId: request.credentialId,
    numSignatures: request.numSignatures,
    ...hashed,
    authData,
    source: request.source,
  });
  return { kind: 'authorized', sad: result.sad, expiresIn: result.expiresIn };
}

/** Decoupled: PIN and OTP both named, the budget checked now, the approval recorded for the user. */
async function requestApproval(
  deps: AuthorizeDependencies,
  principal: RsspPrincipal,
  userId: string | null,
  request: AuthorizeRequest,
  hashed: ReturnType<typeof authorizedHashes>,
): Promise<string> {
  const credential = await deps.activation.usableCredential(principal, userId, request.credentialId);
  if (credential.auth_mode !== 'explicit') throw CSC.invalidParameter('credentialID');
  deps.activation.checkBudget(credential, request.numSignatures, hashed.hashes, hashed.hashAlgorithmOid);
  const ids = request.authData.map((d) => d.id).sort();
  if (ids.length !== 2 || ids[0] !== 'OTP' || ids[1] !== 'PIN') throw CSC.invalidAuthenticationData();
  return deps.decoupled.request(principal, credential, {
    numSignatures: request.numSignatures,
    ...hashed,
    description: request.description,
    source: request.source,
  });
}
