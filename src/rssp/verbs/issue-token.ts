/**
 * oauth2/token (csc-api-v2 §4.6, RFC 6749 §4.1.3, §4.4, §6): an authenticated client exchanges an
 * authorization code (PKCE), its own credentials or a refresh token for an access token.
 */
import type { TokenResponse } from '../oauth.ts';
import type { RsspParts } from '../parts.ts';
import { authenticateClient, type ClientPresentation } from './authenticate-client.ts';
import type { AuthorizationParameters } from './open-authorization.ts';

export type IssueTokenDependencies = Pick<RsspParts, 'clients' | 'authorizationServer'>;

export async function issueToken(
  deps: IssueTokenDependencies,
  client: ClientPresentation,
  parameters: AuthorizationParameters,
): Promise<TokenResponse> {
  const authenticated = await authenticateClient(deps, client);
  return deps.authorizationServer.token(authenticated, parameters);
}
