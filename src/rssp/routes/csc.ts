/**
 * The CSC API v2 methods under /csc/v2/ (csc-api-v2 §4). Every method but info and auth/login needs a
 * bearer. Each handler translates the wire fields (csc-shapes.ts) into a typed request, calls one verb
 * (src/rssp/verbs/) and writes the verb's result under the specification's names.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { CSC } from '../errors.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { RsspRouteView } from '../service.ts';
import type { Authorization } from '../verbs/index.ts';
import { auditingCscErrorHandler, authenticateBearer, field, responseLanguage } from './common.ts';
import { credentialInfo } from './credential-info.ts';
import { signDocEntries } from './csc-documents.ts';
import {
  authorizeCheckSchema,
  authorizeSchema,
  credentialInfoRequestSchema,
  extendTransactionSchema,
  getChallengeSchema,
  infoQuerySchema,
  infoSchema,
  listSchema,
  loginSchema,
  notImplementedSchema,
  revokeSchema,
  sendOtpSchema,
  signDocSchema,
  signHashSchema,
  signPollingSchema,
  timestampSchema,
} from './csc-shapes.ts';

export { CSC_SPEC_VERSION } from '../verbs/index.ts';

type CscScope = ReturnType<typeof scoped>;

/** The bearer's principal, settled in preValidation so that 401 comes before a refused body. */
const principals = new WeakMap<FastifyRequest, RsspPrincipal>();
function principalOf(request: FastifyRequest): RsspPrincipal {
  const principal = principals.get(request);
  if (principal === undefined) throw CSC.invalidToken();
  return principal;
}

function scoped(fastify: FastifyInstance) {
  return fastify.withTypeProvider<ZodTypeProvider>();
}

export async function cscRoutes(fastify: FastifyInstance, rssp: RsspRouteView): Promise<void> {
  const app = scoped(fastify);
  // Also on a bare Fastify (tests): the shapes in csc-shapes.ts validate and serialise.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(auditingCscErrorHandler(rssp));
  const authenticated = {
    preValidation: async (request: FastifyRequest) => {
      principals.set(request, await authenticateBearer(rssp, request));
    },
  };
  serviceRoutes(app, rssp, authenticated);
  credentialRoutes(app, rssp, authenticated);
  authorizationRoutes(app, rssp, authenticated);
  signatureRoutes(app, rssp, authenticated);
  app.setNotFoundHandler(async (_request, reply) =>
    reply.status(404).send({ error: 'invalid_request', error_description: 'Unknown method' }),
  );
}

type Authenticated = { preValidation: (request: FastifyRequest) => Promise<void> };

/** info, auth/login, auth/revoke (csc-api-v2 §11.1–11.3). */
function serviceRoutes(app: CscScope, rssp: RsspRouteView, authenticated: Authenticated): void {
  const { verbs } = rssp;
  app.get('/info', { schema: infoQuerySchema }, async (request) =>
    verbs.info({ lang: responseLanguage(request.query) }),
  );
  app.post('/info', { schema: infoSchema }, async (request) =>
    verbs.info({ lang: responseLanguage(request.body) }),
  );
  app.post('/auth/login', { schema: loginSchema }, async (request) => {
    const result = await verbs.logIn({
      authorization: request.headers.authorization,
      refreshToken: request.body.refresh_token ?? undefined,
      rememberMe: request.body.rememberMe ?? false,
      source: request.ip,
    });
    return {
      access_token: result.accessToken,
      expires_in: result.expiresIn,
      refresh_token: result.refreshToken,
    };
  });
  app.post('/auth/revoke', { schema: revokeSchema, ...authenticated }, async (request, reply) => {
    await verbs.revokeToken(principalOf(request), request.body.token);
    return reply.status(204).send(null);
  });
}

/** credentials/list, credentials/info, credentials/getChallenge and the legacy sendOTP (§11.4, §11.5). */
function credentialRoutes(app: CscScope, rssp: RsspRouteView, authenticated: Authenticated): void {
  const { verbs } = rssp;
  app.post('/credentials/list', { schema: listSchema, ...authenticated }, async (request) => {
    const { body } = request;
    const withInfo = body.credentialInfo ?? false;
    const onlyValid = body.onlyValid ?? false;
    const listed = await verbs.listCredentials(principalOf(request), {
      userId: body.userID,
      onlyValid,
      withFactors: withInfo,
    });
    const options = {
      certificates: body.certificates ?? 'single',
      certInfo: body.certInfo ?? false,
      authInfo: body.authInfo ?? false,
      lang: responseLanguage(body),
      now: rssp.clock(),
      certificateStatus: undefined,
    };
    return {
      credentialIDs: listed.map((l) => l.credential.credential_id),
      ...(withInfo
        ? {
            credentialInfos: listed.map((l) => ({
              credentialID: l.credential.credential_id,
              ...credentialInfo(l.credential, { ...options, loginFactor: l.loginFactor }),
            })),
          }
        : {}),
      ...(onlyValid ? { onlyValid: true } : {}),
    };
  });
  app.post(
    '/credentials/info',
    { schema: credentialInfoRequestSchema, ...authenticated },
    async (request) => {
      const { body } = request;
      const described = await verbs.describeCredential(principalOf(request), {
        userId: body.userID,
        credentialId: body.credentialID,
      });
      return credentialInfo(described.credential, {
        certificates: body.certificates ?? 'single',
        certInfo: body.certInfo ?? false,
        authInfo: true,
        lang: responseLanguage(body),
        now: described.now,
        certificateStatus: described.certificateStatus,
        loginFactor: described.loginFactor,
      });
    },
  );
  const challenge =
    (method: 'getChallenge' | 'sendOTP') => async (request: ChallengeRequest, reply: FastifyReply) => {
      const { body } = request;
      await verbs.sendChallenge(principalOf(request), {
        method,
        credentialId: body.credentialID,
        userId: body.userID,
        authObjectId: body.authObjectID ?? 'OTP',
        source: request.ip,
      });
      return reply.status(204).send(null);
    };
  app.post(
    '/credentials/getChallenge',
    { schema: getChallengeSchema, ...authenticated },
    challenge('getChallenge'),
  );
  app.post('/credentials/sendOTP', { schema: sendOtpSchema, ...authenticated }, challenge('sendOTP'));
}

type ChallengeRequest = FastifyRequest<{
  Body: { credentialID: string; authObjectID?: string | null | undefined; userID?: unknown };
}>;

/** An authorisation as the specification answers it: the SAD (200), or the handle of a pending approval (202). */
function authorizationAnswer(reply: FastifyReply, authorization: Authorization) {
  if (authorization.kind === 'pending') return reply.status(202).send({ handle: authorization.handle });
  return reply
    .header('cache-control', 'no-store')
    .send({ SAD: authorization.sad, expiresIn: authorization.expiresIn });
}

/** credentials/authorize, authorizeCheck, extendTransaction (§11.6–11.8). */
function authorizationRoutes(app: CscScope, rssp: RsspRouteView, authenticated: Authenticated): void {
  const { verbs } = rssp;
  app.post(
    '/credentials/authorize',
    { schema: authorizeSchema, ...authenticated },
    async (request, reply) => {
      const { body } = request;
      const authorization = await verbs.authorize(principalOf(request), {
        credentialId: body.credentialID,
        userId: body.userID,
        numSignatures: body.numSignatures,
        hashes: body.hashes,
        hashAlgorithmOid: body.hashAlgorithmOID,
        authData: (body.authData ?? []).map((d) =>
          d.value === undefined ? { id: d.id } : { id: d.id, value: d.value },
        ),
        description: body.description ?? undefined,
        source: request.ip,
      });
      // Unlike authorizeCheck's, authorize's 202 has always been marked not to be stored.
      if (authorization.kind === 'pending') void reply.header('cache-control', 'no-store');
      return authorizationAnswer(reply, authorization);
    },
  );
  app.post(
    '/credentials/authorizeCheck',
    { schema: authorizeCheckSchema, ...authenticated },
    async (request, reply) =>
      authorizationAnswer(
        reply,
        await verbs.checkAuthorization(principalOf(request), {
          userId: request.body.userID,
          handle: request.body.handle,
        }),
      ),
  );
  app.post(
    '/credentials/extendTransaction',
    { schema: extendTransactionSchema, ...authenticated },
    async (request) => {
      const { body } = request;
      const result = await verbs.extendTransaction(principalOf(request), {
        credentialId: body.credentialID,
        userId: body.userID,
        sad: body.SAD,
        hashes: body.hashes,
        hashAlgorithmOid: body.hashAlgorithmOID,
        source: request.ip,
      });
      return { SAD: result.sad, expiresIn: result.expiresIn };
    },
  );
}

/** signatures/signHash, signDoc, signPolling, timestamp (§11.9–11.12); 501 for what this service does not offer. */
function signatureRoutes(app: CscScope, rssp: RsspRouteView, authenticated: Authenticated): void {
  const { verbs } = rssp;
  app.post('/signatures/signHash', { schema: signHashSchema, ...authenticated }, async (request) => {
    const { body } = request;
    return verbs.signHash(principalOf(request), {
      credentialId: body.credentialID,
      userId: body.userID,
      sad: body.SAD,
      hashes: body.hashes,
      hashAlgorithmOid: body.hashAlgorithmOID,
      signAlgo: body.signAlgo,
      signAlgoParams: body.signAlgoParams,
      operationMode: body.operationMode,
      validityPeriod: body.validity_period,
      source: request.ip,
    });
  });
  app.post('/signatures/signPolling', { schema: signPollingSchema, ...authenticated }, async (request) => {
    const { body } = request;
    // The specification names it requestID; the value is the responseID, so that name is read too.
    const key = body.requestID === undefined && body.responseID !== undefined ? 'responseID' : 'requestID';
    const requestId = field.string(body, key, { required: true, max: 512 });
    return verbs.pollSignature(principalOf(request), { userId: body.userID, requestId });
  });
  const { signDoc, timestamp } = verbs;
  const documentLimit = rssp.documents?.documentLimit;
  if (signDoc !== undefined && documentLimit !== undefined) {
    // Base64 documents up to the configured size (the server-wide body limit is far smaller).
    const bodyLimit = Math.ceil((documentLimit * 4) / 3) + 1024 * 1024;
    app.post(
      '/signatures/signDoc',
      { bodyLimit, schema: signDocSchema, ...authenticated },
      async (request) => {
        const { body } = request;
        return signDoc(principalOf(request), {
          credentialId: body.credentialID,
          userId: body.userID,
          sad: body.SAD,
          ...signDocEntries(body, documentLimit),
          // [VCK] spells it returnValidationInformation; accept both (csc-api-v2 §4.16).
          returnValidationInfo: body.returnValidationInfo ?? body.returnValidationInformation ?? false,
          operationMode: body.operationMode,
          validityPeriod: body.validity_period,
          source: request.ip,
        });
      },
    );
  } else notImplemented(app, 'signatures/signDoc');
  if (timestamp !== undefined) {
    app.post('/signatures/timestamp', { schema: timestampSchema, ...authenticated }, async (request) => {
      const { hash, hashAlgo, nonce } = request.body;
      return { timestamp: (await timestamp({ hash, hashAlgorithmOid: hashAlgo, nonce })).toString('base64') };
    });
  } else notImplemented(app, 'signatures/timestamp');
}

/** A method of the specification this service does not offer (yet): 501 not_implemented ([OAS21]). */
function notImplemented(app: CscScope, method: string): void {
  app.post(`/${method}`, { schema: notImplementedSchema }, async () => {
    throw CSC.notImplemented();
  });
}
