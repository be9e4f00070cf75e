/**
 * credentials/list (csc-api-v2 §11.4): the credentials of a user that the caller may use — a user's
 * own token sees its own, a client system's token those it is entitled to — optionally only those that
 * can sign now (enabled, unlocked, certificate valid).
 */
import { entitled } from '../activation.ts';
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { CredentialTable } from '../tables.ts';
import { type RequestedUser, requestedUser } from './caller.ts';

export type ListCredentialsDependencies = Pick<RsspParts, 'credentials' | 'signing' | 'signingFactors'>;

export interface ListCredentialsRequest {
  readonly userId: RequestedUser;
  readonly onlyValid: boolean;
  /** Whether each credential's signing factor is wanted (credentialInfo of the answer). */
  readonly withFactors: boolean;
}

export interface ListedCredential {
  readonly credential: CredentialTable;
  /** The tenant signs with the login TOTP app instead of the credential's own code (only when asked). */
  readonly loginFactor: boolean;
}

export async function listCredentials(
  deps: ListCredentialsDependencies,
  principal: RsspPrincipal,
  request: ListCredentialsRequest,
): Promise<ListedCredential[]> {
  const userId = requestedUser(principal, request.userId);
  const credentials = (await deps.credentials.listForUser(userId)).filter((c) =>
    entitled(principal, c, userId),
  );
  const usable = request.onlyValid ? await signable(deps, credentials) : credentials;
  return Promise.all(
    usable.map(async (credential) => ({
      credential,
      loginFactor:
        request.withFactors && (await deps.signingFactors.of(credential.tenant_id)) === 'login-totp',
    })),
  );
}

async function signable(
  deps: ListCredentialsDependencies,
  credentials: readonly CredentialTable[],
): Promise<CredentialTable[]> {
  const checked = await Promise.all(
    credentials.map(async (c) => ((await deps.signing.signingProblem(c)) === undefined ? c : undefined)),
  );
  return checked.filter((c): c is CredentialTable => c !== undefined);
}
