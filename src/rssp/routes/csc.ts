/** The CSC API v2 methods under /csc/v2/ (csc-api-v2 §4). Every method but info and auth/login needs a bearer. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
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
import { CSC, CscError, invalidRequest } from '../errors.ts';
import { decodeHashes } from '../hashes.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { RemoteSignatureService } from '../service.ts';
import type { CredentialTable } from '../tables.ts';
import {
  auditingCscErrorHandler,
  authenticateBearer,
  bodyObject,
  field,
  printable,
  responseLanguage,
} from './common.ts';
import { credentialInfo } from './credential-info.ts';

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

export async function cscRoutes(app: FastifyInstance, rssp: RemoteSignatureService): Promise<void> {
  app.setErrorHandler(auditingCscErrorHandler(rssp));
  const bearer = (request: FastifyRequest) => authenticateBearer(rssp, request);

  const info = async (request: FastifyRequest) => {
    const body = request.method === 'GET' ? (request.query as Record<string, unknown>) : bodyObject(request);
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
  };
  app.get('/info', info);
  app.post('/info', info);

  app.post('/auth/login', async (request) => {
    const body = bodyObject(request);
    const rememberMe = field.optionalBoolean(body, 'rememberMe') ?? false;
    const refreshToken = body.refresh_token;
    const header = request.headers.authorization;
    let userId: string;
    let tenantId: string | null;
    let grantId: string | undefined;
    if (header === undefined && refreshToken !== undefined) {
      if (typeof refreshToken !== 'string') throw invalidRequest('Invalid string parameter: refresh_token');
      const grant = await rssp.tokens.refreshGrant(refreshToken);
      if (grant === undefined || grant.client_id !== null || grant.user_id === null)
        throw invalidRequest('Invalid refresh_token');
      userId = grant.user_id;
      tenantId = grant.tenant_id;
      grantId = grant.grant_id;
    } else {
      const match = header === undefined ? null : /^Basic ([A-Za-z0-9+/]+=*)$/.exec(header);
      if (match === null) {
        throw new CscError('invalid_request', 'Malformed authentication parameter', 401);
      }
      const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0 || decoded.length > 512) throw invalidRequest('Malformed username-password');
      const user =
        rssp.users === undefined
          ? undefined
          : await rssp.users.verifyPassword(decoded.slice(0, colon), decoded.slice(colon + 1), request.ip);
      if (user === undefined) {
        await rssp.audit.append({
          type: 'auth.login',
          actor: { kind: 'anonymous', id: 'unknown' },
          outcome: 'failure',
          source: request.ip,
          details: { method: 'basic', interface: 'csc' },
        });
        throw new CscError('authentication_error', 'An error occurred during authentication process', 400);
      }
      userId = user.userId;
      tenantId = user.tenantId ?? null;
    }
    const grant = {
      scope: 'service' as const,
      userId,
      tenantId,
      clientId: null,
      credentialId: null,
      authMethod: 'basic',
    };
    const access = await rssp.tokens.issue(
      'access',
      { ...grant, ...(grantId === undefined ? {} : { grantId }) },
      rssp.settings.accessTokenSeconds,
    );
    const response: Record<string, unknown> = { access_token: access.token, expires_in: access.expiresIn };
    if (rememberMe && grantId === undefined) {
      const refresh = await rssp.tokens.issue(
        'refresh',
        { ...grant, grantId: access.grantId },
        rssp.settings.refreshTokenSeconds,
      );
      response.refresh_token = refresh.token;
    }
    await rssp.audit.append({
      type: 'auth.login',
      actor: { kind: 'user', id: userId },
      outcome: 'success',
      source: request.ip,
      details: { method: grantId === undefined ? 'basic' : 'refresh_token', interface: 'csc' },
    });
    return response;
  });

  app.post('/auth/revoke', async (request, reply) => {
    const principal = await bearer(request);
    const body = bodyObject(request);
    const token = field.string(body, 'token', { required: true, max: 512 });
    const hint = field.optionalString(body, 'token_type_hint');
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token')
      throw CSC.invalidParameter('token_type_hint');
    await rssp.tokens.revoke(
      token,
      (row) =>
        (principal.userId !== null && row.user_id === principal.userId) ||
        (principal.clientId !== null && row.client_id === principal.clientId),
    );
    return reply.status(204).send();
  });

  app.post('/credentials/list', async (request) => {
    const principal = await bearer(request);
    const body = bodyObject(request);
    const userId = requestedUser(principal, body);
    const withInfo = field.optionalBoolean(body, 'credentialInfo') ?? false;
    const certificates = field.certificates(body);
    const certInfo = field.optionalBoolean(body, 'certInfo') ?? false;
    const authInfo = field.optionalBoolean(body, 'authInfo') ?? false;
    const onlyValid = field.optionalBoolean(body, 'onlyValid') ?? false;
    field.optionalString(body, 'clientData', 4096);
    const lang = responseLanguage(body);
    let credentials = (await rssp.credentials.listForUser(userId)).filter((c) =>
      entitled(principal, c, userId),
    );
    if (onlyValid) {
      const checked = await Promise.all(
        credentials.map(async (c) => ((await rssp.signing.signingProblem(c)) === undefined ? c : undefined)),
      );
      credentials = checked.filter((c): c is CredentialTable => c !== undefined);
    }
    const response: Record<string, unknown> = { credentialIDs: credentials.map((c) => c.credential_id) };
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

  app.post('/credentials/info', async (request) => {
    const principal = await bearer(request);
    const body = bodyObject(request);
    const credentialId = field.string(body, 'credentialID', { required: true });
    const certificates = field.certificates(body);
    const certInfo = field.optionalBoolean(body, 'certInfo') ?? false;
    field.optionalBoolean(body, 'authInfo');
    field.optionalString(body, 'clientData', 4096);
    const credential = await ownedCredential(rssp, principal, body, credentialId);
    return credentialInfo(credential, {
      certificates,
      certInfo,
      authInfo: true,
      lang: responseLanguage(body),
      now: rssp.clock.now(),
      certificateStatus: await rssp.signing.certificateStatus(credential),
      loginFactor: (await rssp.signingFactors.of(credential.tenant_id)) === 'login-totp',
    });
  });

  app.post('/credentials/authorize', async (request, reply) => {
    const principal = await bearer(request);
    if (principal.scope !== 'service') throw CSC.accessDenied();
    const body = bodyObject(request);
    const credentialId = field.string(body, 'credentialID', { required: true });
    const numSignatures = field.integer(body, 'numSignatures');
    const { hashes, hashAlgorithmOid } = authorizedHashes(body);
    const authData = field.authData(body);
    const description = field.description(body);
    field.optionalString(body, 'clientData', 4096);
    if (authData.length > 0 && authData.every((d) => d.value === undefined)) {
      // The auth objects named without values: the user approves out of band (decoupled, §5.3).
      const credential = await rssp.activation.usableCredential(
        principal,
        optionalUser(principal, body),
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
    const result = await rssp.activation.authorizeCredential(principal, optionalUser(principal, body), {
      credentialId,
      numSignatures,
      ...(hashes === undefined ? {} : { hashes }),
      ...(hashAlgorithmOid === undefined ? {} : { hashAlgorithmOid }),
      authData,
      source: request.ip,
    });
    return reply.header('cache-control', 'no-store').send({ SAD: result.sad, expiresIn: result.expiresIn });
  });

  app.post('/credentials/authorizeCheck', async (request, reply) => {
    const principal = await bearer(request);
    if (principal.scope !== 'service') throw CSC.accessDenied();
    const body = bodyObject(request);
    const handle = field.string(body, 'handle', { required: true, max: 512 });
    field.optionalString(body, 'clientData', 4096);
    try {
      const result = await rssp.decoupled.check(principal, optionalUser(principal, body), handle);
      return reply.header('cache-control', 'no-store').send({ SAD: result.sad, expiresIn: result.expiresIn });
    } catch (error) {
      if (error instanceof AuthorizationPending) return reply.status(202).send({ handle: error.handle });
      throw error;
    }
  });

  app.post('/credentials/extendTransaction', async (request) => {
    const principal = await bearer(request);
    if (principal.scope !== 'service') throw CSC.accessDenied();
    const body = bodyObject(request);
    const credentialId = field.string(body, 'credentialID', { required: true });
    const sad = field.string(body, 'SAD', { required: true, max: 512 });
    const { hashes, hashAlgorithmOid } = authorizedHashes(body);
    field.optionalString(body, 'clientData', 4096);
    const result = await rssp.activation.extendTransaction(principal, optionalUser(principal, body), {
      credentialId,
      sad,
      ...(hashes === undefined ? {} : { hashes }),
      ...(hashAlgorithmOid === undefined ? {} : { hashAlgorithmOid }),
      source: request.ip,
    });
    return { SAD: result.sad, expiresIn: result.expiresIn };
  });

  /**
   * Sends the credential's e-mailed one-time code out of band: credentials/getChallenge for the OTP
   * object, and the legacy credentials/sendOTP (v1, deprecated in 2.1) that older clients still call.
   */
  const sendChallenge = async (
    request: FastifyRequest,
    reply: FastifyReply,
    method: 'getChallenge' | 'sendOTP',
  ) => {
    const principal = await bearer(request);
    const body = bodyObject(request);
    const credentialId = field.string(body, 'credentialID', { required: true });
    const authObjectId =
      method === 'getChallenge' ? field.string(body, 'authObjectID', { required: true, max: 64 }) : 'OTP';
    field.optionalString(body, 'clientData', 4096);
    const credential = await rssp.activation.usableCredential(
      principal,
      optionalUser(principal, body),
      credentialId,
    );
    // Under the tenant's login factor the code comes from the login app: a mailed code would be refused.
    const loginFactor = (await rssp.signingFactors.of(credential.tenant_id)) === 'login-totp';
    if (
      authObjectId !== 'OTP' ||
      credential.otp_method !== 'email' ||
      credential.auth_mode !== 'explicit' ||
      loginFactor
    ) {
      // sendOTP has no authObjectID: a credential without e-mailed codes has no online OTP to send.
      throw method === 'getChallenge'
        ? CSC.invalidParameter('authObjectID')
        : invalidRequest('The credential has no online OTP to send');
    }
    const sent = await rssp.otp.sendEmailCode(credential).then(
      () => undefined,
      (error: unknown) => error,
    );
    await rssp.audit.append({
      type: 'sad.challenge',
      actor: { kind: 'user', id: credential.user_id },
      subject: { kind: 'credential', id: credential.credential_id },
      outcome: sent === undefined ? 'success' : 'failure',
      source: request.ip,
      details: {
        channel: 'email',
        clientId: principal.clientId,
        method,
        ...(sent instanceof CscError ? { reason: sent.description } : {}),
      },
    });
    if (sent !== undefined) throw sent;
    return reply.status(204).send();
  };
  app.post('/credentials/getChallenge', (request, reply) => sendChallenge(request, reply, 'getChallenge'));
  app.post('/credentials/sendOTP', (request, reply) => sendChallenge(request, reply, 'sendOTP'));

  app.post('/signatures/signHash', async (request) => {
    const principal = await bearer(request);
    const body = bodyObject(request);
    const credentialId = field.string(body, 'credentialID', { required: true });
    const sad =
      body.SAD === undefined || body.SAD === null
        ? undefined
        : field.string(body, 'SAD', { required: true, max: 512 });
    const hashes = field.stringArray(body, 'hashes', true)!;
    const hashAlgorithmOid = field.optionalString(body, 'hashAlgorithmOID', 64);
    const signAlgo = field.string(body, 'signAlgo', { required: true, max: 64 });
    const signAlgoParams = field.optionalString(body, 'signAlgoParams', 1024);
    const asynchronous = asyncMode(body, rssp);
    field.optionalString(body, 'clientData', 4096);
    const userId = optionalUser(principal, body);
    const sign = async () => {
      const signatures = await rssp.signing.signHash(principal, {
        credentialId,
        ...(sad === undefined ? {} : { sad }),
        hashes,
        ...(hashAlgorithmOid === undefined ? {} : { hashAlgorithmOid }),
        signAlgo,
        ...(signAlgoParams === undefined ? {} : { signAlgoParams }),
        ...(userId === null ? {} : { userId }),
        source: request.ip,
      });
      return { signatures: signatures.map((s) => s.toString('base64')) };
    };
    if (asynchronous === undefined) return sign();
    return startAsync('signatures/signHash', principal, body, credentialId, asynchronous, sign);
  });

  app.post('/signatures/signPolling', async (request) => {
    const principal = await bearer(request);
    const body = bodyObject(request);
    // The specification names it requestID; the value is the responseID, so that name is read too.
    const key = body.requestID === undefined && body.responseID !== undefined ? 'responseID' : 'requestID';
    const requestId = field.string(body, key, { required: true, max: 512 });
    field.optionalString(body, 'clientData', 4096);
    if (principal.userId !== null && body.userID !== undefined && body.userID !== null)
      throw invalidRequest('userID parameter SHALL be null');
    return rssp.asyncResults.poll(principal, requestedUser(principal, body), requestId);
  });

  /** operationMode "A": credential checked now, the method's work in the background, a responseID back. */
  const startAsync = async (
    method: AsyncMethod,
    principal: RsspPrincipal,
    body: Record<string, unknown>,
    credentialId: string,
    validityMs: number,
    work: () => Promise<Record<string, unknown>>,
  ) => {
    const credential = await ownedCredential(rssp, principal, body, credentialId);
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
    app.post(`/${method}`, async () => {
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
    app.post('/signatures/signDoc', { bodyLimit }, async (request) => {
      const principal = await bearer(request);
      const body = bodyObject(request);
      const credentialId = field.string(body, 'credentialID', { required: true });
      const sad =
        body.SAD === undefined || body.SAD === null
          ? undefined
          : field.string(body, 'SAD', { required: true, max: 512 });
      const asynchronous = asyncMode(body, rssp);
      field.optionalString(body, 'clientData', 4096);
      // [VCK] spells it returnValidationInformation; accept both (csc-api-v2 §4.16).
      const returnValidationInfo =
        field.optionalBoolean(body, 'returnValidationInfo') ??
        field.optionalBoolean(body, 'returnValidationInformation') ??
        false;
      const hasDigests = body.documentDigests !== undefined && body.documentDigests !== null;
      const hasDocuments = body.documents !== undefined && body.documents !== null;
      if (hasDigests && hasDocuments)
        throw invalidRequest('Both documentDigests and documents parameters passed');
      if (!hasDigests && !hasDocuments) throw invalidRequest('Empty documentDigests and documents objects');
      const digestEntries = hasDigests ? documentDigestsOf(body.documentDigests) : [];
      const documentEntries = hasDocuments ? documentsOf(body.documents, documents.documentLimit) : [];
      if (digestEntries.length + documentEntries.length === 0)
        throw invalidRequest('Empty documentDigests and documents objects');
      const userId = optionalUser(principal, body);
      const sign = async () =>
        signDocResponse(
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
      return startAsync('signatures/signDoc', principal, body, credentialId, asynchronous, sign);
    });
  }

  if (rssp.timestamps !== undefined) {
    const timestamps = rssp.timestamps;
    app.post('/signatures/timestamp', async (request) => {
      await bearer(request);
      const body = bodyObject(request);
      const hash = field.string(body, 'hash', { required: true, max: 128 });
      const hashAlgo = field.string(body, 'hashAlgo', { required: true, max: 64 });
      const digest = digestAlgorithmOf(hashAlgo);
      if (digest === undefined) throw CSC.invalidParameter('hashAlgo');
      const [bytes] = decodeHashes([hash], digest);
      const nonce = field.optionalString(body, 'nonce', 64);
      if (nonce !== undefined && !/^[0-9a-fA-F]{1,64}$/.test(nonce)) throw CSC.invalidParameter('nonce');
      const token = await timestamps.timestamp({
        hash: bytes!,
        hashAlgorithmOid: hashAlgo,
        ...(nonce === undefined ? {} : { nonce: BigInt(`0x${nonce}`) }),
      });
      return { timestamp: token.toString('base64') };
    });
  }
}

/** The signDoc answer: attached results, detached results and validation data as the specification names them. */
function signDocResponse(result: SignDocResult): Record<string, unknown> {
  const response: Record<string, unknown> = {};
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
function asyncMode(body: Record<string, unknown>, rssp: RemoteSignatureService): number | undefined {
  const operationMode = field.optionalString(body, 'operationMode', 1);
  if (operationMode !== undefined && operationMode !== 'S' && operationMode !== 'A')
    throw CSC.invalidParameter('operationMode');
  if (body.response_uri !== undefined && body.response_uri !== null)
    throw CSC.invalidParameter('response_uri');
  const period = body.validity_period;
  if (period === undefined || period === null)
    return operationMode === 'A' ? (rssp.settings.asyncResultSeconds ?? 300) * 1000 : undefined;
  if (operationMode !== 'A' || typeof period !== 'number' || !Number.isInteger(period))
    throw CSC.invalidParameter('validity_period');
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

/** signature_format, conformance_level, signed_envelope_property and signed_props of one entry. */
function entryOptions(entry: Record<string, unknown>): {
  format: 'P' | 'C';
  level: SignatureLevel;
  certification: boolean;
} {
  const format = entry.signature_format;
  if (typeof format !== 'string') throw CSC.missingString('signature_format');
  if (format !== 'P' && format !== 'C') throw CSC.invalidParameter('signature_format');
  const raw = entry.conformance_level;
  let level: SignatureLevel = 'B-B';
  if (raw !== undefined && raw !== null) {
    const found = typeof raw === 'string' ? LEVELS[raw.toLowerCase()] : undefined;
    if (found === undefined) throw CSC.invalidParameter('conformance_level');
    level = found;
  }
  const envelope = entry.signed_envelope_property;
  // CAdES: only detached signatures are produced (absent means Detached here).
  const envelopes = format === 'P' ? ['Certification', 'Revision'] : ['Detached'];
  if (
    envelope !== undefined &&
    envelope !== null &&
    (typeof envelope !== 'string' || !envelopes.includes(envelope))
  ) {
    throw CSC.invalidParameter('signed_envelope_property');
  }
  if (Array.isArray(entry.signed_props) && entry.signed_props.length > 0) {
    throw invalidRequest('Invalid parameter signed_props (list of invalid attributes)');
  }
  return { format, level, certification: envelope === 'Certification' };
}

/** documentDigests of signDoc. */
function documentDigestsOf(raw: unknown): DocumentDigestRequest[] {
  const list = z.array(z.record(z.string(), z.unknown())).max(100).safeParse(raw);
  if (!list.success) throw invalidRequest('Invalid object parameter documentDigests');
  return list.data.map((entry) => {
    const { format, level } = entryOptions(entry);
    const hashes = field.stringArray(entry, 'hashes', true)!;
    const hashAlgorithmOid = field.optionalString(entry, 'hashAlgorithmOID', 64);
    const signAlgo = field.string(entry, 'signAlgo', { required: true, max: 64 });
    const signAlgoParams = field.optionalString(entry, 'signAlgoParams', 1024);
    return {
      hashes,
      signatureFormat: format,
      level,
      signAlgo,
      ...(hashAlgorithmOid === undefined ? {} : { hashAlgorithmOid }),
      ...(signAlgoParams === undefined ? {} : { signAlgoParams }),
    };
  });
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** documents of signDoc: strict Base64, decoded size limited per request. */
function documentsOf(raw: unknown, maxBytes: number): DocumentRequest[] {
  const list = z.array(z.record(z.string(), z.unknown())).max(100).safeParse(raw);
  if (!list.success) throw invalidRequest('Invalid array parameter documents');
  let total = 0;
  return list.data.map((entry) => {
    const { format, level, certification } = entryOptions(entry);
    const text = entry.document;
    if (typeof text !== 'string' || text.length === 0 || !BASE64.test(text))
      throw invalidRequest('Invalid Base64 documents string parameter');
    total += (text.length / 4) * 3;
    if (total > maxBytes + 2) throw documentsTooLarge(maxBytes);
    const document = Buffer.from(text, 'base64');
    const hashAlgorithmOid = field.optionalString(entry, 'hashAlgorithmOID', 64);
    const signAlgo = field.string(entry, 'signAlgo', { required: true, max: 64 });
    const signAlgoParams = field.optionalString(entry, 'signAlgoParams', 1024);
    return {
      document,
      signatureFormat: format,
      level,
      ...(certification ? { certification } : {}),
      signAlgo,
      ...(hashAlgorithmOid === undefined ? {} : { hashAlgorithmOid }),
      ...(signAlgoParams === undefined ? {} : { signAlgoParams }),
    };
  });
}

/** userID: absent for user-bound tokens (else 400), required for a client system's own token. */
function requestedUser(principal: RsspPrincipal, body: Record<string, unknown>): string {
  const userId = body.userID;
  if (principal.userId !== null) {
    if (userId !== undefined && userId !== null) throw CSC.userIdMustBeNull();
    return principal.userId;
  }
  const parsed = z.string().min(1).max(100).safeParse(userId);
  if (!parsed.success) throw CSC.missingString('userID');
  return printable('userID', parsed.data);
}

function optionalUser(principal: RsspPrincipal, body: Record<string, unknown>): string | null {
  if (principal.userId !== null) {
    if (body.userID !== undefined && body.userID !== null) throw CSC.userIdMustBeNull();
    return null;
  }
  return requestedUser(principal, body);
}

async function ownedCredential(
  rssp: RemoteSignatureService,
  principal: RsspPrincipal,
  body: Record<string, unknown>,
  credentialId: string,
): Promise<CredentialTable> {
  const credential = await rssp.credentials.get(credentialId);
  if (credential === undefined || !entitled(principal, credential, optionalUser(principal, body))) {
    throw CSC.invalidParameter('credentialID');
  }
  return credential;
}

function authorizedHashes(body: Record<string, unknown>): { hashes?: Buffer[]; hashAlgorithmOid?: string } {
  const raw = field.stringArray(body, 'hashes', false);
  const hashAlgorithmOid = field.optionalString(body, 'hashAlgorithmOID', 64);
  if (raw === undefined) return hashAlgorithmOid === undefined ? {} : { hashAlgorithmOid };
  if (hashAlgorithmOid === undefined) throw CSC.missingString('hashAlgorithmOID');
  const digest = digestAlgorithmOf(hashAlgorithmOid);
  if (digest === undefined) throw CSC.invalidParameter('hashAlgorithmOID');
  return { hashes: decodeHashes(raw, digest), hashAlgorithmOid };
}
