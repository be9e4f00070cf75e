/**
 * The contract API's other bodies and answers (envelope actions, tenant settings, internal approval,
 * bulk send, the record log), declared once with zod: the routes validate and serialise with them,
 * the OpenAPI document is generated from them, and the service's types are inferred from them. Zod
 * only, like shapes.ts, so web/ can import the types.
 */
import { z } from 'zod';
import { envelopeViewSchema } from './shapes.ts';

/** Cancel, decline and delete: why, in the sender's or the party's words. */
export const reasonSchema = z.object({ reason: z.string().max(1000).trim().min(1) });

/** Access codes made for outside parties: shown once to the sender, who passes them on separately. */
const accessCodeSchema = z.object({ partyId: z.string(), email: z.string(), accessCode: z.string() });

export const sendResultSchema = z.object({
  envelope: envelopeViewSchema,
  accessCodes: z.array(accessCodeSchema),
});
export type SendResult = z.output<typeof sendResultSchema>;

/** 再発行: the new access code of an outside party (shown once, never stored in clear). */
export const reissuedAccessSchema = accessCodeSchema;
export type ReissuedAccess = z.output<typeof reissuedAccessSchema>;

export const witnessSwitchSchema = z.object({
  partyId: z.string(),
  accessCode: z
    .string()
    .nullable()
    .describe('For a sent envelope: the new access code, to pass on by another channel (shown once)'),
});
export type WitnessSwitch = z.output<typeof witnessSwitchSchema>;

/** What a witness-type party confirms before the provider signs on their instruction. */
export const witnessConfirmationSchema = z.object({
  ja: z.string(),
  en: z.string(),
  documents: z.array(z.object({ id: z.string(), name: z.string(), sha256: z.string() })),
});
export type WitnessConfirmation = z.output<typeof witnessConfirmationSchema>;

/** POST /api/sign/open: a signing link's token and the access code passed on separately. */
export const openLinkSchema = z.object({
  token: z.string().max(200),
  accessCode: z.string().max(64),
});
export const partySessionAnswerSchema = z.object({
  partyToken: z.string().describe('Send it in the header named by `header` on the envelope routes'),
  envelopeId: z.string(),
  partyId: z.string(),
  expiresAt: z.string(),
  header: z.string(),
});
export type PartySessionAnswer = z.output<typeof partySessionAnswerSchema>;

export const reminderRunSchema = z.object({
  reminded: z.array(z.object({ partyId: z.string(), email: z.string() })),
});

export const apiKeyViewSchema = z.object({
  id: z.string(),
  scopes: z.array(z.string()),
  createdBy: z.string().describe('The account the key acts as'),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type ApiKeyView = z.output<typeof apiKeyViewSchema>;
export const apiKeyListSchema = z.object({ keys: z.array(apiKeyViewSchema) });

export const webhookViewSchema = z.object({ id: z.string(), url: z.string(), createdAt: z.string() });
export type WebhookView = z.output<typeof webhookViewSchema>;
export const webhookListSchema = z.object({ webhooks: z.array(webhookViewSchema) });
export const webhookInputSchema = z.object({ url: z.string() });
export const webhookCreatedSchema = z.object({
  id: z.string(),
  secret: z.string().describe('The HMAC key of X-Shomei-Signature (shown once)'),
});

export const RETENTION_YEARS = { min: 7, max: 100 } as const;
export const retentionSchema = z.object({
  years: z.number().int().min(RETENTION_YEARS.min).max(RETENTION_YEARS.max),
});

export const TENANT_PERMISSIONS = ['tenant.admin', 'documents.read_all', 'corrections.read'] as const;
export const permissionGrantSchema = z.object({
  userId: z.string(),
  permission: z.enum(TENANT_PERMISSIONS),
  grantedBy: z.string(),
  grantedAt: z.string(),
});
export type PermissionGrant = z.output<typeof permissionGrantSchema>;
export const permissionListSchema = z.object({ permissions: z.array(permissionGrantSchema) });
export const permissionChangeSchema = z.object({
  userId: z.string().min(1).max(100),
  permission: z.enum(TENANT_PERMISSIONS),
  granted: z.boolean(),
});

/** 社内承認: the envelope's latest round of internal approval. */
export const approvalViewSchema = z.object({
  envelopeId: z.string(),
  round: z.number().int(),
  status: z.enum(['none', 'pending', 'approved', 'rejected']),
  approvers: z.array(
    z.object({
      userId: z.string(),
      name: z
        .string()
        .nullable()
        .describe("氏名 as the tenant's directory has it (null once the account is gone)"),
      status: z.enum(['pending', 'approved', 'rejected', 'withdrawn']),
      decidedAt: z.string().nullable(),
      reason: z.string().nullable(),
    }),
  ),
  envelope: envelopeViewSchema,
});
export type ApprovalView = z.output<typeof approvalViewSchema>;
export type ApprovalState = ApprovalView['status'];

/** POST /api/templates/{id}/envelopes: sent, a draft, or waiting for internal approval. */
export const fromTemplateAnswerSchema = sendResultSchema.extend({ approval: approvalViewSchema.optional() });

export const bulkSubmittedSchema = z.object({
  jobId: z.string(),
  templateId: z.string(),
  status: z.literal('queued'),
  total: z.number().int(),
});
export type BulkSubmitted = z.output<typeof bulkSubmittedSchema>;

const errorBodySchema = z.object({ code: z.string(), message: z.object({ ja: z.string(), en: z.string() }) });
export const bulkRowResultSchema = z.object({
  index: z.number().int(),
  email: z.string().nullable(),
  envelopeId: z.string().optional(),
  status: z
    .enum(['sent', 'awaiting-approval'])
    .optional()
    .describe('awaiting-approval when the template names internal approvers'),
  error: errorBodySchema.optional(),
});
export type BulkRowResult = z.output<typeof bulkRowResultSchema>;

export const bulkJobViewSchema = z.object({
  jobId: z.string(),
  templateId: z.string(),
  createdAt: z.string(),
  status: z.enum(['queued', 'running', 'done']),
  total: z.number().int(),
  done: z.number().int().describe('Rows with an outcome so far (made or failed)'),
  created: z.number().int(),
  failed: z.number().int(),
  accessCodes: z
    .enum(['ready', 'taken', 'none'])
    .describe('ready: the sender may take the codes (once); none: no codes were issued'),
  finishedAt: z.string().nullable(),
  rows: z.array(bulkRowResultSchema),
});
export type BulkJobView = z.output<typeof bulkJobViewSchema>;

export const takenCodesSchema = z.object({
  jobId: z.string(),
  codes: z.array(z.object({ index: z.number().int(), email: z.string(), accessCode: z.string() })),
});
export type TakenCodes = z.output<typeof takenCodesSchema>;

/** One correction or deletion in the record log (訂正削除履歴). */
export const recordLogEntrySchema = z.object({
  id: z.string(),
  recordId: z.string(),
  kind: z.enum(['correction', 'deletion']),
  changes: z
    .record(z.string(), z.unknown())
    .describe('Corrections: {field: {before, after}}; deletions: {documents: n}'),
  reason: z.string(),
  actor: z.object({ kind: z.string(), id: z.string() }),
  at: z.string(),
});
export type RecordLogEntry = z.output<typeof recordLogEntrySchema>;
export const recordLogPageSchema = z.object({
  items: z.array(recordLogEntrySchema),
  nextCursor: z.string().nullable(),
});
export type RecordLogPage = z.output<typeof recordLogPageSchema>;

/** An answer with no body. */
export const noContentSchema = z.null().describe('No content');
