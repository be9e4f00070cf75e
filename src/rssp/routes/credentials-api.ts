/**
 * The JSON API for a signer's own credentials under /api/credentials (create, certificate status,
 * PIN, one-time-code enrolment, suspend/resume/revoke/renew/end). Callers authenticate with a
 * service-scope bearer token. A bearer token proves at most a password (auth/login) or an SCA's
 * delegation, so changing the PIN or stopping, renewing or destroying a credential also needs the
 * credential's own PIN and one-time code (counted towards its lockout like a signing attempt);
 * those requests are replay-protected by a single-use nonce and a fresh timestamp (JT2A
 * appendix 4, GL II-3 suspension). The browser's /api/me/credentials needs an MFA session instead.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { KEY_ALGORITHMS } from '../../crypto/index.ts';
import { shomeiError } from '../../errors/index.ts';
import type { Credential } from '../credentials.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { RemoteSignatureService } from '../service.ts';
import { authenticateBearer } from './common.ts';
import { assertFreshRequest } from './fresh-request.ts';

export { NONCE_HEADER, TIMESTAMP_HEADER } from './fresh-request.ts';

const createSchema = z.object({
  algorithm: z.enum(KEY_ALGORITHMS),
  subject: z.string().min(3).max(512),
  description: z.string().max(255).optional(),
  authMode: z.enum(['explicit', 'oauth2code']).optional(),
  scal: z.enum(['1', '2']).optional(),
  multisign: z.number().int().min(1).max(1000).optional(),
  email: z.string().max(320).optional(),
});
const pinSchema = z.object({ pin: z.string().min(1).max(64) });
const changePinSchema = z.object({
  oldPin: z.string().min(1).max(64),
  newPin: z.string().min(1).max(64),
  otp: z.string().min(1).max(64),
});
const emailSchema = z.object({ email: z.string().min(3).max(320) });
const manageSchema = z.object({
  reason: z.enum(['keyCompromise', 'cessationOfOperation', 'superseded', 'unspecified']).optional(),
  subject: z.string().min(3).max(512).optional(),
  pin: z.string().min(1).max(64),
  otp: z.string().min(1).max(64),
});
const idSchema = z.object({ id: z.string().min(1).max(100) });
const approvalSchema = z.object({ id: z.string().min(1).max(100), approvalId: z.string().min(1).max(100) });
const approveSchema = z.object({ pin: z.string().min(1).max(64), otp: z.string().min(1).max(64) });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || 'body';
    throw shomeiError('SHOMEI_BAD_REQUEST', `入力 ${where} が不正です。`, `Input ${where} is invalid.`, {
      status: 400,
      details: { field: where },
    });
  }
  return parsed.data;
}

export function describe(c: Credential): Record<string, unknown> {
  return {
    credentialID: c.credential_id,
    status: c.status,
    algorithm: c.key_algorithm,
    scal: c.scal,
    authMode: c.auth_mode,
    multisign: c.multisign,
    description: c.description,
    pinSet: c.pin_hash !== null,
    otpMethod: c.otp_method,
    locked: c.locked_at !== null,
    certificate:
      c.certificate === null
        ? null
        : {
            serialNumber: c.cert_serial,
            subjectDN: c.cert_subject_dn,
            issuerDN: c.cert_issuer_dn,
            validFrom: c.cert_not_before,
            validTo: c.cert_not_after,
          },
    publicKey: Buffer.from(c.public_key).toString('base64'),
    createdAt: c.created_at,
  };
}

export async function credentialsApiRoutes(
  app: FastifyInstance,
  rssp: RemoteSignatureService,
): Promise<void> {
  const user = async (request: FastifyRequest): Promise<RsspPrincipal & { userId: string }> => {
    const principal = await authenticateBearer(rssp, request);
    if (principal.userId === null || principal.scope !== 'service') {
      throw shomeiError(
        'SHOMEI_FORBIDDEN',
        'この操作には利用者としての認証が必要です。',
        'This needs an authenticated user.',
        {
          status: 403,
        },
      );
    }
    return principal as RsspPrincipal & { userId: string };
  };

  const freshRequest = (request: FastifyRequest, actorId: string) =>
    assertFreshRequest(rssp, request, actorId);

  app.post('/', async (request, reply) => {
    const principal = await user(request);
    const input = parse(createSchema, request.body);
    const created = await rssp.credentials.create({
      userId: principal.userId,
      ...(principal.tenantId === null ? {} : { tenantId: principal.tenantId }),
      algorithm: input.algorithm,
      subject: input.subject,
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.authMode === undefined ? {} : { authMode: input.authMode }),
      ...(input.scal === undefined ? {} : { scal: input.scal }),
      ...(input.multisign === undefined ? {} : { multisign: input.multisign }),
      ...(input.email === undefined ? {} : { email: input.email }),
      ...(principal.clientId === null ? {} : { allowedClients: [principal.clientId] }),
    });
    return reply.status(201).send({ ...describe(created.credential), csr: created.csr.toString('base64') });
  });

  app.get('/', async (request) => {
    const principal = await user(request);
    return { credentials: (await rssp.credentials.listForUser(principal.userId)).map(describe) };
  });

  app.get('/:id', async (request) => {
    const principal = await user(request);
    const { id } = parse(idSchema, request.params);
    return describe(await rssp.credentials.requireOwned(id, principal.userId));
  });

  app.post('/:id/pin', async (request, reply) => {
    const principal = await user(request);
    const { id } = parse(idSchema, request.params);
    await rssp.credentials.setPin(id, principal.userId, parse(pinSchema, request.body).pin);
    return reply.status(204).send();
  });

  /** The credential's PIN and one-time code, checked under its lockout (see the module comment). */
  const confirmWithFactors = async (id: string, userId: string, pin: string, otp: string) => {
    const credential = await rssp.credentials.requireOwned(id, userId);
    await rssp.activation.verifyActivationFactors(credential, [
      { id: 'PIN', value: pin },
      { id: 'OTP', value: otp },
    ]);
  };

  app.post('/:id/pin/change', async (request, reply) => {
    const principal = await user(request);
    const { id } = parse(idSchema, request.params);
    const input = parse(changePinSchema, request.body);
    await confirmWithFactors(id, principal.userId, input.oldPin, input.otp);
    await rssp.credentials.changePin(id, principal.userId, input.oldPin, input.newPin);
    return reply.status(204).send();
  });

  app.post('/:id/totp', async (request, reply) => {
    const principal = await user(request);
    const { id } = parse(idSchema, request.params);
    const enrolment = await rssp.credentials.enrolTotp(id, principal.userId);
    return reply.header('cache-control', 'no-store').send(enrolment);
  });

  app.post('/:id/email-otp', async (request, reply) => {
    const principal = await user(request);
    const { id } = parse(idSchema, request.params);
    await rssp.credentials.enrolEmailCodes(id, principal.userId, parse(emailSchema, request.body).email);
    return reply.status(204).send();
  });

  for (const action of ['suspend', 'resume', 'revoke', 'end', 'renew'] as const) {
    app.post(`/:id/${action}`, async (request, reply) => {
      const principal = await user(request);
      const { id } = parse(idSchema, request.params);
      const input = parse(manageSchema, request.body);
      await rssp.credentials.requireOwned(id, principal.userId);
      await freshRequest(request, principal.userId);
      await confirmWithFactors(id, principal.userId, input.pin, input.otp);
      if (action === 'suspend') await rssp.credentials.suspend(id, principal.userId);
      else if (action === 'resume') await rssp.credentials.resume(id, principal.userId);
      else if (action === 'revoke')
        await rssp.credentials.revoke(id, principal.userId, input.reason ?? 'unspecified');
      else if (action === 'end') await rssp.credentials.end(id, principal.userId);
      else {
        const old = await rssp.credentials.requireOwned(id, principal.userId);
        const renewed = await rssp.credentials.renew(
          id,
          principal.userId,
          input.subject ?? old.cert_subject_dn ?? 'CN=shomei signer',
        );
        return reply.status(201).send(describe(renewed.credential));
      }
      return describe(await rssp.credentials.requireOwned(id, principal.userId));
    });
  }

  // Decoupled credentials/authorize (docs/csc-api.md): the user sees what an SCA asked to sign and
  // approves it with PIN and one-time code, or rejects it. The SCA collects the SAD with authorizeCheck.
  app.get('/:id/authorizations', async (request, reply) => {
    const principal = await user(request);
    const { id } = parse(idSchema, request.params);
    await rssp.credentials.requireOwned(id, principal.userId);
    const pending = await rssp.decoupled.pending(principal.userId, id);
    return reply.header('cache-control', 'no-store').send({
      authorizations: pending.map((p) => ({
        approvalID: p.approvalId,
        credentialID: p.credentialId,
        clientID: p.clientId,
        numSignatures: p.numSignatures,
        hashes: p.hashes.map((h) => h.toString('base64')),
        hashAlgorithmOID: p.hashAlgorithmOid,
        description: p.description,
        expiresAt: p.expiresAt,
      })),
    });
  });

  app.post('/:id/authorizations/:approvalId/approve', async (request, reply) => {
    const principal = await user(request);
    const { id, approvalId } = parse(approvalSchema, request.params);
    const input = parse(approveSchema, request.body);
    const credential = await rssp.credentials.requireOwned(id, principal.userId);
    await rssp.decoupled.decide(
      principal.userId,
      credential,
      approvalId,
      {
        approve: true,
        authData: [
          { id: 'PIN', value: input.pin },
          { id: 'OTP', value: input.otp },
        ],
      },
      request.ip,
    );
    return reply.status(204).send();
  });

  app.post('/:id/authorizations/:approvalId/reject', async (request, reply) => {
    const principal = await user(request);
    const { id, approvalId } = parse(approvalSchema, request.params);
    const credential = await rssp.credentials.requireOwned(id, principal.userId);
    await rssp.decoupled.decide(principal.userId, credential, approvalId, { approve: false }, request.ip);
    return reply.status(204).send();
  });
}
