/**
 * "My signing certificate" for the web UI (/api/me/credentials): the signed-in user (browser session
 * after MFA, passed in by the server) applies for a credential, follows its review, sets and changes
 * the PIN, enrols the one-time factor by QR code, suspends, resumes and revokes it, and applies for
 * its renewal before the certificate ends. The same service
 * methods as the bearer-token API (/api/credentials) do the work; only the authentication differs.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { shomeiError } from '../../errors/index.ts';
import { parseWith } from '../applications.ts';
import type { RemoteSignatureService } from '../service.ts';
import { describe } from './credentials-api.ts';
import { assertFreshRequest } from './fresh-request.ts';

/** The account behind a browser session, as the identity module authenticated it. */
export interface SessionUser {
  readonly userId: string;
  readonly tenantId: string;
  /** 'aal2' once password and TOTP were both checked. */
  readonly assurance: string;
}

export type SessionUserOf = (request: FastifyRequest) => SessionUser | undefined;

const BODY_LIMIT = 4 * 1024;
const idParams = z.object({ id: z.string().min(1).max(100) });
const pinBody = z.object({ pin: z.string().min(1).max(64) }).strict();
const changePinBody = z
  .object({ oldPin: z.string().min(1).max(64), newPin: z.string().min(1).max(64) })
  .strict();
const revokeBody = z
  .object({ reason: z.enum(['keyCompromise', 'cessationOfOperation', 'unspecified']).optional() })
  .strict();

export async function myCredentialRoutes(
  app: FastifyInstance,
  rssp: RemoteSignatureService,
  sessionUserOf: SessionUserOf,
): Promise<void> {
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
  const owned = async (request: FastifyRequest) => {
    const session = user(request);
    const { id } = parseWith(idParams, request.params);
    return { session, credential: await rssp.credentials.requireOwned(id, session.userId) };
  };
  const opts = { bodyLimit: BODY_LIMIT };

  app.get('/', async (request, reply) => {
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

  app.post('/applications', opts, async (request, reply) => {
    const session = user(request);
    const application = await rssp.applications.apply(
      { userId: session.userId, tenantId: session.tenantId },
      request.body,
    );
    return reply.status(201).send(application);
  });

  // Renewal: a new key and an application for the RA; the old credential ends once it is approved.
  app.post('/:id/renew', opts, async (request, reply) => {
    const { session, credential } = await owned(request);
    const application = await rssp.applications.renew(
      { userId: session.userId, tenantId: session.tenantId },
      credential.credential_id,
      request.body,
    );
    return reply.status(201).send(application);
  });

  app.post('/:id/pin', opts, async (request, reply) => {
    const { session, credential } = await owned(request);
    await rssp.credentials.setPin(
      credential.credential_id,
      session.userId,
      parseWith(pinBody, request.body).pin,
    );
    return reply.status(204).send();
  });

  app.post('/:id/pin/change', opts, async (request, reply) => {
    const { session, credential } = await owned(request);
    const input = parseWith(changePinBody, request.body);
    await rssp.credentials.changePin(credential.credential_id, session.userId, input.oldPin, input.newPin);
    return reply.status(204).send();
  });

  // The seed is shown this once (text and QR code) and then only kept sealed by the HSM.
  app.post('/:id/totp', opts, async (request, reply) => {
    const { session, credential } = await owned(request);
    const enrolment = await rssp.credentials.enrolTotp(credential.credential_id, session.userId);
    const qrCodeDataUrl = await (await import('qrcode')).default.toDataURL(enrolment.uri, {
      errorCorrectionLevel: 'M',
      margin: 2,
    });
    return reply
      .header('cache-control', 'no-store')
      .send({ secret: enrolment.secret, otpauthUri: enrolment.uri, qrCodeDataUrl });
  });

  for (const action of ['suspend', 'resume', 'revoke'] as const) {
    app.post(`/:id/${action}`, opts, async (request) => {
      const { session, credential } = await owned(request);
      const { reason } = parseWith(revokeBody, request.body);
      await assertFreshRequest(rssp, request, session.userId);
      const id = credential.credential_id;
      if (action === 'suspend') await rssp.credentials.suspend(id, session.userId);
      else if (action === 'resume') await rssp.credentials.resume(id, session.userId);
      else await rssp.credentials.revoke(id, session.userId, reason ?? 'unspecified');
      return describe(await rssp.credentials.requireOwned(id, session.userId));
    });
  }
}
