/**
 * The shape of an audit event (JT2A 7.1.4: time, type, actor, outcome, and what it concerned).
 * Every module records through an AuditTrail; details never carry secrets (PINs, SAD, OTPs,
 * passwords, tokens, keys) — only identifiers and outcomes.
 */

export type AuditActorKind = 'user' | 'operator' | 'process' | 'client-system' | 'anonymous';

export interface AuditActor {
  readonly kind: AuditActorKind;
  /** User id, operator id, client id, or a process name such as "archive-renewal". */
  readonly id: string;
  /** Tenant the actor belongs to, when there is one. */
  readonly tenantId?: string | undefined;
}

export interface AuditSubject {
  /** What kind of thing the event concerns: user, key, credential, certificate, envelope, document, … */
  readonly kind: string;
  readonly id: string;
}

export type AuditOutcome = 'success' | 'failure';

export interface AuditEventInput {
  /** Dotted event type, e.g. `auth.login`, `key.generate`, `signature.create`, `sad.issue`. */
  readonly type: string;
  readonly actor: AuditActor;
  readonly subject?: AuditSubject | undefined;
  readonly outcome: AuditOutcome;
  /** Where the request came from (IP address), when it came over the network. */
  readonly source?: string | undefined;
  /** Non-secret facts: reason codes, certificate serials, document hashes, authentication methods. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditTrail {
  append(event: AuditEventInput): Promise<void>;
}

/** An event as it stands in the chain, after validation, with its place and hashes. */
export interface AuditRecord {
  readonly seq: number;
  readonly eventId: string;
  /** ISO-8601 UTC with milliseconds, taken while the chain head was held. */
  readonly time: string;
  readonly type: string;
  readonly actor: { readonly kind: AuditActorKind; readonly id: string; readonly tenantId: string | null };
  readonly subject: AuditSubject | null;
  readonly outcome: AuditOutcome;
  readonly source: string | null;
  readonly details: Readonly<Record<string, unknown>>;
  /** Hex SHA-256 of the previous record (64 zeros for the first record ever). */
  readonly prevHash: string;
  /** Hex SHA-256 of this record's canonical JSON including prevHash. */
  readonly hash: string;
}
