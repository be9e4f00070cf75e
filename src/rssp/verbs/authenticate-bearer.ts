/**
 * The bearer of a CSC call: the access token checked against the token store, and a client system's
 * token only over the TLS connection of the certificate the client is bound to.
 */
import { CSC, CscError } from '../errors.ts';
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';

export type AuthenticateBearerDependencies = Pick<RsspParts, 'tokens' | 'audit' | 'clients'>;

export interface BearerPresentation {
  readonly token: string;
  readonly source: string;
  /** The path called, for the record of a refusal. */
  readonly route: string;
  /** SHA-256 (hex) of the TLS client certificate, when the connection carries one. */
  readonly tlsCertificateSha256: string | undefined;
}

export async function authenticateBearer(
  deps: AuthenticateBearerDependencies,
  presented: BearerPresentation,
): Promise<RsspPrincipal> {
  let principal: RsspPrincipal;
  try {
    principal = await deps.tokens.authenticate(presented.token);
  } catch (error) {
    // Every refused access attempt is recorded (GL 7.1.4), without the presented token.
    await deps.audit.append({
      type: 'auth.bearer',
      actor: { kind: 'anonymous', id: 'unknown' },
      outcome: 'failure',
      source: presented.source,
      details: {
        reason: error instanceof CscError ? error.error : 'error',
        route: presented.route.slice(0, 100),
      },
    });
    throw error;
  }
  if (principal.clientId !== null) {
    const client = await deps.clients.get(principal.clientId);
    if (client === undefined || !deps.clients.tlsMatches(client, presented.tlsCertificateSha256))
      throw CSC.accessDenied('The TLS client certificate does not belong to the client');
  }
  return principal;
}
