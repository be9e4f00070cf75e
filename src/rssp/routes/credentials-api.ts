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
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { shomeiError } from '../../errors/index.ts';
import type { Credential } from '../credentials.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { RemoteSignatureService } from '../service.ts';
import { authenticateBearer } from './common.ts';
import {
  approvalParams,
  approveBody,
  type CredentialView,
  changePinBody,
  createCredentialBody,
  createdCredentialSchema,
  credentialIdParams,
  credentialListSchema,
  credentialViewSchema,
  emailBody,
  manageBody,
  noContent,
  pendingAuthorizationsSchema,
  pinBody,
  totpEnrolmentSchema,
} from './credential-shapes.ts';
import { assertFreshRequest } from './fresh-request.ts';
import type { ZodApp } from './zod-app.ts';

export { NONCE_HEADER, TIMESTAMP_HEADER } from './fresh-request.ts';

/** A refused parameter or body: SHOMEI_BAD_REQUEST naming the first field at fault. */
export function badCredentialInput(field: string) {
  const where = field.startsWith('(') ? 'body' : field;
  return shomeiError('SHOMEI_BAD_REQUEST', `入力 ${where} が不正です。`, `Input ${where} is invalid.`, {
    status: 400,
    details: { field: where },
  });
}
/** Route config: a schema refusal answers badCredentialInput. */
export const credentialInput = { invalidInput: badCredentialInput };

export function describe(c: Credential): CredentialView {
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
            serialNumber: c.cert_serial ?? '',
            subjectDN: c.cert_subject_dn ?? '',
            issuerDN: c.cert_issuer_dn ?? '',
            validFrom: c.cert_not_before ?? '',
            validTo: c.cert_not_after ?? '',
          },
    publicKey: Buffer.from(c.public_key).toString('base64'),
    createdAt: c.created_at,
  };
}

type UserPrincipal = RsspPrincipal & { userId: string };
interface Routes {
  readonly api: ZodApp;
  readonly rssp: RemoteSignatureService;
  /** The bearer's user, settled in preValidation. */
  readonly userOf: (request: FastifyRequest) => UserPrincipal;
}

export async function credentialsApiRoutes(
  app: FastifyInstance,
  rssp: RemoteSignatureService,
): Promise<void> {
  // Also on a bare Fastify (tests): the shapes in credential-shapes.ts validate and serialise.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // The bearer is settled before the input is validated, so 401/403 come before 400.
  const principals = new WeakMap<FastifyRequest, UserPrincipal>();
  app.addHook('preValidation', async (request) => {
    const principal = await authenticateBearer(rssp, request);
    if (principal.userId === null || principal.scope !== 'service') {
      throw shomeiError(
        'SHOMEI_FORBIDDEN',
        'この操作には利用者としての認証が必要です。',
        'This needs an authenticated user.',
        { status: 403 },
      );
    }
    principals.set(request, principal as UserPrincipal);
  });
  const userOf = (request: FastifyRequest): UserPrincipal => {
    const principal = principals.get(request);
    if (principal === undefined) throw new Error('the bearer was not authenticated');
    return principal;
  };
  const routes = { api: app.withTypeProvider<ZodTypeProvider>(), rssp, userOf };
  creationRoutes(routes);
  factorRoutes(routes);
  manageRoutes(routes);
  authorizationRoutes(routes);
}

/** Create, list and read the caller's credentials. */
function creationRoutes({ api, rssp, userOf }: Routes): void {
  const config = credentialInput;
  const createSchema = { body: createCredentialBody, response: { 201: createdCredentialSchema } };
  api.post('/', { schema: createSchema, config }, async (request, reply) => {
    const principal = userOf(request);
    const input = request.body;
    const created = await rssp.credentials.create({
      userId: principal.userId,
      ...(principal.tenantId === null ? {} : { tenantId: principal.tenantId }),
      algorithm: input.algorithm,
      subject: input.subject,
      description: input.description,
      authMode: input.authMode,
      scal: input.scal,
      multisign: input.multisign,
      email: input.email,
      ...(principal.clientId === null ? {} : { allowedClients: [principal.clientId] }),
    });
    return reply.status(201).send({ ...describe(created.credential), csr: created.csr.toString('base64') });
  });

  api.get('/', { schema: { response: { 200: credentialListSchema } } }, async (request) => {
    const principal = userOf(request);
    return { credentials: (await rssp.credentials.listForUser(principal.userId)).map(describe) };
  });

  const readSchema = { params: credentialIdParams, response: { 200: credentialViewSchema } };
  api.get('/:id', { schema: readSchema, config }, async (request) => {
    const principal = userOf(request);
    return describe(await rssp.credentials.requireOwned(request.params.id, principal.userId));
  });
}

/** The credential's PIN and one-time code, checked under its lockout (see the module comment). */
async function confirmWithFactors(
  rssp: RemoteSignatureService,
  id: string,
  userId: string,
  factors: { readonly pin: string; readonly otp: string },
): Promise<void> {
  const credential = await rssp.credentials.requireOwned(id, userId);
  await rssp.activation.verifyActivationFactors(credential, [
    { id: 'PIN', value: factors.pin },
    { id: 'OTP', value: factors.otp },
  ]);
}

/** PIN and one-time-factor enrolment. */
function factorRoutes({ api, rssp, userOf }: Routes): void {
  const config = credentialInput;
  const done = { 204: noContent };
  const pinSchema = { params: credentialIdParams, body: pinBody, response: done };
  api.post('/:id/pin', { schema: pinSchema, config }, async (request, reply) => {
    const principal = userOf(request);
    await rssp.credentials.setPin(request.params.id, principal.userId, request.body.pin);
    return reply.status(204).send(null);
  });

  const changeSchema = { params: credentialIdParams, body: changePinBody, response: done };
  api.post('/:id/pin/change', { schema: changeSchema, config }, async (request, reply) => {
    const principal = userOf(request);
    const { id } = request.params;
    const input = request.body;
    await confirmWithFactors(rssp, id, principal.userId, { pin: input.oldPin, otp: input.otp });
    await rssp.credentials.changePin(id, principal.userId, input.oldPin, input.newPin);
    return reply.status(204).send(null);
  });

  const totpSchema = { params: credentialIdParams, response: { 200: totpEnrolmentSchema } };
  api.post('/:id/totp', { schema: totpSchema, config }, async (request, reply) => {
    const principal = userOf(request);
    const enrolment = await rssp.credentials.enrolTotp(request.params.id, principal.userId);
    return reply.header('cache-control', 'no-store').send(enrolment);
  });

  const emailSchema = { params: credentialIdParams, body: emailBody, response: done };
  api.post('/:id/email-otp', { schema: emailSchema, config }, async (request, reply) => {
    const principal = userOf(request);
    await rssp.credentials.enrolEmailCodes(request.params.id, principal.userId, request.body.email);
    return reply.status(204).send(null);
  });
}

/** Suspend, resume, revoke, end and renew: replay-protected and confirmed with PIN and code. */
function manageRoutes({ api, rssp, userOf }: Routes): void {
  const schema = {
    params: credentialIdParams,
    body: manageBody,
    response: { 200: credentialViewSchema, 201: credentialViewSchema },
  };
  for (const action of ['suspend', 'resume', 'revoke', 'end', 'renew'] as const) {
    api.post(`/:id/${action}`, { schema, config: credentialInput }, async (request, reply) => {
      const principal = userOf(request);
      const { id } = request.params;
      const input = request.body;
      await rssp.credentials.requireOwned(id, principal.userId);
      await assertFreshRequest(rssp, request, principal.userId);
      await confirmWithFactors(rssp, id, principal.userId, input);
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
}

// Decoupled credentials/authorize (docs/csc-api.md): the user sees what an SCA asked to sign and
// approves it with PIN and one-time code, or rejects it. The SCA collects the SAD with authorizeCheck.
function authorizationRoutes({ api, rssp, userOf }: Routes): void {
  const config = credentialInput;
  const listSchema = { params: credentialIdParams, response: { 200: pendingAuthorizationsSchema } };
  api.get('/:id/authorizations', { schema: listSchema, config }, async (request, reply) => {
    const principal = userOf(request);
    const { id } = request.params;
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

  const approveSchema = { params: approvalParams, body: approveBody, response: { 204: noContent } };
  api.post(
    '/:id/authorizations/:approvalId/approve',
    { schema: approveSchema, config },
    async (request, reply) => {
      const principal = userOf(request);
      const { id, approvalId } = request.params;
      const credential = await rssp.credentials.requireOwned(id, principal.userId);
      const authData = [
        { id: 'PIN', value: request.body.pin },
        { id: 'OTP', value: request.body.otp },
      ];
      await rssp.decoupled.decide(
        principal.userId,
        credential,
        approvalId,
        { approve: true, authData },
        request.ip,
      );
      return reply.status(204).send(null);
    },
  );

  const rejectSchema = { params: approvalParams, response: { 204: noContent } };
  api.post(
    '/:id/authorizations/:approvalId/reject',
    { schema: rejectSchema, config },
    async (request, reply) => {
      const principal = userOf(request);
      const { id, approvalId } = request.params;
      const credential = await rssp.credentials.requireOwned(id, principal.userId);
      await rssp.decoupled.decide(principal.userId, credential, approvalId, { approve: false }, request.ip);
      return reply.status(204).send(null);
    },
  );
}
