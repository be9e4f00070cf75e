/**
 * The validation report on the wire (POST /api/verify), declared with zod: Fastify serialises the
 * answer with it, the OpenAPI document is generated from it and the web client imports its types.
 * The model the checks build is types.ts; report-drift.ts makes tsc fail when the two drift apart.
 * This file imports zod only, so web/ can type-check against it without the server's modules.
 */
import { z } from 'zod';

const indication = z.enum(['TOTAL_PASSED', 'INDETERMINATE', 'TOTAL_FAILED']);
const subIndication = z.enum([
  'FORMAT_FAILURE',
  'HASH_FAILURE',
  'SIG_CRYPTO_FAILURE',
  'REVOKED',
  'EXPIRED',
  'NOT_YET_VALID',
  'SIG_CONSTRAINTS_FAILURE',
  'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
  'CHAIN_CONSTRAINTS_FAILURE',
  'CERTIFICATE_CHAIN_GENERAL_FAILURE',
  'NO_SIGNING_CERTIFICATE_FOUND',
  'NO_CERTIFICATE_CHAIN_FOUND',
  'REVOKED_NO_POE',
  'REVOKED_CA_NO_POE',
  'OUT_OF_BOUNDS_NO_POE',
  'TRY_LATER',
  'SIGNED_DATA_NOT_FOUND',
]);
const modificationLevel = z.enum(['NONE', 'LTA_UPDATES', 'FORM_FILLING', 'ANNOTATIONS', 'OTHER']);
const words = z.object({ ja: z.string(), en: z.string() });

const reason = z.object({
  code: z.string().describe('Stable code, e.g. REVOKED_BEFORE_SIGNING'),
  ja: z.string(),
  en: z.string(),
  subject: z
    .object({
      certificate: z.string().optional(),
      date: z.string().optional(),
      revision: z.number().optional(),
    })
    .optional(),
});
const reasons = z.array(reason).readonly();

const certificateSummary = z.object({
  subject: z.string().describe('RFC 4514, UTF-8'),
  issuer: z.string(),
  serialNumber: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  fingerprintSha256: z.string(),
});
const certificateCheck = certificateSummary.extend({
  revocation: z.enum(['good', 'revoked', 'unknown', 'not-checked', 'trust-anchor']),
  revocationTime: z.string().optional(),
  revocationSource: z.enum(['ocsp', 'crl', 'none']).optional(),
  revocationOnline: z.boolean().optional(),
});

const timestampResult = z.object({
  kind: z.enum(['signature-timestamp', 'document-timestamp', 'archive-timestamp']),
  indication,
  subIndication: subIndication.optional(),
  genTime: z.string().optional(),
  tsa: certificateSummary.optional(),
  reasons,
});

const modifications = z.object({
  laterRevisions: z.array(z.number()).readonly(),
  level: modificationLevel,
  allowedLevel: modificationLevel,
  changes: z
    .array(
      z.object({
        revision: z.number(),
        objectNumber: z.number(),
        level: modificationLevel,
        allowed: z.boolean(),
        rule: z.string().optional(),
        description: words,
      }),
    )
    .readonly(),
});

const signatureResult = z.object({
  id: z.string().describe('S1, S2, … in file order; document timestamps T1, T2, …'),
  kind: z.enum(['signature', 'document-timestamp']),
  format: z.enum(['PAdES', 'PKCS7', 'RFC3161', 'CAdES']),
  fieldName: z.string().optional(),
  indication,
  subIndication: subIndication.optional(),
  level: z.enum(['B-B', 'B-T', 'B-LT', 'B-LTA', 'none']),
  signer: certificateSummary.optional(),
  chain: z.array(certificateCheck).readonly(),
  claimedSigningTime: z.string().optional(),
  bestSignatureTime: z.string(),
  digestAlgorithm: z.string().optional(),
  timestamps: z.array(timestampResult).readonly(),
  coverage: z
    .object({
      revision: z.number().optional(),
      byteRange: z.array(z.number()).readonly().optional(),
      coversRevision: z.boolean(),
      coversWholeFile: z.boolean(),
    })
    .optional(),
  modifications: modifications.optional(),
  reasons,
  warnings: reasons,
  information: reasons.optional(),
});

export const validationReportSchema = z.object({
  schema: z.literal('https://shomei.example/schemas/validation-report/v1'),
  validationTime: z.string(),
  document: z.object({
    type: z.enum(['pdf', 'cades']),
    name: z.string().optional(),
    size: z.number(),
    sha256: z.string(),
    revisions: z.number().optional(),
  }),
  policy: z.object({
    name: z.string(),
    digest: z.string().describe('SHA-256 of the policy’s canonical JSON'),
    trustAnchors: z.array(certificateSummary).readonly(),
    online: z.boolean(),
  }),
  indication,
  signatures: z.array(signatureResult).readonly(),
});

export type ValidationReportView = z.output<typeof validationReportSchema>;
export type SignatureResultView = z.output<typeof signatureResult>;
export type IndicationView = z.output<typeof indication>;

/** POST /api/verify's query: the HTML report instead of JSON, its language, online revocation. */
export const verifyQuerySchema = z.object({
  format: z.string().optional().describe('html: the report as an HTML page'),
  lang: z.string().optional().describe('en for English, otherwise Japanese'),
  online: z.string().optional().describe('true: fetch OCSP/CRL online when the server allows it'),
});
