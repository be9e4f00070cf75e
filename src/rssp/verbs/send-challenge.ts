/**
 * credentials/getChallenge and the legacy credentials/sendOTP (v1, deprecated in 2.1, still called by
 * older clients): the credential's e-mailed one-time code, sent out of band and recorded.
 */
import { CSC, CscError, invalidRequest } from '../errors.ts';
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';
import { optionalUser, type RequestedUser } from './caller.ts';

export type SendChallengeDependencies = Pick<RsspParts, 'activation' | 'signingFactors' | 'otp' | 'audit'>;

export interface SendChallengeRequest {
  readonly method: 'getChallenge' | 'sendOTP';
  readonly credentialId: string;
  readonly userId: RequestedUser;
  /** sendOTP names none: it sends the OTP object's code. */
  readonly authObjectId: string;
  readonly source: string;
}

export async function sendChallenge(
  deps: SendChallengeDependencies,
  principal: RsspPrincipal,
  request: SendChallengeRequest,
): Promise<void> {
  const credential = await deps.activation.usableCredential(
    principal,
    optionalUser(principal, request.userId),
    request.credentialId,
  );
  // Under the tenant's login factor the code comes from the login app: a mailed code would be refused.
  const loginFactor = (await deps.signingFactors.of(credential.tenant_id)) === 'login-totp';
  if (
    request.authObjectId !== 'OTP' ||
    credential.otp_method !== 'email' ||
    credential.auth_mode !== 'explicit' ||
    loginFactor
  ) {
    // sendOTP has no authObjectID: a credential without e-mailed codes has no online OTP to send.
    throw request.method === 'getChallenge'
      ? CSC.invalidParameter('authObjectID')
      : invalidRequest('The credential has no online OTP to send');
  }
  const sent = await deps.otp.sendEmailCode(credential).then(
    () => undefined,
    (error: unknown) => error,
  );
  await deps.audit.append({
    type: 'sad.challenge',
    actor: { kind: 'user', id: credential.user_id },
    subject: { kind: 'credential', id: credential.credential_id },
    outcome: sent === undefined ? 'success' : 'failure',
    source: request.source,
    details: {
      channel: 'email',
      clientId: principal.clientId,
      method: request.method,
      ...(sent instanceof CscError ? { reason: sent.description } : {}),
    },
  });
  if (sent !== undefined) throw sent;
}
