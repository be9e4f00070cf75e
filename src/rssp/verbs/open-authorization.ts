/**
 * oauth2/authorize shown (csc-api-v2 §4.4.1, RFC 6749 §4.1.1): the request checked — or, with a
 * request_uri, the parameters pushed earlier (RFC 9126 §4), once — and what the page shows.
 */
import type { AuthorizationRequest } from '../oauth.ts';
import type { RsspParts } from '../parts.ts';

export type OpenAuthorizationDependencies = Pick<RsspParts, 'authorizationServer'>;

export type AuthorizationParameters = Readonly<Record<string, string | undefined>>;

export interface OpenedAuthorization {
  /** What the page posts back (the pushed ones when the request named a request_uri). */
  readonly parameters: AuthorizationParameters;
  readonly request: AuthorizationRequest;
  readonly clientName: string;
}

export async function openAuthorization(
  deps: OpenAuthorizationDependencies,
  asked: AuthorizationParameters,
): Promise<OpenedAuthorization> {
  const server = deps.authorizationServer;
  const { request_uri: requestUri, ...direct } = asked;
  const parameters =
    requestUri === undefined ? direct : await server.pushedParameters(asked.client_id, requestUri);
  const { request, client } = await server.validate(parameters);
  return { parameters, request, clientName: client.name };
}
