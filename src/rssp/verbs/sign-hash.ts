/**
 * signatures/signHash (csc-api-v2 §11.9): the hashes signed with the credential's key under a SAD —
 * now, or in operationMode "A" in the background with a responseID to poll.
 */
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { SignHashRequest as SigningRequest } from '../signing.ts';
import {
  asyncMode,
  nowOrInBackground,
  type OperationMode,
  optionalUser,
  type RequestedUser,
  type StartedAsync,
} from './caller.ts';

export type SignHashDependencies = Pick<RsspParts, 'signing' | 'settings' | 'credentials' | 'asyncResults'>;

export interface SignHashRequest extends OperationMode {
  readonly credentialId: string;
  readonly userId: RequestedUser;
  readonly sad?: string | null | undefined;
  /** Base64, as sent; the signing service decodes them with the algorithm. */
  readonly hashes: readonly string[];
  readonly hashAlgorithmOid?: string | null | undefined;
  readonly signAlgo: string;
  readonly signAlgoParams?: string | null | undefined;
  readonly source: string;
}

/**
 * Signatures in Base64 as the answer carries them: in operationMode "A" this very object is what
 * signPolling later hands out, so it is kept in the answer's form.
 */
export type SignHashOutcome = { readonly signatures: string[] } | StartedAsync;

export async function signHash(
  deps: SignHashDependencies,
  principal: RsspPrincipal,
  request: SignHashRequest,
): Promise<SignHashOutcome> {
  const asynchronous = asyncMode(deps, request);
  const userId = optionalUser(principal, request.userId);
  const { sad, hashAlgorithmOid, signAlgoParams } = request;
  const signing: SigningRequest = {
    credentialId: request.credentialId,
    ...(sad == null ? {} : { sad }),
    hashes: request.hashes,
    ...(hashAlgorithmOid == null ? {} : { hashAlgorithmOid }),
    signAlgo: request.signAlgo,
    ...(signAlgoParams == null ? {} : { signAlgoParams }),
    ...(userId === null ? {} : { userId }),
    source: request.source,
  };
  const sign = async () => ({
    signatures: (await deps.signing.signHash(principal, signing)).map((s) => s.toString('base64')),
  });
  return nowOrInBackground(
    deps,
    principal,
    'signatures/signHash',
    { ...request, validityMs: asynchronous },
    sign,
  );
}
