/** auth/revoke (csc-api-v2 §11.3) and oauth2/revoke (RFC 7009): a token the caller holds rights over — its own user's or its client's — stops working. */
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';

export type RevokeTokenDependencies = Pick<RsspParts, 'tokens'>;

/** The caller: a user's token, a client system's token, or a client authenticated at oauth2/revoke. */
export type TokenHolder = Pick<RsspPrincipal, 'userId' | 'clientId'>;

export async function revokeToken(
  deps: RevokeTokenDependencies,
  principal: TokenHolder,
  token: string,
): Promise<void> {
  await deps.tokens.revoke(
    token,
    (row) =>
      (principal.userId !== null && row.user_id === principal.userId) ||
      (principal.clientId !== null && row.client_id === principal.clientId),
  );
}
