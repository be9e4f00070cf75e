/**
 * The OAuth 2.0 endpoints' requests and answers (csc-api-v2 §4.4–4.7; RFC 6749, 7009, 9126), declared
 * once with zod under the specification's names: Fastify validates and serialises with them and
 * /api/openapi.json is generated from them. Requests are forms (application/x-www-form-urlencoded);
 * every parameter is a single string (a repeated one is refused) and parameters the service does not
 * know are ignored (RFC 6749 §3.1, §3.2). A refusal answers the specification's
 * `{error, error_description}`, a control character in an identifier is refused and recorded.
 */
import { z } from 'zod';
import { cscErrorSchema, printable } from './csc-shapes.ts';

const FORM = ['application/x-www-form-urlencoded'];
const MAX_PARAMETER = 64 * 1024;

/** A single string parameter of bounded size; identifiers and codes must be printable. */
const parameter = (name: string) => {
  const text = z.string({ error: `Invalid parameter ${name}` }).max(MAX_PARAMETER);
  return (name === 'description' ? text : printable(name, text)).optional();
};
const parameters = <const N extends readonly string[]>(names: N) =>
  Object.fromEntries(names.map((name) => [name, parameter(name)])) as {
    [K in N[number]]: ReturnType<typeof parameter>;
  };

const AUTHORIZE = parameters([
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'authorization_details',
  'code_challenge',
  'code_challenge_method',
  'state',
  'lang',
  'credentialID',
  'signatureQualifier',
  'numSignatures',
  'hashes',
  'hashAlgorithmOID',
  'description',
  'clientData',
]);
/** client_secret_post; client_secret_basic is the Authorization header instead. */
const CLIENT = parameters(['client_id', 'client_secret']);
/** The authorisation page's own fields; a value too long to be real counts as absent (login fails). */
const loginField = z.string().max(256).optional().catch(undefined);

const redirect = (description: string) =>
  z.null().meta({
    description,
    headers: { location: { type: 'string', format: 'uri', description: 'The redirect URI with its query' } },
  });
const refusals = { 400: cscErrorSchema, 401: cscErrorSchema };

export const authorizePageSchema = {
  summary: 'The authorisation page (RFC 6749 §4.1.1; PAR request_uri, RFC 9126 §4)',
  querystring: z.object({ ...AUTHORIZE, ...parameters(['request_uri']) }),
  response: {
    200: {
      description: 'The page where the user logs in (and, for a credential, gives PIN and one-time code)',
      content: { 'text/html': { schema: z.string() } },
    },
    302: redirect('A refusal sent back to the registered redirect URI (error, error_description, state)'),
    400: cscErrorSchema,
  },
};

export const approveSchema = {
  summary: 'The authorisation page submitted: login (and PIN, one-time code) approves the request',
  consumes: FORM,
  body: z.object({
    ...AUTHORIZE,
    username: loginField,
    password: loginField,
    pin: loginField,
    otp: loginField,
  }),
  response: {
    302: redirect('Back to the client: code and state, or error and error_description'),
    400: cscErrorSchema,
  },
};

export const pushedAuthorizeSchema = {
  summary: 'Pushed authorisation request (RFC 9126)',
  consumes: FORM,
  body: z.object({ ...AUTHORIZE, ...CLIENT }),
  response: {
    201: z.object({ request_uri: z.string(), expires_in: z.number().int() }),
    ...refusals,
  },
};

export const tokenSchema = {
  summary: 'Token endpoint: authorization_code (PKCE), client_credentials, refresh_token',
  consumes: FORM,
  body: z.object({
    ...parameters(['grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope']),
    ...CLIENT,
  }),
  response: {
    200: z.object({
      access_token: z.string(),
      token_type: z.literal('Bearer'),
      expires_in: z.number().int(),
      refresh_token: z.string().optional(),
      scope: z.string().optional(),
      credentialID: z.string().optional(),
      authorization_details: z.unknown().optional(),
    }),
    ...refusals,
  },
};

export const revokeSchema = {
  summary: 'Token revocation (RFC 7009)',
  consumes: FORM,
  body: z.object({ ...parameters(['token', 'token_type_hint']), ...CLIENT }),
  response: { 204: z.null().describe('Revoked (or unknown: RFC 7009 §2.2)'), ...refusals },
};
