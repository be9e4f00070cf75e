/**
 * The client system at oauth2/token, oauth2/revoke and oauth2/pushed_authorize (RFC 6749 §2.3.1):
 * client_secret_basic (the Authorization header) or client_secret_post, plus the TLS certificate
 * binding when the connection carries one. Used by those verbs, not a route's verb itself.
 */
import type { ClientSystem } from '../clients.ts';
import { CscError, printable } from '../errors.ts';
import type { RsspParts } from '../parts.ts';

export type AuthenticateClientDependencies = Pick<RsspParts, 'clients'>;

export interface ClientPresentation {
  /** The Authorization header as sent, if any. */
  readonly authorization: string | undefined;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  /** SHA-256 (hex) of the TLS client certificate, when the connection carries one. */
  readonly tlsCertificateSha256: string | undefined;
}

const unauthorised = () => new CscError('invalid_client', 'Client authorization required', 401);

/** client_id and secret from `Basic base64(urlencode(id):urlencode(secret))`. */
function basicCredentials(header: string): { clientId: string; secret: string } {
  const match = /^Basic ([A-Za-z0-9+/]+=*)$/.exec(header);
  if (match === null) throw unauthorised();
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw unauthorised();
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  } catch {
    throw unauthorised();
  }
}

export async function authenticateClient(
  deps: AuthenticateClientDependencies,
  presented: ClientPresentation,
): Promise<ClientSystem> {
  const basic = presented.authorization === undefined ? undefined : basicCredentials(presented.authorization);
  const clientId = basic?.clientId ?? presented.clientId;
  const secret = basic === undefined ? presented.clientSecret : basic.secret;
  if (clientId === undefined)
    throw new CscError('invalid_request', 'Missing (or invalid type) string parameter client_id', 400);
  printable('client_id', clientId);
  if (secret === undefined) throw unauthorised();
  return deps.clients.authenticate(clientId, secret, presented.tlsCertificateSha256);
}
