/**
 * The contract API's shapes the screens use: the zod-inferred types the server serialises with
 * (src/contracts/model/shapes.ts and answers.ts), not copies.
 */
import type { EnvelopeStatus } from '../../../src/contracts/model/shapes.ts';

export type {
  ApiKeyView,
  ApprovalView,
  BulkJobView,
  BulkRowResult,
  PartySessionAnswer,
  RecordLogEntry,
  ReissuedAccess,
  TakenCodes,
  WebhookView,
  WitnessConfirmation,
} from '../../../src/contracts/model/answers.ts';
export type {
  DocumentView as EnvelopeDocument,
  EnvelopeStatus,
  EnvelopeSummary,
  EnvelopeView as Envelope,
  PartyStatus,
  PartyView as Party,
  TimelineEntry,
} from '../../../src/contracts/model/shapes.ts';

export const ENVELOPE_STATUSES: readonly EnvelopeStatus[] = [
  'draft',
  'sent',
  'completing',
  'completed',
  'cancelled',
  'declined',
  'expired',
  'imported',
];
