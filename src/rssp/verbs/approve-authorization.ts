/**
 * oauth2/authorize submitted: the request checked again, then the user's login (and, for a credential,
 * PIN and one-time code) approves it; the answer is where to send the browser (code and state, or the
 * refusal). Every attempt is recorded by the authorization server.
 */
import type { RsspParts } from '../parts.ts';
import type { AuthorizationParameters } from './open-authorization.ts';

export type ApproveAuthorizationDependencies = Pick<RsspParts, 'authorizationServer'>;

export interface AuthorizationLogin {
  readonly username: string;
  readonly password: string;
  readonly pin?: string | undefined;
  readonly otp?: string | undefined;
}

export interface ApproveAuthorizationRequest {
  readonly parameters: AuthorizationParameters;
  readonly login: AuthorizationLogin;
  readonly source: string;
}

/** The redirect location. */
export async function approveAuthorization(
  deps: ApproveAuthorizationDependencies,
  approval: ApproveAuthorizationRequest,
): Promise<string> {
  const { request } = await deps.authorizationServer.validate(approval.parameters);
  const { pin, otp, ...login } = approval.login;
  return deps.authorizationServer.approve(request, { ...login, pin, otp }, approval.source);
}
