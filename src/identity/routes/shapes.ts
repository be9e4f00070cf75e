/**
 * What the /api/auth and /api/users routes answer, declared once with zod: Fastify serialises with
 * these (a field left out here would be dropped, so `shape-drift.ts` ties them to the model), the
 * OpenAPI document is generated from them and the web client imports the inferred types. This file
 * imports zod only, so web/ can type-check against it without the server's modules.
 */
import { z } from 'zod';

const timestamp = z.string().describe('ISO 8601');
const nextStep = z.enum(['done', 'second-factor', 'enrolment']);
const methods = z.array(z.enum(['password', 'totp', 'recovery-code', 'passkey', 'federated'])).readonly();
const assurance = z.enum(['aal1', 'aal2']);
const csrfToken = z.string().describe('Send back as X-CSRF-Token with every change');

/** An answer with no body (204), and a redirect whose target is the Location header. */
export const noContent = z.null().describe('No content');
export const redirect = (description: string) =>
  z.null().meta({
    description,
    headers: { location: { type: 'string', format: 'uri', description: 'Where to go next' } },
  });

export const loginAnswer = z.object({
  next: nextStep,
  secondFactors: z
    .array(z.enum(['totp', 'passkey']))
    .readonly()
    .describe('The second factors the account has'),
  csrfToken,
});
export type LoginAnswer = z.output<typeof loginAnswer>;

export const secondFactorAnswer = z.object({
  next: z.literal('done'),
  methods,
  remainingRecoveryCodes: z.number().int().optional().describe('After a recovery code: how many are left'),
  csrfToken,
});

const federation = z.object({
  issuer: z.string(),
  subject: z.string(),
  acr: z.string().nullable(),
  amr: z.array(z.string()).readonly(),
});
export const sessionUserSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  email: z.string(),
  displayName: z.string(),
});
export type SessionUser = z.output<typeof sessionUserSchema>;
/** GET /api/auth/session: who the cookie belongs to, if anyone (a login part-way is not authenticated). */
export const sessionAnswer = z.union([
  z.object({
    authenticated: z.boolean(),
    stage: z.enum(['authenticated', 'second-factor', 'enrolment']),
    assurance,
    methods,
    federation: federation.nullable(),
    expiresAt: timestamp,
    csrfToken,
    user: sessionUserSchema.nullable(),
  }),
  z.object({ authenticated: z.literal(false) }),
]);
export type SessionAnswer = z.output<typeof sessionAnswer>;

export const mySessionsAnswer = z.object({
  sessions: z.array(
    z.object({
      id: z.string(),
      current: z.boolean(),
      createdAt: timestamp,
      lastSeenAt: timestamp,
      expiresAt: timestamp,
      source: z.string().nullable(),
      userAgent: z.string().nullable(),
      assurance,
      methods,
    }),
  ),
});

export const activatedAnswer = z.object({
  userId: z.string(),
  status: z.enum(['pending-activation', 'active', 'suspended', 'closed']),
  next: z.literal('login'),
});
export const resetRequestedAnswer = z.object({ accepted: z.literal(true) });
export const resetAnswer = z.object({ reset: z.literal(true), next: z.literal('login') });
export const passwordChangedAnswer = z.object({ changed: z.literal(true) });

export const totpEnrolmentSchema = z.object({
  secret: z.string().describe('Base32 seed for manual entry; shown once'),
  otpauthUri: z.string(),
  qrCodeDataUrl: z.string(),
});
export type TotpEnrolmentView = z.output<typeof totpEnrolmentSchema>;
const recoveryCodes = z.array(z.string()).describe('Shown once; each works once');
export const recoveryCodesAnswer = z.object({ recoveryCodes });
export const totpConfirmedAnswer = z.object({ recoveryCodes, csrfToken });
export type TotpConfirmedAnswer = z.output<typeof totpConfirmedAnswer>;

export const passkeySchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: timestamp,
  lastUsedAt: timestamp.nullable(),
});
export const passkeysAnswer = z.object({ passkeys: z.array(passkeySchema) });
export const passkeyRegisteredAnswer = z.object({ passkey: passkeySchema, csrfToken });
/** WebAuthn options (PublicKeyCredential*OptionsJSON) as @simplewebauthn/server builds them. */
export const webAuthnOptions = z
  .looseObject({ challenge: z.string() })
  .describe('Pass to navigator.credentials.create / get (WebAuthn Level 3 JSON)');

const userStatus = z.enum(['pending-activation', 'active', 'suspended', 'closed']);
/** An account as its holder sees it (GET /api/users/me). */
export const ownAccountSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  email: z.string(),
  displayName: z.string(),
  familyName: z.string(),
  givenName: z.string(),
  familyNameKana: z.string().nullable(),
  givenNameKana: z.string().nullable(),
  organisationName: z.string().nullable(),
  department: z.string().nullable(),
  title: z.string().nullable(),
  status: userStatus,
  createdAt: timestamp,
  activatedAt: timestamp.nullable(),
  lastLoginAt: timestamp.nullable(),
});
/** An account as an operator sees it: also whether it is locked after failed attempts. */
export const accountSchema = ownAccountSchema.extend({ locked: z.boolean() });

export const memberSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  department: z.string().nullable(),
  title: z.string().nullable(),
});
export const membersAnswer = z.object({ members: z.array(memberSchema) });
export const accountSessionsAnswer = z.object({
  sessions: z.array(
    z.object({ id: z.string(), createdAt: timestamp, lastSeenAt: timestamp, source: z.string().nullable() }),
  ),
});
export const unlockedAnswer = z.object({ id: z.string(), wasLocked: z.boolean() });
export const accountStatusAnswer = z.object({ id: z.string(), status: userStatus });
export const closedAnswer = accountStatusAnswer.extend({
  hookFailures: z.array(z.string()).describe('Modules that must be told again'),
});
export const activationIssuedAnswer = z.object({ id: z.string(), issued: z.literal(true) });
