/**
 * oauth2/pushed_authorize (RFC 9126, csc-api-v2 §4.5): an authenticated client's authorisation
 * parameters checked and kept for a short time under a request_uri the browser then brings.
 */
import type { RsspParts } from '../parts.ts';
import { authenticateClient, type ClientPresentation } from './authenticate-client.ts';
import type { AuthorizationParameters } from './open-authorization.ts';

export type PushAuthorizationDependencies = Pick<RsspParts, 'clients' | 'authorizationServer'>;

export async function pushAuthorization(
  deps: PushAuthorizationDependencies,
  client: ClientPresentation,
  parameters: AuthorizationParameters,
): Promise<{ request_uri: string; expires_in: number }> {
  const authenticated = await authenticateClient(deps, client);
  return deps.authorizationServer.pushAuthorizationRequest(authenticated, parameters);
}
