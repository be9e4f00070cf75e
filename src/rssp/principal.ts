/** Who is calling: the holder of a bearer token (CSC service authorisation, csc-api-v2 §5.1). */
import type { TokenScope } from './tables.ts';

export interface RsspPrincipal {
  /** SHA-256 of the bearer token; a credential-scope token's hash also keys its SAD. */
  readonly tokenHash: string;
  readonly scope: TokenScope;
  /** The user the token speaks for; null for a client system's own token (client_credentials). */
  readonly userId: string | null;
  readonly tenantId: string | null;
  /** The client system the token was issued to; null for auth/login tokens. */
  readonly clientId: string | null;
  /** Set for credential-scope tokens. */
  readonly credentialId: string | null;
  /** How the user authenticated (basic, oauth2code, oauth2client). */
  readonly authMethod: string;
}
