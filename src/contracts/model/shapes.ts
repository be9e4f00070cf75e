/**
 * The contract API's answers, declared once with zod: the routes serialise with these schemas, the
 * OpenAPI document is generated from them, and the web client imports the inferred types. This file
 * imports zod only, so web/ can type-check against it without the server's modules.
 */
import { z } from 'zod';

/** Text a person typed: trimmed, bounded, no control characters. */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((v) => !/\p{Cc}/u.test(v), 'control characters');

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine(
    (v) =>
      !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
    'not a date',
  );

export const MAX_AMOUNT = 1_000_000_000_000_000; // 10^15 yen: beyond any contract, inside 2^53.

export const envelopeStatusSchema = z.enum([
  'draft',
  'sent',
  'completing',
  'completed',
  'cancelled',
  'declined',
  'expired',
  'imported',
]);
export const partyRoleSchema = z.enum(['signer', 'approver', 'viewer']);
export const signingModeSchema = z.enum(['signer-type', 'witness-type']);
export const partyStatusSchema = z.enum(['waiting', 'signed', 'approved', 'declined', 'removed']);

export const placementSchema = z
  .object({
    /** Zero-based index of the envelope's document; default 0. */
    document: z.number().int().min(0).max(49).default(0),
    /** Zero-based page index. */
    page: z.number().int().min(0).max(9999),
    /** [x1, y1, x2, y2] in PDF points. */
    rect: z
      .tuple([z.number(), z.number(), z.number(), z.number()])
      .refine(
        ([x1, y1, x2, y2]) =>
          x2 - x1 >= 24 && y2 - y1 >= 24 && x2 - x1 <= 600 && y2 - y1 <= 600 && x1 >= 0 && y1 >= 0,
        'the rectangle must be 24–600 points wide and high, at non-negative coordinates',
      ),
  })
  .strict();
export type SealPlacement = z.infer<typeof placementSchema>;

export const partyViewSchema = z.object({
  id: z.string(),
  order: z.number().int(),
  role: partyRoleSchema,
  signingMode: signingModeSchema.nullable(),
  userId: z.string().nullable(),
  email: z.string(),
  company: z.string().nullable(),
  title: z.string().nullable(),
  name: z.string(),
  status: partyStatusSchema,
  actedAt: z.string().nullable(),
  declineReason: z.string().nullable(),
  label: z.string().nullable().describe('甲/乙/丙 … when the sender or the template gave one'),
  locked: z
    .boolean()
    .optional()
    .describe("ロック中: the party's link locked after too many wrong access codes (sender only)"),
  placement: placementSchema.nullable().describe("Where the sender placed this party's seal"),
});
export type PartyView = z.output<typeof partyViewSchema>;

export const documentViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  version: z.number().int(),
  sha256: z.string(),
  originalSha256: z.string(),
  status: z.enum(['active', 'shredded']),
});
export type DocumentView = z.output<typeof documentViewSchema>;

export const envelopeViewSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  title: z.string(),
  counterparty: z.string(),
  transactionDate: z.string().nullable(),
  amount: z.number().nullable(),
  currency: z.string(),
  status: envelopeStatusSchema,
  signingOrder: z.enum(['sequential', 'parallel']),
  expiresAt: z.string().nullable(),
  createdBy: z.string().describe("The sender's (or importer's) user id"),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  closedReason: z.string().nullable(),
  retentionUntil: z.string().nullable(),
  legalHold: z.boolean(),
  parties: z.array(partyViewSchema),
  documents: z.array(documentViewSchema),
});
export type EnvelopeView = z.output<typeof envelopeViewSchema>;

export const envelopeSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  counterparty: z.string(),
  transactionDate: z.string().nullable(),
  amount: z.number().nullable(),
  currency: z.string(),
  status: envelopeStatusSchema,
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});
export type EnvelopeSummary = z.output<typeof envelopeSummarySchema>;

export const searchPageSchema = z.object({
  items: z.array(envelopeSummarySchema),
  nextCursor: z.string().nullable(),
});
export type SearchPage = z.output<typeof searchPageSchema>;

export const timelineEntrySchema = z.object({
  seq: z.number().int(),
  time: z.string().describe('ISO-8601 UTC; the UI shows it in JST'),
  type: z.string().describe('The audit event type, e.g. envelope.send, party.authenticate, envelope.sign'),
  outcome: z.enum(['success', 'failure']),
  actor: z.object({
    kind: z.enum(['party', 'user', 'api-key', 'system', 'unknown']),
    name: z.string().nullable(),
    company: z.string().nullable(),
  }),
  ip: z.string().nullable(),
  party: z.object({ name: z.string(), company: z.string().nullable() }).nullable(),
  document: z.string().nullable(),
  method: z.string().nullable(),
  reason: z.string().nullable(),
});
export type TimelineEntry = z.output<typeof timelineEntrySchema>;
export type TimelineActor = TimelineEntry['actor'];

/** GET /api/imports/{id}: an imported record, the facts of its import and the validation at import. */
export const importViewSchema = z.object({
  record: envelopeViewSchema,
  import: z.object({
    source: z.enum(['electronic', 'paper-scan']),
    signatureStatus: z.enum(['signed', 'none']),
    signatures: z.number().int(),
    indication: z.string().nullable().describe('TOTAL_PASSED / INDETERMINATE / TOTAL_FAILED; null unsigned'),
    validationError: z.string().nullable(),
    parties: z.array(
      z.object({ name: z.string(), company: z.string().optional(), email: z.string().optional() }),
    ),
    note: z.string().nullable(),
    importedBy: z.string(),
    importedAt: z.string(),
  }),
  validation: z
    .unknown()
    .describe('The validation report made at import, as POST /api/verify answers it (kept as made), or null'),
});
export type ImportViewShape = z.output<typeof importViewSchema>;

/** Every refusal: a stable code and the message in Japanese and English. */
export const errorSchema = z.object({
  error: z.object({
    code: z.string().describe('SHOMEI_… or a protocol code'),
    message: z.object({ ja: z.string(), en: z.string() }),
  }),
});

export type EnvelopeStatus = z.output<typeof envelopeStatusSchema>;
export type PartyStatus = z.output<typeof partyStatusSchema>;
