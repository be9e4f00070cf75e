/** The subset of the contracts API (src/contracts/model.ts) the screens use. */
export type EnvelopeStatus =
  | 'draft'
  | 'sent'
  | 'completing'
  | 'completed'
  | 'cancelled'
  | 'declined'
  | 'expired'
  | 'imported';
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
export type PartyStatus = 'waiting' | 'signed' | 'approved' | 'declined' | 'removed' | 'viewed';

export interface Party {
  readonly id: string;
  readonly order: number;
  readonly role: 'signer' | 'approver' | 'viewer';
  readonly signingMode: 'signer-type' | 'witness-type' | null;
  readonly userId: string | null;
  readonly email: string;
  readonly company: string | null;
  readonly title: string | null;
  readonly name: string;
  readonly status: string;
  readonly actedAt: string | null;
  /** 甲/乙/丙 … when the sender or a template gave one. */
  readonly label?: string | null;
  /** Where the sender placed the party's seal (document index, page index, rect in PDF points). */
  readonly placement?: {
    readonly document: number;
    readonly page: number;
    readonly rect: readonly [number, number, number, number];
  } | null;
}

/** One event of GET /api/envelopes/:id/timeline (src/contracts/timeline.ts). */
export interface TimelineEntry {
  readonly seq: number;
  readonly time: string;
  readonly type: string;
  readonly outcome: 'success' | 'failure';
  readonly actor: {
    readonly kind: 'party' | 'user' | 'api-key' | 'system' | 'unknown';
    readonly name: string | null;
    readonly company: string | null;
  };
  readonly ip: string | null;
  readonly party: { readonly name: string; readonly company: string | null } | null;
  readonly document: string | null;
  readonly method: string | null;
  readonly reason: string | null;
}

export interface EnvelopeDocument {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly sha256: string;
  readonly originalSha256: string;
  readonly status: 'active' | 'shredded';
}

export interface Envelope {
  readonly id: string;
  readonly title: string;
  readonly counterparty: string;
  readonly transactionDate: string | null;
  readonly amount: number | null;
  readonly currency: string;
  readonly status: EnvelopeStatus;
  readonly signingOrder: 'sequential' | 'parallel';
  /** The sender's (or importer's) user id. */
  readonly createdBy?: string;
  readonly createdAt: string;
  readonly sentAt: string | null;
  readonly completedAt: string | null;
  readonly retentionUntil: string | null;
  readonly parties: readonly Party[];
  readonly documents: readonly EnvelopeDocument[];
}

export interface EnvelopeSummary {
  readonly id: string;
  readonly title: string;
  readonly counterparty: string;
  readonly transactionDate: string | null;
  readonly amount: number | null;
  readonly currency: string;
  readonly status: EnvelopeStatus;
  readonly createdAt: string;
  readonly completedAt: string | null;
}
