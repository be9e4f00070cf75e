/** auth/revoke (csc-api-v2 §11.3): a token the caller holds rights over — its own user's or its client's — stops working. */
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';

export type RevokeTokenDependencies = Pick<RsspParts, 'tokens'>;

export async function revokeToken(
  deps: RevokeTokenDependencies,
  principal: RsspPrincipal,
  token: string,
): Promise<void> {
  await deps.tokens.revoke(
    token,
    (row) =>
      (principal.userId !== null && row.user_id === principal.userId) ||
      (principal.clientId !== null && row.client_id === principal.clientId),
  );
}
