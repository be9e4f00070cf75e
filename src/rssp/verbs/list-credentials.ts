/**
 * credentials/list (csc-api-v2 §11.4): the credentials of a user that the caller may use — a user's
 * own token sees its own, a client system's token those it is entitled to — optionally only those that
 * can sign now (enabled, unlocked, certificate valid).
 */
import { entitled } from '../activation.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { RemoteSignatureService } from '../service.ts';
import type { CredentialTable } from '../tables.ts';

export type ListCredentialsDependencies = Pick<RemoteSignatureService, 'credentials' | 'signing'>;

export interface ListCredentialsRequest {
  readonly userId: string;
  readonly onlyValid: boolean;
}

export async function listCredentials(
  deps: ListCredentialsDependencies,
  principal: RsspPrincipal,
  request: ListCredentialsRequest,
): Promise<CredentialTable[]> {
  const credentials = (await deps.credentials.listForUser(request.userId)).filter((c) =>
    entitled(principal, c, request.userId),
  );
  if (!request.onlyValid) return credentials;
  const checked = await Promise.all(
    credentials.map(async (c) => ((await deps.signing.signingProblem(c)) === undefined ? c : undefined)),
  );
  return checked.filter((c): c is CredentialTable => c !== undefined);
}
