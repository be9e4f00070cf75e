/**
 * OAuth 2.0 endpoints under /oauth2/ (csc-api-v2 §4.4–4.7): the authorization page (GET shows it,
 * POST checks login and, for a credential, PIN and one-time code), token and revoke.
 */
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { AuthorizationRedirectError, type AuthorizationRequest } from '../oauth.ts';
import type { RsspRouteView } from '../service.ts';
import type { ClientPresentation } from '../verbs/index.ts';
import { auditingCscErrorHandler, peerCertificateSha256 } from './common.ts';
import {
  approveSchema,
  authorizePageSchema,
  pushedAuthorizeSchema,
  revokeSchema,
  tokenSchema,
} from './oauth2-shapes.ts';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

function authorizationPage(
  params: Readonly<Record<string, string | undefined>>,
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
  // Also on a bare Fastify (tests): the shapes in oauth2-shapes.ts validate and serialise.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const refusals = auditingCscErrorHandler(rssp);
  app.setErrorHandler(async (error: FastifyError | Error, request, reply) => {
    if (error instanceof AuthorizationRedirectError) {
      void reply.redirect(error.location(), 302);
      return;
    }
    await refusals(error, request, reply);
  });
  authorizationRoutes(app, rssp);
  clientRoutes(app, rssp);
}

const noStore = (reply: FastifyReply) =>
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache').header('x-frame-options', 'DENY');

/** The authorisation page: shown (GET) and submitted (POST) by the user's browser. */
function authorizationRoutes(fastify: FastifyInstance, rssp: RsspRouteView): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get('/authorize', { schema: authorizePageSchema }, async (request, reply) => {
    const opened = await rssp.verbs.openAuthorization(request.query);
    return noStore(reply)
      .header('content-security-policy', "default-src 'none'; form-action 'self'")
      .type('text/html; charset=utf-8')
      .send(authorizationPage(opened.parameters, opened.request, opened.clientName));
  });

  app.post('/authorize', { schema: approveSchema }, async (request, reply) => {
    const { username, password, pin, otp, ...parameters } = request.body;
    const location = await rssp.verbs.approveAuthorization({
      parameters,
      login: { username: username ?? '', password: password ?? '', pin, otp },
      source: request.ip,
    });
    return noStore(reply).redirect(location, 302);
  });
}

/** What client systems call with their own credentials: PAR, token and revocation. */
function clientRoutes(fastify: FastifyInstance, rssp: RsspRouteView): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post('/pushed_authorize', { schema: pushedAuthorizeSchema }, async (request, reply) => {
    const { client_secret: _secret, ...parameters } = request.body;
    const pushed = await rssp.verbs.pushAuthorization(clientOf(request, request.body), parameters);
    return noStore(reply).status(201).send(pushed);
  });

  app.post('/token', { schema: tokenSchema }, async (request, reply) => {
    const response = await rssp.verbs.issueToken(clientOf(request, request.body), request.body);
    return noStore(reply).send(response);
  });

  app.post('/revoke', { schema: revokeSchema }, async (request, reply) => {
    await rssp.verbs.revokeClientToken(clientOf(request, request.body), request.body.token);
    return reply.status(204).send(null);
  });
}

/** The client's credentials as presented: the Basic header, or client_id and client_secret in the form. */
function clientOf(
  request: FastifyRequest,
  form: { client_id?: string | undefined; client_secret?: string | undefined },
): ClientPresentation {
  return {
    authorization: request.headers.authorization,
    clientId: form.client_id,
    clientSecret: form.client_secret,
    tlsCertificateSha256: peerCertificateSha256(request),
  };
}
