/** credentials/info (csc-api-v2 §11.5): one credential the caller may use, with its certificate's status now. */

import type { RsspParts } from '../parts.ts';
import type { CertificateStatus } from '../ports.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { CredentialTable } from '../tables.ts';
import { ownedCredential, type RequestedUser } from './caller.ts';

export type DescribeCredentialDependencies = Pick<
  RsspParts,
  'credentials' | 'signing' | 'signingFactors' | 'clock'
>;

export interface CredentialDescription {
  readonly credential: CredentialTable;
  readonly certificateStatus: CertificateStatus | undefined;
  /** The tenant signs with the login TOTP app instead of the credential's own code. */
  readonly loginFactor: boolean;
  readonly now: Date;
}

export async function describeCredential(
  deps: DescribeCredentialDependencies,
  principal: RsspPrincipal,
  request: { userId: RequestedUser; credentialId: string },
): Promise<CredentialDescription> {
  const credential = await ownedCredential(deps, principal, request.userId, request.credentialId);
  return {
    credential,
    now: deps.clock(),
    certificateStatus: await deps.signing.certificateStatus(credential),
    loginFactor: (await deps.signingFactors.of(credential.tenant_id)) === 'login-totp',
  };
}
