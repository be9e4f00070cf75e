/**
 * The certificate console's requests and answers (/api/admin/certificates), declared with zod:
 * Fastify validates and serialises with them, the OpenAPI document is generated from them and the
 * web client imports the inferred types. Imports zod and the CA's lists only.
 */
import { z } from 'zod';
import { CERTIFICATE_PROFILES, CERTIFICATE_STATUSES, REVOCATION_REASONS } from './lists.ts';

export { CERTIFICATE_PROFILES, CERTIFICATE_STATUSES, REVOCATION_REASONS };
/** What the console lists: end-entity profiles, the CA's own certificates and imported ones. */
export const LISTED_PROFILES = [...CERTIFICATE_PROFILES, 'ca', 'imported'] as const;
export const listQuery = z
  .object({
    status: z.enum(CERTIFICATE_STATUSES).optional(),
    profile: z.enum(LISTED_PROFILES).optional(),
    q: z.string().min(1).max(100).optional().describe('Text in the subject, or hex of the serial'),
    limit: z.coerce.number().int().min(1).max(500).default(200),
  })
  .strict();
export const serialParams = z.object({ serial: z.string().min(1).max(80) });
export const revokeBody = z.preprocess(
  (body) => body ?? {},
  z.object({ reason: z.enum(REVOCATION_REASONS).optional() }),
);
export const summarySchema = z.object({
  serialNumber: z.string().describe('Lower-case hex'),
  issuer: z.string(),
  profile: z.enum(LISTED_PROFILES),
  subject: z.string().describe('RFC 4514'),
  status: z.enum(CERTIFICATE_STATUSES),
  notBefore: z.string(),
  notAfter: z.string(),
  issuedAt: z.string(),
  revokedAt: z.string().nullable(),
  revocationReason: z.enum(REVOCATION_REASONS).nullable(),
});
export const detailSchema = summarySchema.extend({
  keyId: z.string().nullable().describe('The HSM key (CKA_ID hex), when the service holds it'),
  applicationId: z.string().nullable(),
  sha256: z.string(),
  pem: z.string(),
});

export type CertificateSummaryView = z.output<typeof summarySchema>;
export type CertificateDetailView = z.output<typeof detailSchema>;
