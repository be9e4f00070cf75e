/**
 * The operator console's suspend / resume / unlock of a credential: the credential service records
 * credential.suspend / resume / unlock with the operator as actor; the credential as it is afterwards.
 */
import type { Credential } from '../credentials.ts';
import type { RsspParts } from '../parts.ts';

export type ChangeCredentialStateDependencies = Pick<RsspParts, 'credentials'>;

export const CREDENTIAL_STATE_CHANGES = ['suspend', 'resume', 'unlock'] as const;
export type CredentialStateChange = (typeof CREDENTIAL_STATE_CHANGES)[number];

export async function changeCredentialState(
  deps: ChangeCredentialStateDependencies,
  change: { credentialId: string; action: CredentialStateChange; operatorId: string },
): Promise<Credential> {
  const { credentialId: id, operatorId } = change;
  if (change.action === 'suspend') await deps.credentials.suspend(id, operatorId);
  else if (change.action === 'resume') await deps.credentials.resume(id, operatorId);
  else await deps.credentials.unlock(id, operatorId);
  return deps.credentials.require(id);
}
