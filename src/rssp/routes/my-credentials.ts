/**
 * "My signing certificate" for the web UI (/api/me/credentials): the signed-in user (browser session
 * after MFA, passed in by the server) applies for a credential, follows its review, sets and changes
 * the PIN, enrols the one-time factor by QR code, suspends, resumes and revokes it, and applies for
 * its renewal before the certificate ends. The same service
 * methods as the bearer-token API (/api/credentials) do the work; only the authentication differs.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { shomeiError } from '../../errors/index.ts';
import { applySchema, renewSchema } from '../applications.ts';
import type { RemoteSignatureService } from '../service.ts';
import {
  credentialApplicationSchema,
  credentialIdParams,
  credentialViewSchema,
  myChangePinBody,
  myCredentialsSchema,
  myPinBody,
  myRevokeBody,
  noContent,
  optionalBody,
  totpEnrolmentPageSchema,
} from './credential-shapes.ts';
import { credentialInput, describe } from './credentials-api.ts';
import { assertFreshRequest } from './fresh-request.ts';
import type { ZodApp } from './zod-app.ts';

/** The account behind a browser session, as the identity module authenticated it. */
export interface SessionUser {
  readonly userId: string;
  readonly tenantId: string;
  /** 'aal2' once password and TOTP were both checked. */
  readonly assurance: string;
}

export type SessionUserOf = (request: FastifyRequest) => SessionUser | undefined;

const BODY_LIMIT = 4 * 1024;

interface Routes {
  readonly api: ZodApp;
  readonly rssp: RemoteSignatureService;
  readonly user: (request: FastifyRequest) => SessionUser;
}

export async function myCredentialRoutes(
  app: FastifyInstance,
  rssp: RemoteSignatureService,
  sessionUserOf: SessionUserOf,
): Promise<void> {
  // Also on a bare Fastify (tests): the shapes in credential-shapes.ts validate and serialise.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const user = (request: FastifyRequest): SessionUser => {
    const session = sessionUserOf(request);
    if (session === undefined) {
      throw shomeiError('SHOMEI_UNAUTHENTICATED', 'ログインしてください。', 'Please log in.', {
        status: 401,
      });
    }
    // Everything here controls a signing key: a session that passed both factors only.
    if (session.assurance !== 'aal2') {
      throw shomeiError(
        'SHOMEI_FORBIDDEN',
        '多要素認証でログインしてください。',
        'Log in with multi-factor authentication first.',
        { status: 403 },
      );
    }
    return session;
  };
  // Who asks is settled before what they sent (401/403 before 400).
  app.addHook('preValidation', async (request) => void user(request));
  const routes = { api: app.withTypeProvider<ZodTypeProvider>(), rssp, user };
  applicationRoutes(routes);
  pinRoutes(routes);
  stateRoutes(routes);
}

/** The overview, applications and renewals. */
function applicationRoutes({ api, rssp, user }: Routes): void {
  const opts = { bodyLimit: BODY_LIMIT, config: credentialInput };
  api.get('/', { schema: { response: { 200: myCredentialsSchema } } }, async (request, reply) => {
    const session = user(request);
    const [credentials, applications, signingFactor] = await Promise.all([
      rssp.credentials.listForUser(session.userId),
      rssp.applications.list({ userId: session.userId }),
      rssp.signingFactors.of(session.tenantId),
    ]);
    // signingFactor says what the second code at signing is: the credential's own or the login app's.
    return reply
      .header('cache-control', 'no-store')
      .send({ credentials: credentials.map(describe), applications, signingFactor });
  });

  const applySchemas = { body: applySchema, response: { 201: credentialApplicationSchema } };
  api.post('/applications', { ...opts, schema: applySchemas }, async (request, reply) => {
    const session = user(request);
    const application = await rssp.applications.apply(
      { userId: session.userId, tenantId: session.tenantId },
      request.body,
    );
    return reply.status(201).send(application);
  });

  // Renewal: a new key and an application for the RA; the old credential ends once it is approved.
  const renewSchemas = {
    params: credentialIdParams,
    body: optionalBody(renewSchema),
    response: { 201: credentialApplicationSchema },
  };
  api.post('/:id/renew', { ...opts, schema: renewSchemas }, async (request, reply) => {
    const session = user(request);
    const credential = await rssp.credentials.requireOwned(request.params.id, session.userId);
    const application = await rssp.applications.renew(
      { userId: session.userId, tenantId: session.tenantId },
      credential.credential_id,
      request.body,
    );
    return reply.status(201).send(application);
  });
}

/** PIN and the one-time factor. */
function pinRoutes({ api, rssp, user }: Routes): void {
  const opts = { bodyLimit: BODY_LIMIT, config: credentialInput };
  const done = { 204: noContent };
  const pinSchema = { params: credentialIdParams, body: myPinBody, response: done };
  api.post('/:id/pin', { ...opts, schema: pinSchema }, async (request, reply) => {
    const session = user(request);
    const credential = await rssp.credentials.requireOwned(request.params.id, session.userId);
    await rssp.credentials.setPin(credential.credential_id, session.userId, request.body.pin);
    return reply.status(204).send(null);
  });

  const changeSchema = { params: credentialIdParams, body: myChangePinBody, response: done };
  api.post('/:id/pin/change', { ...opts, schema: changeSchema }, async (request, reply) => {
    const session = user(request);
    const credential = await rssp.credentials.requireOwned(request.params.id, session.userId);
    const input = request.body;
    await rssp.credentials.changePin(credential.credential_id, session.userId, input.oldPin, input.newPin);
    return reply.status(204).send(null);
  });

  // The seed is shown this once (text and QR code) and then only kept sealed by the HSM.
  const totpSchema = { params: credentialIdParams, response: { 200: totpEnrolmentPageSchema } };
  api.post('/:id/totp', { ...opts, schema: totpSchema }, async (request, reply) => {
    const session = user(request);
    const credential = await rssp.credentials.requireOwned(request.params.id, session.userId);
    const enrolment = await rssp.credentials.enrolTotp(credential.credential_id, session.userId);
    const qrCodeDataUrl = await (await import('qrcode')).default.toDataURL(enrolment.uri, {
      errorCorrectionLevel: 'M',
      margin: 2,
    });
    return reply
      .header('cache-control', 'no-store')
      .send({ secret: enrolment.secret, otpauthUri: enrolment.uri, qrCodeDataUrl });
  });
}

/** Suspend, resume and revoke: replay-protected. */
function stateRoutes({ api, rssp, user }: Routes): void {
  const schema = { params: credentialIdParams, body: myRevokeBody, response: { 200: credentialViewSchema } };
  for (const action of ['suspend', 'resume', 'revoke'] as const) {
    api.post(
      `/:id/${action}`,
      { bodyLimit: BODY_LIMIT, config: credentialInput, schema },
      async (request) => {
        const session = user(request);
        const credential = await rssp.credentials.requireOwned(request.params.id, session.userId);
        const { reason } = request.body;
        await assertFreshRequest(rssp, request, session.userId);
        const id = credential.credential_id;
        if (action === 'suspend') await rssp.credentials.suspend(id, session.userId);
        else if (action === 'resume') await rssp.credentials.resume(id, session.userId);
        else await rssp.credentials.revoke(id, session.userId, reason ?? 'unspecified');
        return describe(await rssp.credentials.requireOwned(id, session.userId));
      },
    );
  }
}
