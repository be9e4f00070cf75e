/**
 * The audit trail as the operator console reads it over HTTP (records, the chain check, alerts),
 * declared with zod: Fastify serialises with these and the OpenAPI document is generated from them.
 * Imports zod and constants only, so the web client can type-check against it.
 */
import { z } from 'zod';

/** The alert rules (alert-rules.ts implements them). */
export const ALERT_RULES = [
  'outside-hours',
  'abnormal-rate',
  'duplicate-session',
  'skipped-step',
  'audit-write-failure',
  'expiry-warning',
  'trust-service-failure',
  'hsm-configuration-change',
  'key-compromise',
] as const;

const bilingual = z.object({ ja: z.string(), en: z.string() });

export const auditRecordSchema = z.object({
  seq: z.number().int(),
  eventId: z.string(),
  time: z.string().describe('ISO-8601 UTC with milliseconds'),
  type: z.string(),
  actor: z.object({
    kind: z.enum(['user', 'operator', 'process', 'client-system', 'anonymous']),
    id: z.string(),
    tenantId: z.string().nullable(),
  }),
  subject: z.object({ kind: z.string(), id: z.string() }).nullable(),
  outcome: z.enum(['success', 'failure']),
  source: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string().describe('Hex SHA-256 of the previous record'),
  hash: z.string().describe("Hex SHA-256 of this record's canonical JSON"),
});

/** Strings as the query string brings them; the audit module's own parser checks them. */
export const auditSearchQuery = z.object({
  from: z.string().optional().describe('Inclusive lower bound, ISO-8601'),
  to: z.string().optional().describe('Exclusive upper bound, ISO-8601'),
  type: z.string().optional().describe('An event type (auth.login) or a prefix (auth.*)'),
  actor: z.string().optional(),
  afterSeq: z.string().optional().describe('Continue after this sequence number'),
  limit: z.string().optional(),
});

export const auditPageSchema = z.object({
  events: z.array(auditRecordSchema),
  next: z.number().int().nullable().describe('afterSeq for the next page'),
});

export const chainVerificationSchema = z.object({
  ok: z.boolean(),
  firstSeq: z.number().int(),
  lastSeq: z.number().int(),
  records: z.number().int(),
  firstBreak: z
    .object({
      seq: z.number().int(),
      reason: z.enum([
        'hash-mismatch',
        'prev-hash-mismatch',
        'sequence-gap',
        'sequence-order',
        'details-not-canonical',
      ]),
      message: z.string(),
    })
    .nullable(),
  checkpointKeyFingerprints: z.array(z.string()).readonly(),
  checkpoints: z.object({
    verified: z.number().int(),
    timestamped: z.number().int(),
    problems: z.array(
      z.object({ checkpointId: z.string(), throughSeq: z.number().int(), reason: z.string() }),
    ),
  }),
});

export const auditExportBody = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  fromSeq: z.number().int().min(1).optional(),
  throughSeq: z.number().int().min(1).optional(),
});

export const alertSchema = z.object({
  id: z.string(),
  rule: z.enum(ALERT_RULES),
  severity: z.enum(['warning', 'critical']),
  raisedAt: z.string(),
  actorId: z.string().nullable(),
  summary: bilingual,
  eventIds: z.array(z.string()).readonly(),
  eventSeqs: z.array(z.number().int()).readonly(),
  notifiedAt: z.string().nullable(),
});
export type AlertView = z.output<typeof alertSchema>;
export type AuditRecordView = z.output<typeof auditRecordSchema>;
