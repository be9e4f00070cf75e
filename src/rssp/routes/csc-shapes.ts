/**
 * The CSC API v2 methods' requests and answers, declared once with zod under the specification's wire
 * names (csc-api-v2 §11): Fastify validates and serialises with them and /api/openapi.json is generated
 * from them. Each field's error is the specification's `error_description` for that kind of wrong input
 * (the CSC error handler answers it as `{error: "invalid_request", error_description}`); the order of
 * the keys is the order the fields are checked in, so a request with several faults names the same one.
 */
import { z } from 'zod';
import { hasControlCharacters } from '../identifiers.ts';

const missingString = (name: string) => `Missing (or invalid type) string parameter ${name}`;
const invalidParameter = (name: string) => `Invalid parameter ${name}`;

/** Marks a refusal for control characters: the error handler records it (RefusedInput). */
export const REFUSED_INPUT = 'shomei:refused-input';

/** A string no identifier, code or token can hold (control characters) is refused and audited. */
export function printable(name: string, schema: z.ZodString) {
  return schema.superRefine((value, context) => {
    if (hasControlCharacters(value))
      context.addIssue({
        code: 'custom',
        message: invalidParameter(name),
        params: { [REFUSED_INPUT]: name, value },
      });
  });
}

/** A required identifier or token (1…max characters). */
const required = (name: string, max = 256) =>
  printable(
    name,
    z
      .string({ error: missingString(name) })
      .min(1)
      .max(max),
  );
/** An optional identifier or code; null is absent. */
const optional = (name: string, max = 256) =>
  printable(name, z.string({ error: invalidParameter(name) }).max(max)).nullish();
const flag = (name: string) => z.boolean({ error: invalidParameter(name) }).nullish();
/** The client's own free text, never used by the service. */
const clientData = z
  .string({ error: invalidParameter('clientData') })
  .max(4096)
  .nullish();
/** Any value is accepted; a language starting with "en" answers in English, anything else Japanese. */
const lang = z.unknown().optional().describe('Response language: en-US for English, otherwise ja-JP');
const userID = z
  .unknown()
  .optional()
  .describe('The user a client system acts for (oauth2client tokens); SHALL be absent or null otherwise');
const hashesOf = (name: string, max = 1000) =>
  z
    .array(z.string({ error: 'Invalid Base64 hash string parameter' }), {
      error: `Missing (or invalid type) array parameter ${name}`,
    })
    .max(max);

/**
 * A body that is an object or absent (then `{}`), as every CSC method takes; `refusal` names a fault
 * of the whole request that the method reports before any field's.
 */
function cscBody<Shape extends z.ZodRawShape>(
  shape: Shape,
  refusal: (body: Record<string, unknown>) => string | undefined = () => undefined,
) {
  return z.preprocess(
    (raw, context) => {
      const body = raw ?? {};
      const message = typeof body === 'object' ? refusal(body as Record<string, unknown>) : undefined;
      if (message !== undefined) context.issues.push({ code: 'custom', message, input: raw });
      return body;
    },
    z.object(shape, { error: 'Malformed request body' }),
  );
}

/** signDoc takes documentDigests or documents, exactly one of them. */
function documentChoice(body: Record<string, unknown>): string | undefined {
  const digests = body.documentDigests != null;
  const documents = body.documents != null;
  if (digests && documents) return 'Both documentDigests and documents parameters passed';
  if (!digests && !documents) return 'Empty documentDigests and documents objects';
  return undefined;
}

const asynchronous = {
  operationMode: z
    .enum(['S', 'A'], { error: invalidParameter('operationMode') })
    .nullish()
    .describe('S (default): synchronous; A: a responseID to poll with signatures/signPolling'),
  response_uri: z
    .null({ error: invalidParameter('response_uri') })
    .optional()
    .describe('Not supported: the service does not call out to client-given URLs'),
  validity_period: z
    .number({ error: invalidParameter('validity_period') })
    .int()
    .nullish()
    .describe('How long an asynchronous result is kept (ms, operationMode A only)'),
};

export const cscErrorSchema = z
  .object({ error: z.string(), error_description: z.string() })
  .describe('CSC/OAuth 2.0 error (csc-api-v2 §10)');
const refusals = { 400: cscErrorSchema, 401: cscErrorSchema };
const noContent = z.null().describe('No content');

export const infoSchema = {
  body: cscBody({ lang }),
  response: {
    200: z.object({
      specs: z.string(),
      name: z.string(),
      logo: z.string(),
      region: z.string(),
      lang: z.string(),
      description: z.string(),
      authType: z.array(z.string()),
      oauth2: z.string(),
      asynchronousOperationMode: z.boolean(),
      methods: z.array(z.string()),
      validationInfo: z.boolean(),
      signAlgorithms: z.object({ algos: z.array(z.string()) }),
      signature_formats: z.object({
        formats: z.array(z.string()),
        envelope_properties: z.array(z.array(z.string())),
      }),
      conformance_levels: z.array(z.string()),
    }),
  },
};
export const infoQuerySchema = { querystring: z.object({ lang }), response: infoSchema.response };

export const loginSchema = {
  body: cscBody({
    rememberMe: flag('rememberMe'),
    refresh_token: z
      .string({ error: 'Invalid string parameter: refresh_token' })
      .nullish()
      .describe('Instead of Basic authentication: a refresh token from an earlier login with rememberMe'),
    clientData,
  }),
  response: {
    200: z.object({
      access_token: z.string(),
      refresh_token: z.string().optional(),
      expires_in: z.number().int(),
    }),
    ...refusals,
  },
};

export const revokeSchema = {
  body: cscBody({
    token: required('token', 512),
    token_type_hint: z
      .enum(['access_token', 'refresh_token'], { error: invalidParameter('token_type_hint') })
      .nullish(),
    clientData,
  }),
  response: { 204: noContent, ...refusals },
};

const certificatesChoice = z
  .enum(['none', 'single', 'chain'], { error: invalidParameter('certificates') })
  .nullish();

const authObject = z.object({
  type: z.string(),
  id: z.string(),
  format: z.string(),
  generator: z.string().optional(),
  label: z.string(),
  description: z.string(),
});
export const credentialInfoSchema = z.object({
  description: z.string().optional(),
  key: z.object({
    status: z.enum(['enabled', 'disabled']),
    algo: z.array(z.string()),
    len: z.number().int(),
    curve: z.string().optional(),
  }),
  cert: z
    .object({
      status: z.enum(['valid', 'expired', 'revoked', 'suspended']),
      certificates: z.array(z.string()).optional(),
      issuerDN: z.string().nullable().optional(),
      serialNumber: z.string().nullable().optional(),
      subjectDN: z.string().nullable().optional(),
      validFrom: z.string().optional(),
      validTo: z.string().optional(),
    })
    .optional(),
  auth: z
    .object({
      mode: z.enum(['explicit', 'oauth2code']),
      expression: z.string().optional(),
      objects: z.array(authObject).optional(),
    })
    .optional(),
  SCAL: z.string(),
  multisign: z.number().int(),
  lang: z.string(),
});

export type CredentialInfo = z.input<typeof credentialInfoSchema>;

export const listSchema = {
  body: cscBody({
    userID,
    credentialInfo: flag('credentialInfo'),
    certificates: certificatesChoice,
    certInfo: flag('certInfo'),
    authInfo: flag('authInfo'),
    onlyValid: flag('onlyValid'),
    clientData,
    lang,
  }),
  response: {
    200: z.object({
      credentialIDs: z.array(z.string()),
      credentialInfos: z.array(credentialInfoSchema.extend({ credentialID: z.string() })).optional(),
      onlyValid: z.boolean().optional(),
    }),
    ...refusals,
  },
};

export const credentialInfoRequestSchema = {
  body: cscBody({
    credentialID: required('credentialID'),
    certificates: certificatesChoice,
    certInfo: flag('certInfo'),
    authInfo: flag('authInfo'),
    clientData,
    userID,
    lang,
  }),
  response: { 200: credentialInfoSchema, ...refusals },
};

const sadAnswer = z.object({ SAD: z.string(), expiresIn: z.number().int() });
const handleAnswer = z.object({ handle: z.string() });

export const authorizeSchema = {
  body: cscBody({
    credentialID: required('credentialID'),
    numSignatures: z
      .number({ error: 'Missing (or invalid type) integer parameter numSignatures' })
      .int()
      .min(-1_000_000)
      .max(1_000_000),
    hashes: hashesOf('hashes').nullish(),
    hashAlgorithmOID: optional('hashAlgorithmOID', 64),
    authData: z
      .array(z.object({ id: z.string().min(1).max(64), value: z.string().max(256).optional() }), {
        error: invalidParameter('authData'),
      })
      .max(8)
      .nullish()
      .describe('PIN and OTP with values; named without values: the user approves out of band (202)'),
    description: z
      .string({ error: invalidParameter('description') })
      .max(500)
      .nullish(),
    clientData,
    userID,
  }),
  response: { 200: sadAnswer, 202: handleAnswer, ...refusals },
};

export const authorizeCheckSchema = {
  body: cscBody({ handle: required('handle', 512), clientData, userID }),
  response: { 200: sadAnswer, 202: handleAnswer, ...refusals },
};

export const extendTransactionSchema = {
  body: cscBody({
    credentialID: required('credentialID'),
    SAD: required('SAD', 512),
    hashes: hashesOf('hashes').nullish(),
    hashAlgorithmOID: optional('hashAlgorithmOID', 64),
    clientData,
    userID,
  }),
  response: { 200: sadAnswer, ...refusals },
};

export const getChallengeSchema = {
  body: cscBody({
    credentialID: required('credentialID'),
    authObjectID: required('authObjectID', 64),
    clientData,
    userID,
  }),
  response: { 204: noContent, ...refusals },
};

export const sendOtpSchema = {
  body: cscBody({ credentialID: required('credentialID'), clientData, userID }),
  response: { 204: noContent, ...refusals },
};

const responseId = z.object({ responseID: z.string() });
const signHashAnswer = z.object({ signatures: z.array(z.string()) });

export const signHashSchema = {
  body: cscBody({
    credentialID: required('credentialID'),
    SAD: required('SAD', 512).nullish(),
    hashes: hashesOf('hash'),
    hashAlgorithmOID: optional('hashAlgorithmOID', 64),
    signAlgo: required('signAlgo', 64),
    signAlgoParams: optional('signAlgoParams', 1024),
    ...asynchronous,
    clientData,
    userID,
  }),
  response: { 200: z.union([responseId, signHashAnswer]), ...refusals },
};

const signatureFormat = z
  .string({ error: missingString('signature_format') })
  .pipe(z.enum(['P', 'C'], { error: invalidParameter('signature_format') }));
const entryOptions = {
  signature_format: signatureFormat.describe('P: PAdES, C: CAdES (detached)'),
  conformance_level: z
    .string({ error: invalidParameter('conformance_level') })
    .nullish()
    .describe('Ades-B-B (default), Ades-B-T, Ades-B-LT or Ades-B-LTA, in any case'),
  signed_envelope_property: z
    .string({ error: invalidParameter('signed_envelope_property') })
    .nullish()
    .describe('PAdES: Certification or Revision; CAdES: Detached'),
  signed_props: z
    .array(z.unknown())
    .max(0, { error: 'Invalid parameter signed_props (list of invalid attributes)' })
    .nullish(),
};
const signingAlgorithm = {
  hashAlgorithmOID: optional('hashAlgorithmOID', 64),
  signAlgo: required('signAlgo', 64),
  signAlgoParams: optional('signAlgoParams', 1024),
};
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const documentDigestSchema = z.object(
  { ...entryOptions, hashes: hashesOf('hash'), ...signingAlgorithm },
  { error: 'Invalid object parameter documentDigests' },
);
export const documentSchema = z.object(
  {
    ...entryOptions,
    document: z
      .string({ error: 'Invalid Base64 documents string parameter' })
      .min(1)
      .regex(BASE64)
      .describe('The document, Base64'),
    ...signingAlgorithm,
  },
  { error: 'Invalid array parameter documents' },
);

const signDocAnswer = z.object({
  DocumentWithSignature: z.array(z.string()).optional(),
  SignatureObject: z.array(z.string()).optional(),
  validationInfo: z
    .object({ ocsp: z.array(z.string()), crl: z.array(z.string()), certificates: z.array(z.string()) })
    .optional(),
});
export type SignDocAnswer = z.input<typeof signDocAnswer>;

export const signDocSchema = {
  body: cscBody(
    {
      credentialID: required('credentialID'),
      SAD: required('SAD', 512).nullish(),
      ...asynchronous,
      clientData,
      returnValidationInfo: flag('returnValidationInfo'),
      returnValidationInformation: flag('returnValidationInformation').describe(
        'The spelling of [VCK] for returnValidationInfo',
      ),
      documentDigests: z
        .array(documentDigestSchema, { error: 'Invalid object parameter documentDigests' })
        .max(100)
        .nullish(),
      documents: z.array(documentSchema, { error: 'Invalid array parameter documents' }).max(100).nullish(),
      userID,
    },
    documentChoice,
  ),
  response: { 200: z.union([responseId, signDocAnswer]), ...refusals },
};

export const signPollingSchema = {
  body: cscBody({
    requestID: z.unknown().optional().describe('The responseID of an asynchronous call'),
    responseID: z
      .unknown()
      .optional()
      .describe('Read when requestID is absent (the value is the responseID)'),
    clientData,
    userID,
  }),
  response: { 200: signHashAnswer.partial().extend(signDocAnswer.shape), ...refusals },
};

export const timestampSchema = {
  body: cscBody({
    hash: required('hash', 128),
    hashAlgo: required('hashAlgo', 64),
    nonce: z
      .string({ error: invalidParameter('nonce') })
      .regex(/^[0-9a-fA-F]{1,64}$/)
      .nullish()
      .describe('Hexadecimal, up to 64 digits'),
    clientData,
  }),
  response: { 200: z.object({ timestamp: z.string() }), ...refusals },
};

/** A method of the specification this service does not offer: any body, 501 not_implemented. */
export const notImplementedSchema = {
  body: z.unknown().describe('Not implemented by this service'),
  response: { 501: cscErrorSchema },
};
