/**
 * oauth2/revoke (RFC 7009, csc-api-v2 §4.7): an authenticated client revokes a token of its own. The
 * client is settled before the request's token is looked at, so a stranger learns nothing from it.
 */
import { CscError } from '../errors.ts';
import type { RsspParts } from '../parts.ts';
import { authenticateClient, type ClientPresentation } from './authenticate-client.ts';
import { revokeToken } from './revoke-token.ts';

export type RevokeClientTokenDependencies = Pick<RsspParts, 'clients' | 'tokens'>;

export async function revokeClientToken(
  deps: RevokeClientTokenDependencies,
  client: ClientPresentation,
  token: string | undefined,
): Promise<void> {
  const authenticated = await authenticateClient(deps, client);
  if (token === undefined)
    throw new CscError('invalid_request', 'Missing (or invalid type) string parameter token', 400);
  await revokeToken(deps, { userId: null, clientId: authenticated.client_id }, token);
}
