/** The CSC API v2 methods under /csc/v2/ (csc-api-v2 §4). Every method but info and auth/login needs a bearer. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { entitled } from '../activation.ts';
import { digestAlgorithmOf } from '../algorithms.ts';
import type { DocumentDigestRequest } from '../documents.ts';
import { CSC, CscError, invalidRequest } from '../errors.ts';
import { decodeHashes } from '../hashes.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { RemoteSignatureService } from '../service.ts';
import type { CredentialTable } from '../tables.ts';
import { authenticateBearer, bodyObject, cscErrorHandler, field, responseLanguage } from './common.ts';
import { credentialInfo } from './credential-info.ts';

export const CSC_SPEC_VERSION = '2.0.0.2';

export function cscMethods(rssp: RemoteSignatureService): string[] {
  return [
    'auth/login',
    'auth/revoke',
    'credentials/list',
    'credentials/info',
    'credentials/authorize',
    'credentials/extendTransaction',
    'credentials/getChallenge',
    'signatures/signHash',
    ...(rssp.documents === undefined ? [] : ['signatures/signDoc']),
    ...(rssp.timestamps === undefined ? [] : ['signatures/timestamp']),
    'oauth2/authorize',
    'oauth2/pushed_authorize',
    'oauth2/token',
    'oauth2/revoke',
  ];
}

export async function cscRoutes(app: FastifyInstance, rssp: RemoteSignatureService): Promise<void> {
  app.setErrorHandler(cscErrorHandler);
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
      asynchronousOperationMode: false,
      methods: cscMethods(rssp),
      validationInfo: false,
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
      // signDoc: detached CAdES and PAdES CMS at AdES-B-B from documentDigests (csc-api-v2 §4.1, §6).
      signature_formats:
        rssp.documents === undefined
          ? { formats: [], envelope_properties: [] }
          : { formats: ['C', 'P'], envelope_properties: [['Detached'], ['Certification', 'Revision']] },
      conformance_levels: rssp.documents === undefined ? [] : ['Ades-B-B'],
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
          : await rssp.users.verifyPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
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
    });
  });

  app.post('/credentials/authorize', async (request) => {
    const principal = await bearer(request);
    if (principal.scope !== 'service') throw CSC.accessDenied();
    const body = bodyObject(request);
    const credentialId = field.string(body, 'credentialID', { required: true });
    const numSignatures = field.integer(body, 'numSignatures');
    const { hashes, hashAlgorithmOid } = authorizedHashes(body);
    const authData = field.authData(body);
    field.description(body);
    field.optionalString(body, 'clientData', 4096);
    const result = await rssp.activation.authorizeCredential(principal, optionalUser(principal, body), {
      credentialId,
      numSignatures,
      ...(hashes === undefined ? {} : { hashes }),
      ...(hashAlgorithmOid === undefined ? {} : { hashAlgorithmOid }),
      authData,
      source: request.ip,
    });
    return { SAD: result.sad, expiresIn: result.expiresIn };
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

  app.post('/credentials/getChallenge', async (request, reply) => {
    const principal = await bearer(request);
    const body = bodyObject(request);
    const credentialId = field.string(body, 'credentialID', { required: true });
    const authObjectId = field.string(body, 'authObjectID', { required: true, max: 64 });
    field.optionalString(body, 'clientData', 4096);
    const credential = await rssp.activation.usableCredential(
      principal,
      optionalUser(principal, body),
      credentialId,
    );
    if (authObjectId !== 'OTP' || credential.otp_method !== 'email' || credential.auth_mode !== 'explicit') {
      throw CSC.invalidParameter('authObjectID');
    }
    await rssp.otp.sendEmailCode(credential);
    await rssp.audit.append({
      type: 'sad.challenge',
      actor: { kind: 'user', id: credential.user_id },
      subject: { kind: 'credential', id: credential.credential_id },
      outcome: 'success',
      source: request.ip,
      details: { channel: 'email', clientId: principal.clientId },
    });
    return reply.status(204).send();
  });

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
    const operationMode = field.optionalString(body, 'operationMode', 1);
    if (operationMode !== undefined && operationMode !== 'S') throw CSC.invalidParameter('operationMode');
    field.optionalString(body, 'clientData', 4096);
    const userId = optionalUser(principal, body);
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
  });

  // Methods of the specification this service does not offer (yet): 501 not_implemented ([OAS21]).
  const unimplemented = [
    ...(rssp.documents === undefined ? ['signatures/signDoc'] : []),
    'signatures/signPolling',
    'credentials/authorizeCheck',
    'credentials/sendOTP',
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
    app.post('/signatures/signDoc', async (request) => {
      const principal = await bearer(request);
      const body = bodyObject(request);
      const credentialId = field.string(body, 'credentialID', { required: true });
      const sad =
        body.SAD === undefined || body.SAD === null
          ? undefined
          : field.string(body, 'SAD', { required: true, max: 512 });
      const operationMode = field.optionalString(body, 'operationMode', 1);
      if (operationMode !== undefined && operationMode !== 'S') throw CSC.invalidParameter('operationMode');
      field.optionalString(body, 'clientData', 4096);
      const userId = optionalUser(principal, body);
      const signatures = await documents.signDoc(principal, {
        credentialId,
        ...(sad === undefined ? {} : { sad }),
        documentDigests: documentDigestsOf(body),
        ...(userId === null ? {} : { userId }),
        source: request.ip,
      });
      return { SignatureObject: signatures.map((s) => s.toString('base64')) };
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

/** documentDigests of signDoc; `documents` (whole documents) are not taken yet. */
function documentDigestsOf(body: Record<string, unknown>): DocumentDigestRequest[] {
  if (body.documents !== undefined && body.documents !== null)
    throw invalidRequest('Invalid array parameter documents');
  const raw = body.documentDigests;
  if (raw === undefined || raw === null) throw invalidRequest('Empty documentDigests and documents objects');
  const list = z.array(z.record(z.string(), z.unknown())).max(100).safeParse(raw);
  if (!list.success) throw invalidRequest('Invalid object parameter documentDigests');
  if (list.data.length === 0) throw invalidRequest('Empty documentDigests and documents objects');
  return list.data.map((entry) => {
    const format = entry.signature_format;
    if (typeof format !== 'string') throw CSC.missingString('signature_format');
    if (format !== 'P' && format !== 'C') throw CSC.invalidParameter('signature_format');
    const level = entry.conformance_level;
    if (level !== undefined && level !== null && (typeof level !== 'string' || !/^ades-b-b$/i.test(level))) {
      throw CSC.invalidParameter('conformance_level');
    }
    const envelope = entry.signed_envelope_property;
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
    const hashes = field.stringArray(entry, 'hashes', true)!;
    const hashAlgorithmOid = field.optionalString(entry, 'hashAlgorithmOID', 64);
    const signAlgo = field.string(entry, 'signAlgo', { required: true, max: 64 });
    const signAlgoParams = field.optionalString(entry, 'signAlgoParams', 1024);
    return {
      hashes,
      signatureFormat: format,
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
  return parsed.data;
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
