/**
 * The credential APIs' requests and answers (/api/credentials for bearer tokens, /api/me/credentials
 * for the browser), declared once with zod: Fastify validates and serialises with them, the OpenAPI
 * document is generated from them and the web client imports the inferred types. This file imports
 * zod only, so web/ can type-check against it without the server's modules.
 */
import { z } from 'zod';

const pin = z.string().min(1).max(64);
const otp = z.string().min(1).max(64);
const identifier = z.string().min(1).max(100);

/** A body whose fields are all optional may be left out (then it is `{}`). */
export function optionalBody<T extends z.ZodType>(schema: T) {
  return z.preprocess((body) => body ?? {}, schema);
}

export const credentialIdParams = z.object({ id: identifier });
export const approvalParams = z.object({ id: identifier, approvalId: identifier });

export const credentialViewSchema = z.object({
  credentialID: z.string(),
  status: z.enum(['pending-certificate', 'active', 'suspended', 'revoked', 'ended']),
  algorithm: z.string(),
  scal: z.enum(['1', '2']),
  authMode: z.enum(['explicit', 'oauth2code']),
  multisign: z.number().int(),
  description: z.string().nullable(),
  pinSet: z.boolean(),
  otpMethod: z.enum(['totp', 'email']).nullable(),
  locked: z.boolean().describe('Locked after too many wrong PINs or one-time codes'),
  certificate: z
    .object({
      serialNumber: z.string(),
      subjectDN: z.string(),
      issuerDN: z.string(),
      validFrom: z.string(),
      validTo: z.string(),
    })
    .nullable(),
  publicKey: z.string().describe('SubjectPublicKeyInfo, Base64 DER'),
  createdAt: z.string(),
});
export type CredentialView = z.output<typeof credentialViewSchema>;

export const credentialApplicationSchema = z.object({
  id: z.string(),
  credentialId: z.string(),
  userId: z.string(),
  tenantId: z.string().nullable(),
  subject: z.string(),
  algorithm: z.string(),
  status: z.enum(['pending', 'approved', 'rejected']),
  submittedAt: z.string(),
  decidedAt: z.string().nullable(),
  decidedBy: z.string().nullable(),
  identityCheck: z.object({ method: z.string(), reference: z.string() }).nullable(),
  decisionReason: z.string().nullable(),
  renewsCredentialId: z.string().nullable().describe('A renewal: the credential the new one replaces'),
});
export type CredentialApplicationView = z.output<typeof credentialApplicationSchema>;

export const signingFactorSchema = z
  .enum(['credential-otp', 'login-totp'])
  .describe("The tenant's second factor at signing: the credential's own code, or the login app's");

export const myCredentialsSchema = z.object({
  credentials: z.array(credentialViewSchema),
  applications: z.array(credentialApplicationSchema),
  signingFactor: signingFactorSchema,
});
export type MyCredentials = z.output<typeof myCredentialsSchema>;

export const totpEnrolmentSchema = z.object({ secret: z.string(), uri: z.string() });
export const totpEnrolmentPageSchema = z.object({
  secret: z.string(),
  otpauthUri: z.string(),
  qrCodeDataUrl: z.string(),
});

export const createCredentialBody = z.object({
  algorithm: z.enum(['RSA-2048', 'RSA-3072', 'RSA-4096', 'EC-P256', 'EC-P384']),
  subject: z.string().min(3).max(512),
  description: z.string().max(255).optional(),
  authMode: z.enum(['explicit', 'oauth2code']).optional(),
  scal: z.enum(['1', '2']).optional(),
  multisign: z.number().int().min(1).max(1000).optional(),
  email: z.string().max(320).optional(),
});
export const createdCredentialSchema = credentialViewSchema.extend({
  csr: z.string().describe('PKCS#10 request, Base64 DER'),
});
export const pinBody = z.object({ pin });
export const changePinBody = z.object({ oldPin: pin, newPin: pin, otp });
export const emailBody = z.object({ email: z.string().min(3).max(320) });
export const manageBody = z.object({
  reason: z.enum(['keyCompromise', 'cessationOfOperation', 'superseded', 'unspecified']).optional(),
  subject: z.string().min(3).max(512).optional(),
  pin,
  otp,
});
export const approveBody = z.object({ pin, otp });
export const credentialListSchema = z.object({ credentials: z.array(credentialViewSchema) });
export const pendingAuthorizationsSchema = z.object({
  authorizations: z.array(
    z.object({
      approvalID: z.string(),
      credentialID: z.string(),
      clientID: z.string().nullable(),
      numSignatures: z.number().int(),
      hashes: z.array(z.string()).describe('Base64'),
      hashAlgorithmOID: z.string().nullable(),
      description: z.string().nullable(),
      expiresAt: z.string(),
    }),
  ),
});

/** The browser's forms: no unknown fields. */
export const myPinBody = z.object({ pin }).strict();
export const myChangePinBody = z.object({ oldPin: pin, newPin: pin }).strict();
export const myRevokeBody = optionalBody(
  z.object({ reason: z.enum(['keyCompromise', 'cessationOfOperation', 'unspecified']).optional() }).strict(),
);

export const noContent = z.null().describe('No content');

/** What an operator sees of a credential in the console: state, key facts, certificate; no secrets. */
export const consoleCredentialSchema = credentialViewSchema
  .pick({
    credentialID: true,
    description: true,
    status: true,
    algorithm: true,
    scal: true,
    authMode: true,
    multisign: true,
    pinSet: true,
    otpMethod: true,
    locked: true,
    createdAt: true,
  })
  .extend({
    certificate: z
      .object({
        serialNumber: z.string(),
        subjectDN: z.string().nullable(),
        issuerDN: z.string().nullable(),
        validFrom: z.string().nullable(),
        validTo: z.string().nullable(),
      })
      .nullable(),
    owner: z.string().describe("The holder's user id"),
    tenantId: z.string().nullable(),
    keyDestroyed: z.boolean(),
    lockedAt: z.string().nullable(),
    failedAttempts: z.number().int(),
    updatedAt: z.string(),
  });
export type ConsoleCredentialView = z.output<typeof consoleCredentialSchema>;
