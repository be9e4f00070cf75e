/**
 * OAuth 2.0 endpoints under /oauth2/ (csc-api-v2 §4.4–4.7): the authorization page (GET shows it,
 * POST checks login and, for a credential, PIN and one-time code), token and revoke.
 */
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CscError } from '../errors.ts';
import { AuthorizationRedirectError, type AuthorizationRequest } from '../oauth.ts';
import type { RsspRouteView } from '../service.ts';
import { auditingCscErrorHandler, peerCertificateSha256, printable } from './common.ts';

const AUTHORIZE_PARAMETERS = [
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
] as const;

/** Only known parameters, each a single string of bounded size (anything else is dropped). */
function pickParameters(source: unknown, extra: readonly string[] = []): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (source === null || typeof source !== 'object') return out;
  const record = source as Record<string, unknown>;
  for (const name of [...AUTHORIZE_PARAMETERS, ...extra]) {
    const value = record[name];
    // description is shown escaped on the page; every other parameter is an identifier or code.
    if (typeof value === 'string' && value.length <= 64 * 1024)
      out[name] = name === 'description' ? value : printable(name, value);
    else if (value !== undefined) throw new CscError('invalid_request', `Invalid parameter ${name}`, 400);
  }
  return out;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function authorizationPage(
  params: Record<string, string | undefined>,
  request: AuthorizationRequest,
  clientName: string,
): string {
  const hidden = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v!)}">`)
    .join('\n');
  const credential =
    request.scope === 'credential'
      ? `<p>署名の承認 / Signing authorisation: ${escapeHtml(request.credentialId ?? '')} — ${request.numSignatures ?? 1} 件 / signature(s)</p>
<label>PIN <input name="pin" type="password" inputmode="numeric" autocomplete="off" required></label>
<label>ワンタイムコード / One-time code <input name="otp" inputmode="numeric" autocomplete="one-time-code" required></label>`
      : '';
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>shomei — 認可 / Authorisation</title></head>
<body><h1>${escapeHtml(clientName)} へのアクセス許可 / Allow access for ${escapeHtml(clientName)}</h1>
${request.description === undefined ? '' : `<p>${escapeHtml(request.description)}</p>`}
<form method="post" action="authorize">
${hidden}
<label>ユーザー名 / User name <input name="username" autocomplete="username" required></label>
<label>パスワード / Password <input name="password" type="password" autocomplete="current-password" required></label>
${credential}
<button type="submit">許可する / Allow</button>
</form></body></html>`;
}

export async function oauth2Routes(app: FastifyInstance, rssp: RsspRouteView): Promise<void> {
  await app.register(formbody, { bodyLimit: 128 * 1024 });
  const refusals = auditingCscErrorHandler(rssp);
  app.setErrorHandler(async (error: FastifyError | Error, request, reply) => {
    if (error instanceof AuthorizationRedirectError) {
      void reply.redirect(error.location(), 302);
      return;
    }
    await refusals(error, request, reply);
  });

  const noStore = (reply: FastifyReply) =>
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache').header('x-frame-options', 'DENY');

  app.get('/authorize', async (request, reply) => {
    let params = pickParameters(request.query, ['request_uri']);
    if (params.request_uri !== undefined) {
      params = await rssp.authorizationServer.pushedParameters(params.client_id, params.request_uri);
    }
    const { request: authorization, client } = await rssp.authorizationServer.validate(params);
    return noStore(reply)
      .header('content-security-policy', "default-src 'none'; form-action 'self'")
      .type('text/html; charset=utf-8')
      .send(authorizationPage(params, authorization, client.name));
  });

  app.post('/authorize', async (request, reply) => {
    const params = pickParameters(request.body);
    const login = pickLogin(request.body);
    const { request: authorization } = await rssp.authorizationServer.validate(params);
    const location = await rssp.authorizationServer.approve(authorization, login, request.ip);
    return noStore(reply).redirect(location, 302);
  });

  app.post('/pushed_authorize', async (request, reply) => {
    const form = formOf(request);
    const client = await authenticateClient(rssp, request, form);
    const { client_secret: _secret, ...params } = form;
    const pushed = await rssp.authorizationServer.pushAuthorizationRequest(client, params);
    return noStore(reply).status(201).send(pushed);
  });

  app.post('/token', async (request, reply) => {
    const form = formOf(request);
    const client = await authenticateClient(rssp, request, form);
    const response = await rssp.authorizationServer.token(client, form);
    return noStore(reply).send(response);
  });

  app.post('/revoke', async (request, reply) => {
    const form = formOf(request);
    const client = await authenticateClient(rssp, request, form);
    const token = form.token;
    if (token === undefined)
      throw new CscError('invalid_request', 'Missing (or invalid type) string parameter token', 400);
    await rssp.verbs.revokeToken({ userId: null, clientId: client.client_id }, token);
    return reply.status(204).send();
  });
}

function pickLogin(body: unknown): { username: string; password: string; pin?: string; otp?: string } {
  const record = (body ?? {}) as Record<string, unknown>;
  const text = (name: string) => {
    const value = record[name];
    return typeof value === 'string' && value.length <= 256 ? value : undefined;
  };
  const pin = text('pin');
  const otp = text('otp');
  return {
    username: text('username') ?? '',
    password: text('password') ?? '',
    ...(pin === undefined ? {} : { pin }),
    ...(otp === undefined ? {} : { otp }),
  };
}

function formOf(request: FastifyRequest): Record<string, string | undefined> {
  const body = request.body;
  if (body === null || typeof body !== 'object')
    throw new CscError('invalid_request', 'Malformed request body', 400);
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value !== 'string' || value.length > 64 * 1024) {
      throw new CscError('invalid_request', `Invalid parameter ${key.slice(0, 64)}`, 400);
    }
    out[key] = printable(key.slice(0, 64), value);
  }
  return out;
}

/** client_secret_basic or client_secret_post, plus the TLS certificate binding when the request has one. */
async function authenticateClient(
  rssp: RsspRouteView,
  request: FastifyRequest,
  form: Record<string, string | undefined>,
) {
  let clientId = form.client_id;
  let secret = form.client_secret;
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Basic ([A-Za-z0-9+/]+=*)$/.exec(header);
    if (match === null) throw new CscError('invalid_client', 'Client authorization required', 401);
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new CscError('invalid_client', 'Client authorization required', 401);
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    } catch {
      throw new CscError('invalid_client', 'Client authorization required', 401);
    }
  }
  if (clientId === undefined)
    throw new CscError('invalid_request', 'Missing (or invalid type) string parameter client_id', 400);
  printable('client_id', clientId);
  if (secret === undefined) throw new CscError('invalid_client', 'Client authorization required', 401);
  return rssp.clients.authenticate(clientId, secret, peerCertificateSha256(request));
}
