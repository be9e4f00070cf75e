/** What every part of the contracts module works with, assembled once by ContractService. */
import type { Kysely } from 'kysely';
import type { EmbeddedSigning, PreparedPdfSignature, TimestampAuthority } from '../ades/index.ts';
import type { AuditRecord, AuditSearchFilter, AuditTrail } from '../audit/index.ts';
import type { Clock } from '../clock/index.ts';
import type { User } from '../identity/index.ts';
import type { Mailer } from '../mail/index.ts';
import type { SigningFactor } from '../rssp/index.ts';
import type { DialectName } from '../store/index.ts';
import type { ValidationReport } from '../validation/index.ts';
import type { CompletionAssemblyInput, CompletionProvider } from './completion/completion-assembly.ts';
import type { ActCompletion, ActPreparation } from './signing/act-assembly.ts';
import type { RemoteSigner } from './signing/remote-signer.ts';
import type { ContractsTables } from './store/tables.ts';
import type { DocumentVault } from './store/vault.ts';

export interface ContractsSettings {
  /** Largest PDF accepted per upload (bytes). */
  readonly maxDocumentBytes: number;
  readonly maxDocumentsPerEnvelope: number;
  /** How long an e-mailed signing link stays usable. */
  readonly linkValidityHours: number;
  /** How long a party session lasts after link + access code were accepted. */
  readonly partySessionMinutes: number;
  /** Wrong access codes before the link is spent. */
  readonly accessCodeAttempts: number;
  /** Default retention of completed envelopes (per tenant it can be changed). */
  readonly defaultRetentionYears: number;
  /** Uploaded input in envelopes never sent is deleted after this many hours (published setting). */
  readonly unprocessedInputHours: number;
  /**
   * Documents of declined, cancelled and expired envelopes are crypto-shredded this many days after
   * the envelope closed (published setting, issue #18); the record of what happened stays.
   */
  readonly closedDocumentDays: number;
  /** Archive timestamps are renewed when the newest one's TSA certificate expires within this many days. */
  readonly archiveRenewalWindowDays: number;
  /** Digest algorithms treated as weak for archive renewal (e.g. SHA-1). */
  readonly weakDigestOids: readonly string[];
  /** Base URL in links sent by mail. */
  readonly publicUrl: string;
  /** Mark seal appearances outside production. */
  readonly testMark: boolean;
  /** Most rows one bulk send (一括送信) may carry. */
  readonly maxBulkRows: number;
  /** Reminder defaults when neither the envelope nor its tenant sets them (0 reminders: none). */
  readonly reminderIntervalDays: number;
  readonly maxReminders: number;
  /**
   * A completion claimed (`completing`) longer ago than this, or a `sent` envelope every party acted
   * on that was left alone this long, is taken to have lost its instance and is completed by the sweep.
   */
  readonly completionLeaseSeconds: number;
  /**
   * Webhook deliveries may reach loopback (127.0.0.0/8, ::1). Off by default and in every real
   * installation; tests and local development turn it on to receive on 127.0.0.1. Private,
   * link-local and metadata addresses stay refused either way (src/net).
   */
  readonly webhooksAllowLoopback: boolean;
}

export const DEFAULT_CONTRACTS_SETTINGS: ContractsSettings = {
  maxDocumentBytes: 20 * 1024 * 1024,
  maxDocumentsPerEnvelope: 10,
  linkValidityHours: 168,
  partySessionMinutes: 30,
  accessCodeAttempts: 5,
  defaultRetentionYears: 10,
  unprocessedInputHours: 8,
  closedDocumentDays: 90,
  archiveRenewalWindowDays: 365,
  weakDigestOids: ['1.3.14.3.2.26', '1.2.840.113549.2.5'],
  publicUrl: 'http://127.0.0.1:8080',
  testMark: true,
  maxBulkRows: 500,
  reminderIntervalDays: 3,
  maxReminders: 3,
  completionLeaseSeconds: 300,
  webhooksAllowLoopback: false,
};

/** The worker-pool jobs the contracts module uses (structurally the app's DocumentWork). */
export interface ContractsPdfWork {
  pageCount(input: { bytes: Uint8Array; maxFileBytes: number }): Promise<number>;
  validate(input: {
    document: Uint8Array;
    options: { readonly trustAnchors: readonly Uint8Array[]; readonly name?: string };
  }): Promise<ValidationReport>;
  /** assembleCompletedDocument on a worker, `provider` answering its calls from this thread. */
  assembleCompleted?(input: CompletionAssemblyInput, provider: CompletionProvider): Promise<Buffer>;
  /** prepareActSignature on a worker (ADR 034). */
  prepareSignature?(input: ActPreparation): Promise<PreparedPdfSignature>;
  /** completeActSignature on a worker, its timestamp requests answered by `tsa` on this thread. */
  completeSignature?(input: ActCompletion, provider: { readonly tsa: TimestampAuthority }): Promise<Buffer>;
}

export interface ContractsContext {
  readonly db: Kysely<ContractsTables>;
  readonly dialect: DialectName;
  readonly vault: DocumentVault;
  readonly audit: AuditTrail;
  readonly mailer: Mailer;
  readonly settings: ContractsSettings;
  /** Private directory for the intermediate files of signing (removed after each step). */
  readonly workDirectory: string;
  readonly users: (userId: string) => Promise<User | undefined>;
  /** The provider's e-seal, TSA and revocation source (set up on first use). */
  readonly provider: () => Promise<EmbeddedSigning>;
  readonly remoteSigner: RemoteSigner;
  readonly auditSearch?: ((filter: AuditSearchFilter) => Promise<AuditRecord[]>) | undefined;
  /** Whether a user is an installation auditor (system_auditor), who reads every tenant's record log. */
  readonly isAuditor?: ((userId: string) => Promise<boolean>) | undefined;
  readonly clock: Clock;
  /** PDF parsing and validation off the event loop (the app's worker pool, ADR 016); absent: inline. */
  readonly pdfWork?: ContractsPdfWork | undefined;
  /** Per tenant, the second factor that activates signing credentials (the rssp's store). */
  readonly signingFactors?:
    | {
        of(tenantId: string): Promise<SigningFactor>;
        set(tenantId: string, factor: SigningFactor): Promise<void>;
      }
    | undefined;
  /** Throws once the service has ended (ADR 036): asked before any new envelope or import. */
  readonly admission?: (() => Promise<void>) | undefined;
  /** Envelope events for webhooks. */
  readonly emit: (tenantId: string, event: string, data: Record<string, unknown>) => Promise<void>;
}
