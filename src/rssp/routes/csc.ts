/** The CSC API v2 methods under /csc/v2/ (csc-api-v2 §4). Every method but info and auth/login needs a bearer. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { SignatureLevel } from '../../ades/index.ts';
import { entitled } from '../activation.ts';
import { digestAlgorithmOf } from '../algorithms.ts';
import type { AsyncMethod } from '../asynchronous.ts';
import { AuthorizationPending } from '../decoupled.ts';
import {
  type DocumentDigestRequest,
  type DocumentRequest,
  documentsTooLarge,
  type SignDocResult,
} from '../documents.ts';
import { CSC, invalidRequest } from '../errors.ts';
import { decodeHashes } from '../hashes.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { RemoteSignatureService } from '../service.ts';
import type { CredentialTable } from '../tables.ts';
import { listCredentials } from '../verbs/list-credentials.ts';
import { logIn } from '../verbs/log-in.ts';
import { sendChallenge } from '../verbs/send-challenge.ts';
import { auditingCscErrorHandler, authenticateBearer, field, printable, responseLanguage } from './common.ts';
import { credentialInfo } from './credential-info.ts';
import {
  authorizeCheckSchema,
  authorizeSchema,
  credentialInfoRequestSchema,
  type documentDigestSchema,
  type documentSchema,
  extendTransactionSchema,
  getChallengeSchema,
  infoQuerySchema,
  infoSchema,
  listSchema,
  loginSchema,
  notImplementedSchema,
  revokeSchema,
  type SignDocAnswer,
  sendOtpSchema,
  signDocSchema,
  signHashSchema,
  signPollingSchema,
  timestampSchema,
} from './csc-shapes.ts';

export const CSC_SPEC_VERSION = '2.0.0.2';

export function cscMethods(rssp: RemoteSignatureService): string[] {
  return [
    'auth/login',
    'auth/revoke',
    'credentials/list',
    'credentials/info',
    'credentials/authorize',
    'credentials/authorizeCheck',
    'credentials/extendTransaction',
    'credentials/getChallenge',
    'credentials/sendOTP',
    'signatures/signHash',
    ...(rssp.documents === undefined ? [] : ['signatures/signDoc']),
    'signatures/signPolling',
    ...(rssp.timestamps === undefined ? [] : ['signatures/timestamp']),
    'oauth2/authorize',
    'oauth2/pushed_authorize',
    'oauth2/token',
    'oauth2/revoke',
  ];
}

/** The bearer's principal, settled in preValidation so that 401 comes before a refused body. */
const principals = new WeakMap<FastifyRequest, RsspPrincipal>();
function principalOf(request: FastifyRequest): RsspPrincipal {
  const principal = principals.get(request);
  if (principal === undefined) throw CSC.invalidToken();
  return principal;
}

export async function cscRoutes(fastify: FastifyInstance, rssp: RemoteSignatureService): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // Also on a bare Fastify (tests): the shapes in csc-shapes.ts validate and serialise.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(auditingCscErrorHandler(rssp));
  const bearer = async (request: FastifyRequest) => {
    principals.set(request, await authenticateBearer(rssp, request));
  };
  const authenticated = { preValidation: bearer };

  app.get('/info', { schema: infoQuerySchema }, async (request) => serviceInfo(rssp, request.query));
  app.post('/info', { schema: infoSchema }, async (request) => serviceInfo(rssp, request.body));

  app.post('/auth/login', { schema: loginSchema }, async (request) => {
    const result = await logIn(rssp, {
      authorization: request.headers.authorization,
      refreshToken: request.body.refresh_token ?? undefined,
      rememberMe: request.body.rememberMe ?? false,
      source: request.ip,
    });
    return {
      access_token: result.accessToken,
      expires_in: result.expiresIn,
      ...(result.refreshToken === undefined ? {} : { refresh_token: result.refreshToken }),
    };
  });

  app.post('/auth/revoke', { schema: revokeSchema, ...authenticated }, async (request, reply) => {
    const principal = principalOf(request);
    await rssp.tokens.revoke(
      request.body.token,
      (row) =>
        (principal.userId !== null && row.user_id === principal.userId) ||
        (principal.clientId !== null && row.client_id === principal.clientId),
    );
    return reply.status(204).send(null);
  });

  app.post('/credentials/list', { schema: listSchema, ...authenticated }, async (request) => {
    const principal = principalOf(request);
    const body = request.body;
    const userId = requestedUser(principal, body.userID);
    const withInfo = body.credentialInfo ?? false;
    const certificates = body.certificates ?? 'single';
    const certInfo = body.certInfo ?? false;
    const authInfo = body.authInfo ?? false;
    const onlyValid = body.onlyValid ?? false;
    const lang = responseLanguage(body);
    const credentials = await listCredentials(rssp, principal, { userId, onlyValid });
    const response: z.input<(typeof listSchema.response)[200]> = {
      credentialIDs: credentials.map((c) => c.credential_id),
    };
    if (withInfo) {
      response.credentialInfos = await Promise.all(
        credentials.map(async (c) => ({
          credentialID: c.credential_id,
          ...credentialInfo(c, {
            certificates,
            certInfo,
            authInfo,
            lang,
            now: rssp.clock.now(),
            certificateStatus: undefined,
            loginFactor: (await rssp.signingFactors.of(c.tenant_id)) === 'login-totp',
          }),
        })),
      );
    }
    if (onlyValid) response.onlyValid = true;
    return response;
  });

  app.post(
    '/credentials/info',
    { schema: credentialInfoRequestSchema, ...authenticated },
    async (request) => {
      const principal = principalOf(request);
      const body = request.body;
      const credential = await ownedCredential(rssp, principal, body.userID, body.credentialID);
      return credentialInfo(credential, {
        certificates: body.certificates ?? 'single',
        certInfo: body.certInfo ?? false,
        authInfo: true,
        lang: responseLanguage(body),
        now: rssp.clock.now(),
        certificateStatus: await rssp.signing.certificateStatus(credential),
        loginFactor: (await rssp.signingFactors.of(credential.tenant_id)) === 'login-totp',
      });
    },
  );

  app.post(
    '/credentials/authorize',
    { schema: authorizeSchema, ...authenticated },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.scope !== 'service') throw CSC.accessDenied();
      const body = request.body;
      const credentialId = body.credentialID;
      const numSignatures = body.numSignatures;
      const { hashes, hashAlgorithmOid } = authorizedHashes(body);
      const authData = (body.authData ?? []).map((d) =>
        d.value === undefined ? { id: d.id } : { id: d.id, value: d.value },
      );
      const description = body.description ?? undefined;
      if (authData.length > 0 && authData.every((d) => d.value === undefined)) {
        // The auth objects named without values: the user approves out of band (decoupled, §5.3).
        const credential = await rssp.activation.usableCredential(
          principal,
          optionalUser(principal, body.userID),
          credentialId,
        );
        if (credential.auth_mode !== 'explicit') throw CSC.invalidParameter('credentialID');
        rssp.activation.checkBudget(credential, numSignatures, hashes, hashAlgorithmOid);
        const ids = authData.map((d) => d.id).sort();
        if (ids.length !== 2 || ids[0] !== 'OTP' || ids[1] !== 'PIN') throw CSC.invalidAuthenticationData();
        const handle = await rssp.decoupled.request(principal, credential, {
          numSignatures,
          ...(hashes === undefined ? {} : { hashes }),
          ...(hashAlgorithmOid === undefined ? {} : { hashAlgorithmOid }),
          ...(description === undefined ? {} : { description }),
          source: request.ip,
        });
        return reply.status(202).header('cache-control', 'no-store').send({ handle });
      }
      const result = await rssp.activation.authorizeCredential(
        principal,
        optionalUser(principal, body.userID),
        {
          credentialId,
          numSignatures,
          ...(hashes === undefined ? {} : { hashes }),
          ...(hashAlgorithmOid === undefined ? {} : { hashAlgorithmOid }),
          authData,
          source: request.ip,
        },
      );
      return reply.header('cache-control', 'no-store').send({ SAD: result.sad, expiresIn: result.expiresIn });
    },
  );

  app.post(
    '/credentials/authorizeCheck',
    { schema: authorizeCheckSchema, ...authenticated },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.scope !== 'service') throw CSC.accessDenied();
      const body = request.body;
      try {
        const result = await rssp.decoupled.check(
          principal,
          optionalUser(principal, body.userID),
          body.handle,
        );
        return reply
          .header('cache-control', 'no-store')
          .send({ SAD: result.sad, expiresIn: result.expiresIn });
      } catch (error) {
        if (error instanceof AuthorizationPending) return reply.status(202).send({ handle: error.handle });
        throw error;
      }
    },
  );

  app.post(
    '/credentials/extendTransaction',
    { schema: extendTransactionSchema, ...authenticated },
    async (request) => {
      const principal = principalOf(request);
      if (principal.scope !== 'service') throw CSC.accessDenied();
      const body = request.body;
      const { hashes, hashAlgorithmOid } = authorizedHashes(body);
      const result = await rssp.activation.extendTransaction(
        principal,
        optionalUser(principal, body.userID),
        {
          credentialId: body.credentialID,
          sad: body.SAD,
          ...(hashes === undefined ? {} : { hashes }),
          ...(hashAlgorithmOid === undefined ? {} : { hashAlgorithmOid }),
          source: request.ip,
        },
      );
      return { SAD: result.sad, expiresIn: result.expiresIn };
    },
  );

  const challenge = async (
    request: FastifyRequest,
    body: { credentialID: string; authObjectID?: string; userID?: unknown },
    method: 'getChallenge' | 'sendOTP',
  ) => {
    const principal = principalOf(request);
    await sendChallenge(rssp, principal, {
      method,
      credentialId: body.credentialID,
      userId: optionalUser(principal, body.userID),
      authObjectId: body.authObjectID ?? 'OTP',
      source: request.ip,
    });
  };
  app.post(
    '/credentials/getChallenge',
    { schema: getChallengeSchema, ...authenticated },
    async (request, reply) => {
      await challenge(request, request.body, 'getChallenge');
      return reply.status(204).send(null);
    },
  );
  app.post('/credentials/sendOTP', { schema: sendOtpSchema, ...authenticated }, async (request, reply) => {
    await challenge(request, request.body, 'sendOTP');
    return reply.status(204).send(null);
  });

  app.post('/signatures/signHash', { schema: signHashSchema, ...authenticated }, async (request) => {
    const principal = principalOf(request);
    const body = request.body;
    const credentialId = body.credentialID;
    const { SAD: sad, hashAlgorithmOID: hashAlgorithmOid, signAlgoParams } = body;
    const asynchronous = asyncMode(body, rssp);
    const userId = optionalUser(principal, body.userID);
    const sign = async () => {
      const signatures = await rssp.signing.signHash(principal, {
        credentialId,
        ...(sad == null ? {} : { sad }),
        hashes: body.hashes,
        ...(hashAlgorithmOid == null ? {} : { hashAlgorithmOid }),
        signAlgo: body.signAlgo,
        ...(signAlgoParams == null ? {} : { signAlgoParams }),
        ...(userId === null ? {} : { userId }),
        source: request.ip,
      });
      return { signatures: signatures.map((s) => s.toString('base64')) };
    };
    if (asynchronous === undefined) return sign();
    return startAsync('signatures/signHash', principal, body.userID, credentialId, asynchronous, sign);
  });

  app.post('/signatures/signPolling', { schema: signPollingSchema, ...authenticated }, async (request) => {
    const principal = principalOf(request);
    const body = request.body;
    // The specification names it requestID; the value is the responseID, so that name is read too.
    const key = body.requestID === undefined && body.responseID !== undefined ? 'responseID' : 'requestID';
    const requestId = field.string(body, key, { required: true, max: 512 });
    if (principal.userId !== null && body.userID !== undefined && body.userID !== null)
      throw invalidRequest('userID parameter SHALL be null');
    return rssp.asyncResults.poll(principal, requestedUser(principal, body.userID), requestId);
  });

  /** operationMode "A": credential checked now, the method's work in the background, a responseID back. */
  const startAsync = async (
    method: AsyncMethod,
    principal: RsspPrincipal,
    userID: unknown,
    credentialId: string,
    validityMs: number,
    work: () => Promise<Record<string, unknown>>,
  ) => {
    const credential = await ownedCredential(rssp, principal, userID, credentialId);
    const responseID = await rssp.asyncResults.start(principal, {
      method,
      credentialId: credential.credential_id,
      userId: credential.user_id,
      validityMs,
      work,
    });
    return { responseID };
  };

  // Methods of the specification this service does not offer (yet): 501 not_implemented ([OAS21]).
  const unimplemented = [
    ...(rssp.documents === undefined ? ['signatures/signDoc'] : []),
    ...(rssp.timestamps === undefined ? ['signatures/timestamp'] : []),
  ];
  for (const method of unimplemented) {
    app.post(`/${method}`, { schema: notImplementedSchema }, async () => {
      throw CSC.notImplemented();
    });
  }
  app.setNotFoundHandler(async (_request, reply) =>
    reply.status(404).send({ error: 'invalid_request', error_description: 'Unknown method' }),
  );

  if (rssp.documents !== undefined) {
    const documents = rssp.documents;
    // Base64 documents up to the configured size (the server-wide body limit is far smaller).
    const bodyLimit = Math.ceil((documents.documentLimit * 4) / 3) + 1024 * 1024;
    const signDoc = { bodyLimit, schema: signDocSchema, ...authenticated };
    app.post('/signatures/signDoc', signDoc, async (request) => {
      const principal = principalOf(request);
      const body = request.body;
      const credentialId = body.credentialID;
      const sad = body.SAD ?? undefined;
      const asynchronous = asyncMode(body, rssp);
      // [VCK] spells it returnValidationInformation; accept both (csc-api-v2 §4.16).
      const returnValidationInfo = body.returnValidationInfo ?? body.returnValidationInformation ?? false;
      const hasDigests = body.documentDigests != null;
      const hasDocuments = body.documents != null;
      if (hasDigests && hasDocuments)
        throw invalidRequest('Both documentDigests and documents parameters passed');
      if (!hasDigests && !hasDocuments) throw invalidRequest('Empty documentDigests and documents objects');
      const digestEntries = documentDigestsOf(body.documentDigests ?? []);
      const documentEntries = documentsOf(body.documents ?? [], documents.documentLimit);
      if (digestEntries.length + documentEntries.length === 0)
        throw invalidRequest('Empty documentDigests and documents objects');
      const userId = optionalUser(principal, body.userID);
      const sign = async () =>
        signDocAnswer(
          await documents.signDoc(principal, {
            credentialId,
            ...(sad === undefined ? {} : { sad }),
            ...(hasDigests ? { documentDigests: digestEntries } : {}),
            ...(hasDocuments ? { documents: documentEntries } : {}),
            returnValidationInfo,
            ...(userId === null ? {} : { userId }),
            source: request.ip,
          }),
        );
      if (asynchronous === undefined) return sign();
      return startAsync('signatures/signDoc', principal, body.userID, credentialId, asynchronous, sign);
    });
  }

  if (rssp.timestamps !== undefined) {
    const timestamps = rssp.timestamps;
    app.post('/signatures/timestamp', { schema: timestampSchema, ...authenticated }, async (request) => {
      const { hash, hashAlgo, nonce } = request.body;
      const digest = digestAlgorithmOf(hashAlgo);
      if (digest === undefined) throw CSC.invalidParameter('hashAlgo');
      const [bytes] = decodeHashes([hash], digest);
      const token = await timestamps.timestamp({
        hash: bytes!,
        hashAlgorithmOid: hashAlgo,
        ...(nonce == null ? {} : { nonce: BigInt(`0x${nonce}`) }),
      });
      return { timestamp: token.toString('base64') };
    });
  }
}

/** The info answer (csc-api-v2 §11.1): what this service offers, in the caller's language. */
function serviceInfo(rssp: RemoteSignatureService, body: { lang?: unknown }) {
  const lang = responseLanguage(body);
  const base = rssp.settings.publicUrl;
  return {
    specs: CSC_SPEC_VERSION,
    name: rssp.settings.serviceName,
    logo: `${base}/logo.png`,
    region: 'JP',
    lang,
    description:
      lang === 'en-US'
        ? 'Remote signature service (keys in an HSM, SAD with PIN and one-time code: JT2A level 2)'
        : 'リモート署名サービス (鍵は HSM 内、PIN とワンタイムコードによる署名活性化: JT2A レベル2)',
    authType: ['basic', 'oauth2code', 'oauth2client'],
    oauth2: `${base}/`,
    asynchronousOperationMode: true,
    methods: cscMethods(rssp),
    validationInfo: rssp.documents?.capabilities.validationInfo ?? false,
    signAlgorithms: {
      algos: [
        '1.2.840.113549.1.1.11',
        '1.2.840.113549.1.1.12',
        '1.2.840.113549.1.1.13',
        '1.2.840.113549.1.1.10',
        '1.2.840.113549.1.1.1',
        '1.2.840.10045.4.3.2',
        '1.2.840.10045.4.3.3',
        '1.2.840.10045.4.3.4',
        '1.2.840.10045.2.1',
      ],
    },
    // signDoc: CAdES (detached) and PAdES from documentDigests or documents (csc-api-v2 §4.1, §6),
    // at the levels the TSA and the revocation source at hand allow.
    signature_formats:
      rssp.documents === undefined
        ? { formats: [], envelope_properties: [] }
        : { formats: ['C', 'P'], envelope_properties: [['Detached'], ['Certification', 'Revision']] },
    conformance_levels:
      rssp.documents === undefined ? [] : rssp.documents.capabilities.levels.map((l) => LEVEL_NAMES[l]),
  };
}

/** The signDoc answer: attached results, detached results and validation data as the specification names them. */
function signDocAnswer(result: SignDocResult): SignDocAnswer {
  const response: SignDocAnswer = {};
  if (result.documentsWithSignature.length > 0)
    response.DocumentWithSignature = result.documentsWithSignature.map((d) => d.toString('base64'));
  if (result.signatureObjects.length > 0)
    response.SignatureObject = result.signatureObjects.map((s) => s.toString('base64'));
  if (result.validationInfo !== undefined) {
    response.validationInfo = {
      ocsp: result.validationInfo.ocsp.map((b) => b.toString('base64')),
      crl: result.validationInfo.crl.map((b) => b.toString('base64')),
      certificates: result.validationInfo.certificates.map((b) => b.toString('base64')),
    };
  }
  return response;
}

/**
 * operationMode (S default, A), validity_period (ms, only with A, within the configured bounds) and
 * response_uri (refused: the service does not call out to client-given URLs). Returns how long an
 * asynchronous result is kept, or undefined for a synchronous call.
 */
function asyncMode(
  body: { operationMode?: 'S' | 'A' | null | undefined; validity_period?: number | null | undefined },
  rssp: RemoteSignatureService,
): number | undefined {
  const { operationMode, validity_period: period } = body;
  if (period === undefined || period === null)
    return operationMode === 'A' ? (rssp.settings.asyncResultSeconds ?? 300) * 1000 : undefined;
  if (operationMode !== 'A') throw CSC.invalidParameter('validity_period');
  if (period < 1000 || period > (rssp.settings.maxAsyncResultSeconds ?? 3600) * 1000)
    throw invalidRequest('Out of bounds parameter validity_period');
  return period;
}

const LEVELS: Record<string, SignatureLevel> = {
  'ades-b-b': 'B-B',
  'ades-b-t': 'B-T',
  'ades-b-lt': 'B-LT',
  'ades-b-lta': 'B-LTA',
};

/** The names info advertises (the specification's table spelling); parsed case-insensitively. */
export const LEVEL_NAMES: Record<SignatureLevel, string> = {
  'B-B': 'Ades-B-B',
  'B-T': 'Ades-B-T',
  'B-LT': 'Ades-B-LT',
  'B-LTA': 'Ades-B-LTA',
};

type DigestEntry = z.output<typeof documentDigestSchema>;
type DocumentEntry = z.output<typeof documentSchema>;

/** conformance_level and signed_envelope_property of one entry (the shape checked their types). */
function entryOptions(entry: DigestEntry | DocumentEntry): {
  format: 'P' | 'C';
  level: SignatureLevel;
  certification: boolean;
} {
  const format = entry.signature_format;
  const raw = entry.conformance_level;
  let level: SignatureLevel = 'B-B';
  if (raw !== undefined && raw !== null) {
    const found = LEVELS[raw.toLowerCase()];
    if (found === undefined) throw CSC.invalidParameter('conformance_level');
    level = found;
  }
  const envelope = entry.signed_envelope_property;
  // CAdES: only detached signatures are produced (absent means Detached here).
  const envelopes = format === 'P' ? ['Certification', 'Revision'] : ['Detached'];
  if (envelope !== undefined && envelope !== null && !envelopes.includes(envelope)) {
    throw CSC.invalidParameter('signed_envelope_property');
  }
  return { format, level, certification: envelope === 'Certification' };
}

/** The algorithm fields of one entry, without the absent ones. */
function algorithmOf(entry: DigestEntry | DocumentEntry) {
  return {
    signAlgo: entry.signAlgo,
    ...(entry.hashAlgorithmOID == null ? {} : { hashAlgorithmOid: entry.hashAlgorithmOID }),
    ...(entry.signAlgoParams == null ? {} : { signAlgoParams: entry.signAlgoParams }),
  };
}

/** documentDigests of signDoc. */
function documentDigestsOf(entries: readonly DigestEntry[]): DocumentDigestRequest[] {
  return entries.map((entry) => {
    const { format, level } = entryOptions(entry);
    return { hashes: entry.hashes, signatureFormat: format, level, ...algorithmOf(entry) };
  });
}

/** documents of signDoc: strict Base64 (the shape), decoded size limited per request. */
function documentsOf(entries: readonly DocumentEntry[], maxBytes: number): DocumentRequest[] {
  let total = 0;
  return entries.map((entry) => {
    const { format, level, certification } = entryOptions(entry);
    total += (entry.document.length / 4) * 3;
    if (total > maxBytes + 2) throw documentsTooLarge(maxBytes);
    return {
      document: Buffer.from(entry.document, 'base64'),
      signatureFormat: format,
      level,
      ...(certification ? { certification } : {}),
      ...algorithmOf(entry),
    };
  });
}

/** userID: absent for user-bound tokens (else 400), required for a client system's own token. */
function requestedUser(principal: RsspPrincipal, userId: unknown): string {
  if (principal.userId !== null) {
    if (userId !== undefined && userId !== null) throw CSC.userIdMustBeNull();
    return principal.userId;
  }
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 100)
    throw CSC.missingString('userID');
  return printable('userID', userId);
}

function optionalUser(principal: RsspPrincipal, userId: unknown): string | null {
  if (principal.userId !== null) {
    if (userId !== undefined && userId !== null) throw CSC.userIdMustBeNull();
    return null;
  }
  return requestedUser(principal, userId);
}

async function ownedCredential(
  rssp: RemoteSignatureService,
  principal: RsspPrincipal,
  userId: unknown,
  credentialId: string,
): Promise<CredentialTable> {
  const credential = await rssp.credentials.get(credentialId);
  if (credential === undefined || !entitled(principal, credential, optionalUser(principal, userId))) {
    throw CSC.invalidParameter('credentialID');
  }
  return credential;
}

function authorizedHashes(body: {
  hashes?: string[] | null | undefined;
  hashAlgorithmOID?: string | null | undefined;
}): {
  hashes?: Buffer[];
  hashAlgorithmOid?: string;
} {
  const raw = body.hashes ?? undefined;
  const hashAlgorithmOid = body.hashAlgorithmOID ?? undefined;
  if (raw === undefined) return hashAlgorithmOid === undefined ? {} : { hashAlgorithmOid };
  if (hashAlgorithmOid === undefined) throw CSC.missingString('hashAlgorithmOID');
  const digest = digestAlgorithmOf(hashAlgorithmOid);
  if (digest === undefined) throw CSC.invalidParameter('hashAlgorithmOID');
  return { hashes: decodeHashes(raw, digest), hashAlgorithmOid };
}
