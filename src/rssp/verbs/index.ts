/**
 * The remote signature service's operations, one verb per file, bound to the service's parts. Routes
 * (CSC, console, credentials API) call these and nothing else of the service's insides.
 */
import type { RsspParts } from '../parts.ts';
import type { RsspPrincipal } from '../principal.ts';
import { acceptFreshRequest, type FreshnessProof } from './accept-fresh-request.ts';
import { type ApproveAuthorizationRequest, approveAuthorization } from './approve-authorization.ts';
import { authenticateBearer, type BearerPresentation } from './authenticate-bearer.ts';
import type { ClientPresentation } from './authenticate-client.ts';
import { type AuthorizeRequest, authorize } from './authorize.ts';
import { changeCredentialState } from './change-credential-state.ts';
import { checkAuthorization } from './check-authorization.ts';
import { describeCredential } from './describe-credential.ts';
import { type ExtendTransactionRequest, extendTransaction } from './extend-transaction.ts';
import { issueToken } from './issue-token.ts';
import { type ListCredentialsRequest, listCredentials } from './list-credentials.ts';
import { type LogInRequest, logIn } from './log-in.ts';
import { type AuthorizationParameters, openAuthorization } from './open-authorization.ts';
import { pollSignature } from './poll-signature.ts';
import { pushAuthorization } from './push-authorization.ts';
import { recordRefusedInput } from './record-refused-input.ts';
import { revokeClientToken } from './revoke-client-token.ts';
import { revokeToken, type TokenHolder } from './revoke-token.ts';
import { type CredentialSearch, searchCredentials } from './search-credentials.ts';
import { type SendChallengeRequest, sendChallenge } from './send-challenge.ts';
import { type ResponseLanguage, serviceInfo } from './service-info.ts';
import { type SignDocCall, signDoc } from './sign-doc.ts';
import { type SignHashRequest, signHash } from './sign-hash.ts';
import { type TimestampRequest, timestamp } from './timestamp.ts';

type Params<F> = F extends (deps: never, ...rest: infer P) => unknown ? P : never;

/** Each verb with the service's parts bound as its dependencies. */
export function rsspVerbs(parts: RsspParts) {
  const { documents, timestamps } = parts;
  return {
    info: (request: { lang: ResponseLanguage }) => serviceInfo(parts, request),
    logIn: (request: LogInRequest) => logIn(parts, request),
    revokeToken: (holder: TokenHolder, token: string) => revokeToken(parts, holder, token),
    authenticateBearer: (presented: BearerPresentation) => authenticateBearer(parts, presented),
    recordRefusedInput: (...a: Params<typeof recordRefusedInput>) => recordRefusedInput(parts, ...a),
    acceptFreshRequest: (proof: FreshnessProof) => acceptFreshRequest(parts, proof),
    listCredentials: (principal: RsspPrincipal, request: ListCredentialsRequest) =>
      listCredentials(parts, principal, request),
    describeCredential: (...a: Params<typeof describeCredential>) => describeCredential(parts, ...a),
    authorize: (principal: RsspPrincipal, request: AuthorizeRequest) => authorize(parts, principal, request),
    checkAuthorization: (...a: Params<typeof checkAuthorization>) => checkAuthorization(parts, ...a),
    extendTransaction: (principal: RsspPrincipal, request: ExtendTransactionRequest) =>
      extendTransaction(parts, principal, request),
    sendChallenge: (principal: RsspPrincipal, request: SendChallengeRequest) =>
      sendChallenge(parts, principal, request),
    signHash: (principal: RsspPrincipal, request: SignHashRequest) => signHash(parts, principal, request),
    pollSignature: (...a: Params<typeof pollSignature>) => pollSignature(parts, ...a),
    /** Absent when the service has no CMS builder (signDoc is then not offered). */
    signDoc:
      documents === undefined
        ? undefined
        : (principal: RsspPrincipal, request: SignDocCall) =>
            signDoc({ ...parts, documents }, principal, request),
    /** Absent without a TSA (signatures/timestamp is then not offered). */
    timestamp:
      timestamps === undefined
        ? undefined
        : (request: TimestampRequest) => timestamp({ timestamps }, request),
    searchCredentials: (filter: CredentialSearch) => searchCredentials(parts, filter),
    // OAuth 2.0 (/oauth2/): the authorisation page, PAR, token and revocation.
    openAuthorization: (asked: AuthorizationParameters) => openAuthorization(parts, asked),
    approveAuthorization: (approval: ApproveAuthorizationRequest) => approveAuthorization(parts, approval),
    pushAuthorization: (client: ClientPresentation, parameters: AuthorizationParameters) =>
      pushAuthorization(parts, client, parameters),
    issueToken: (client: ClientPresentation, parameters: AuthorizationParameters) =>
      issueToken(parts, client, parameters),
    revokeClientToken: (client: ClientPresentation, token: string | undefined) =>
      revokeClientToken(parts, client, token),
    changeCredentialState: (...a: Params<typeof changeCredentialState>) => changeCredentialState(parts, ...a),
  };
}

export type RsspVerbs = ReturnType<typeof rsspVerbs>;
export type { ClientPresentation } from './authenticate-client.ts';
export type { Authorization } from './authorize.ts';
export type { StartedAsync } from './caller.ts';
export { CREDENTIAL_STATE_CHANGES } from './change-credential-state.ts';
export { CSC_SPEC_VERSION, LEVEL_NAMES, type ResponseLanguage } from './service-info.ts';
