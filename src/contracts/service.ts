/** The contracts module's service: one object the app builds and the routes and CLI use. */

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type EmbeddedSigning, openEmbeddedSigning } from '../ades/index.ts';
import type { AuditActor, AuditRecord, AuditSearchFilter, AuditTrail } from '../audit/index.ts';
import { type Clock, systemClock } from '../clock/index.ts';
import type { ShomeiConfig } from '../config/index.ts';
import type { CryptoModule } from '../crypto/index.ts';
import type { User } from '../identity/index.ts';
import type { Mailer } from '../mail/index.ts';
import { withClusterLock } from '../ops/index.ts';
import type { RemoteSignatureService } from '../rssp/index.ts';
import { ceremonyKeyOf, type Database, generateCeremonySecretKey, type KeyRegistry } from '../store/index.ts';
import { type CertificateDownload, certificateOfCompletionPdf } from './completion/certificate-pdf.ts';
import {
  afterAct,
  completeEnvelope,
  type ResumeOutcome,
  resumeCompletions,
} from './completion/completion.ts';
import { type RenewalOptions, type RenewalOutcome, renewArchiveTimestamps } from './completion/renewal.ts';
import {
  type ContractsContext,
  type ContractsPdfWork,
  type ContractsSettings,
  DEFAULT_CONTRACTS_SETTINGS,
} from './context.ts';
import {
  addDocument,
  cancelEnvelope,
  createEnvelope,
  declineEnvelope,
  deleteEnvelope,
  readDocument,
  removeParty,
  type SendResult,
  sendEnvelope,
  setLegalHold,
  shredEnvelope,
  viewEnvelope,
} from './envelopes/envelopes.ts';
import { type ReissuedAccess, reissueAccess } from './envelopes/reissue.ts';
import { type SearchPage, searchEnvelopes } from './envelopes/search.ts';
import { envelopeTimeline, type TimelineEntry } from './envelopes/timeline.ts';
import { contractErrors } from './model/errors.ts';
import type { ContractActor, EnvelopeView } from './model/model.ts';
import { loadEnvelope } from './parties/access.ts';
import { hasPendingApproval } from './parties/internal-approval-gate.ts';
import { openSigningLink, type PartySession, resolvePartySession } from './parties/links.ts';
import { listPermissions, type TenantPermission } from './parties/permissions.ts';
import type { RemoteSigner } from './signing/remote-signer.ts';
import { inProcessRemoteSigner } from './signing/remote-signer.ts';
import {
  approve,
  signAsSigner,
  signAsWitness,
  type WitnessConfirmation,
  witnessConfirmation,
} from './signing/signing.ts';
import { type SigningPolicy, setSigningPolicy, signingPolicyOf } from './signing/signing-policy.ts';
import type { ContractsTables } from './store/tables.ts';
import { DocumentVault } from './store/vault.ts';
import { type ApiKeyView, listApiKeys, resolveApiKey, revokeApiKeys } from './tenants/api-keys.ts';
import {
  createTenantApiKey,
  listTenantApiKeys,
  listWebhooks,
  registerWebhook,
  removeWebhook,
  revokeApiKeysOfUser,
  revokeTenantApiKey,
  setRetention,
} from './tenants/tenant-settings.ts';
import { Webhooks, type WebhookView } from './tenants/webhooks.ts';
import { BulkWorker } from './workflow/bulk-worker.ts';
import { sendDueReminders } from './workflow/reminders.ts';

export interface ContractServiceDependencies {
  readonly config: ShomeiConfig;
  readonly database: Database;
  readonly crypto: CryptoModule;
  readonly keys: KeyRegistry;
  readonly audit: AuditTrail;
  readonly mailer: Mailer;
  readonly users: (userId: string) => Promise<User | undefined>;
  readonly rssp?: RemoteSignatureService;
  readonly remoteSigner?: RemoteSigner;
  readonly auditSearch?: (filter: AuditSearchFilter) => Promise<AuditRecord[]>;
  /** Installation auditors (system_auditor) read every tenant's correction and deletion log. */
  readonly isAuditor?: (userId: string) => Promise<boolean>;
  readonly settings?: Partial<ContractsSettings>;
  /** Replaces the embedded e-seal/TSA/revocation set-up (tests, external CA and TSA). */
  readonly provider?: () => Promise<EmbeddedSigning>;
  readonly clock?: Clock;
  /** PDF parsing and validation on worker threads (ADR 016). */
  readonly pdfWork?: ContractsPdfWork;
  /** Throws once the service has ended: no new envelopes after the termination (ADR 036). */
  readonly admission?: () => Promise<void>;
}

const WEBHOOK_KEY_PURPOSE = 'contracts-webhook-secrets';

/** The key ceremony step for the key that seals webhook secrets (idempotent). */
export function generateWebhookSealKey(
  crypto: CryptoModule,
  keys: KeyRegistry,
): Promise<{ keyId: string; generated: boolean }> {
  return generateCeremonySecretKey(crypto, keys, WEBHOOK_KEY_PURPOSE, 'contracts:webhook-secrets');
}

export class ContractService {
  readonly context: ContractsContext;
  readonly webhooks: Webhooks;
  /** Makes the envelopes of queued bulk sends (issue #16 F7); woken when a job is stored. */
  readonly bulk: BulkWorker;
  private providerPromise: Promise<EmbeddedSigning> | undefined;
  private webhookKey: Promise<string> | undefined;

  constructor(private readonly deps: ContractServiceDependencies) {
    const settings: ContractsSettings = {
      ...DEFAULT_CONTRACTS_SETTINGS,
      publicUrl: deps.config.http.publicUrl,
      testMark: deps.config.environment !== 'production',
      completionLeaseSeconds:
        deps.config.contracts.completionLeaseSeconds ?? DEFAULT_CONTRACTS_SETTINGS.completionLeaseSeconds,
      ...deps.settings,
    };
    const root = path.join(deps.config.home, 'contracts');
    const workDirectory = path.join(root, 'work');
    mkdirSync(workDirectory, { recursive: true, mode: 0o700 });
    const db = deps.database.db.withTables<ContractsTables>();
    const clock = deps.clock ?? systemClock;
    const vault = new DocumentVault({
      db,
      dialect: deps.database.dialect,
      crypto: deps.crypto,
      keys: deps.keys,
      audit: deps.audit,
      blobDirectory: path.join(root, 'blobs'),
    });
    this.webhooks = new Webhooks({
      db,
      crypto: deps.crypto,
      sealKeyId: () => this.webhookSealKey(),
      clock,
      outbound: { allowLoopback: settings.webhooksAllowLoopback },
    });
    const remoteSigner =
      deps.remoteSigner ??
      (deps.rssp === undefined
        ? {
            certificates: async () => {
              throw contractErrors.signingFailed('no remote signature service configured');
            },
            signDigests: async () => {
              throw contractErrors.signingFailed('no remote signature service configured');
            },
          }
        : inProcessRemoteSigner(deps.rssp));
    this.context = {
      db,
      dialect: deps.database.dialect,
      vault,
      audit: deps.audit,
      mailer: deps.mailer,
      settings,
      workDirectory,
      users: deps.users,
      provider: () => this.provider(),
      remoteSigner,
      auditSearch: deps.auditSearch,
      isAuditor: deps.isAuditor,
      pdfWork: deps.pdfWork,
      admission: deps.admission,
      signingFactors: deps.rssp?.signingFactors,
      clock,
      emit: (tenantId, event, data) => this.webhooks.enqueue(tenantId, event, data),
    };
    this.bulk = new BulkWorker(this.context);
  }

  get settings(): ContractsSettings {
    return this.context.settings;
  }

  private provider(): Promise<EmbeddedSigning> {
    if (this.deps.provider !== undefined) return this.deps.provider();
    this.providerPromise ??= openEmbeddedSigning({
      config: this.deps.config,
      database: this.deps.database,
      crypto: this.deps.crypto,
      keys: this.deps.keys,
    }).catch((error: unknown) => {
      this.providerPromise = undefined;
      throw error;
    });
    return this.providerPromise;
  }

  private webhookSealKey(): Promise<string> {
    // Made by the key ceremony at `shomei init` (ADR 019), never here on first use.
    this.webhookKey ??= ceremonyKeyOf(this.deps.keys, WEBHOOK_KEY_PURPOSE).catch((error: unknown) => {
      this.webhookKey = undefined;
      throw error;
    });
    return this.webhookKey;
  }

  create(actor: ContractActor, input: unknown): Promise<EnvelopeView> {
    return createEnvelope(this.context, actor, input);
  }
  addDocument(actor: ContractActor, envelopeId: string, name: string, bytes: Buffer): Promise<EnvelopeView> {
    return addDocument(this.context, actor, envelopeId, name, bytes);
  }
  send(actor: ContractActor, envelopeId: string): Promise<SendResult> {
    return sendEnvelope(this.context, actor, envelopeId);
  }
  get(actor: ContractActor, envelopeId: string): Promise<EnvelopeView> {
    return viewEnvelope(this.context, actor, envelopeId);
  }
  readDocument(actor: ContractActor, envelopeId: string, documentId: string) {
    return readDocument(this.context, actor, envelopeId, documentId);
  }
  cancel(actor: ContractActor, envelopeId: string, body: unknown): Promise<void> {
    return cancelEnvelope(this.context, actor, envelopeId, body);
  }
  decline(actor: ContractActor, envelopeId: string, body: unknown): Promise<void> {
    return declineEnvelope(this.context, actor, envelopeId, body);
  }
  /** 再発行: a new access code (returned once) and a new mailed link for an outside party. */
  reissueAccess(actor: ContractActor, envelopeId: string, partyId: string): Promise<ReissuedAccess> {
    return reissueAccess(this.context, actor, envelopeId, partyId);
  }
  removeParty(actor: ContractActor, envelopeId: string, partyId: string): Promise<EnvelopeView> {
    return removeParty(this.context, actor, envelopeId, partyId);
  }
  delete(actor: ContractActor, envelopeId: string, body: unknown): Promise<void> {
    return deleteEnvelope(this.context, actor, envelopeId, body);
  }
  legalHold(actor: ContractActor, envelopeId: string, hold: boolean): Promise<EnvelopeView> {
    return setLegalHold(this.context, actor, envelopeId, hold);
  }
  search(actor: ContractActor, filter: unknown): Promise<SearchPage> {
    return searchEnvelopes(this.context.db, actor, filter);
  }
  openLink(body: unknown, source: string | undefined): Promise<PartySession> {
    return openSigningLink(this.context, body, source);
  }
  resolvePartySession(token: string, source: string | undefined): Promise<ContractActor | undefined> {
    return resolvePartySession(this.context, token, source);
  }
  resolveApiKey(header: string, source: string | undefined): Promise<ContractActor | undefined> {
    return resolveApiKey(this.context, header, source);
  }
  /** Tenant administrators only; the key acts as its creator, within the creator's permissions. */
  createApiKey(actor: ContractActor, scopes: readonly string[]): Promise<{ id: string; key: string }> {
    return createTenantApiKey(this.context, actor, scopes);
  }
  listApiKeys(actor: ContractActor): Promise<{ keys: ApiKeyView[] }> {
    return listTenantApiKeys(this.context, actor);
  }
  revokeApiKey(actor: ContractActor, id: string): Promise<void> {
    return revokeTenantApiKey(this.context, actor, id);
  }
  /** Operators (CLI): every key of a tenant, revoked or not; never a secret. */
  apiKeysOfTenant(tenantId: string): Promise<ApiKeyView[]> {
    return listApiKeys(this.context, tenantId, undefined);
  }
  /** Operators (CLI): revokes one key by id; false when it was unknown or already revoked. */
  async revokeApiKeyAsOperator(by: AuditActor, id: string, reason: string): Promise<boolean> {
    return (await revokeApiKeys(this.context, by, { id }, reason)).length === 1;
  }
  /** The account-closed hook and the CLI: every key the user created stops working. */
  revokeApiKeysOfUser(by: AuditActor, userId: string, reason: string): Promise<string[]> {
    return revokeApiKeysOfUser(this.context, by, userId, reason);
  }
  registerWebhook(actor: ContractActor, url: unknown): Promise<{ id: string; secret: string }> {
    return registerWebhook(this.context, this.webhooks, actor, url);
  }
  listWebhooks(actor: ContractActor): Promise<{ webhooks: WebhookView[] }> {
    return listWebhooks(this.context, this.webhooks, actor);
  }
  removeWebhook(actor: ContractActor, id: string): Promise<void> {
    return removeWebhook(this.context, this.webhooks, actor, id);
  }
  /** The tenant's administrators (who hear of a service termination, ADR 036). */
  async tenantAdministrators(tenantId: string): Promise<string[]> {
    const grants = await listPermissions(this.context, tenantId);
    return grants.filter((g) => g.permission === 'tenant.admin').map((g) => g.userId);
  }
  /** The tenant permissions (閲覧権限 and the like) a user holds in their own tenant. */
  async tenantPermissionsOf(tenantId: string, userId: string): Promise<TenantPermission[]> {
    const grants = await listPermissions(this.context, tenantId);
    return grants.filter((g) => g.userId === userId).map((g) => g.permission);
  }
  /** What happened to the envelope, from the audit trail, for those who may read the envelope. */
  timeline(actor: ContractActor, envelopeId: string): Promise<TimelineEntry[]> {
    return envelopeTimeline(this.context, actor, envelopeId);
  }
  certificateOfCompletion(actor: ContractActor, envelopeId: string): Promise<CertificateDownload> {
    return certificateOfCompletionPdf(this.context, actor, envelopeId);
  }
  witnessConfirmation(actor: ContractActor, envelopeId: string): Promise<WitnessConfirmation> {
    return witnessConfirmation(this.context, actor, envelopeId);
  }

  /** A party's act (witness-type signature, signer-type signature or approval), then completion or the next turn. */
  async act(
    actor: ContractActor,
    envelopeId: string,
    kind: 'witness' | 'signer' | 'approve',
    body: unknown,
  ): Promise<EnvelopeView> {
    const loaded = await loadEnvelope(this.context, actor, envelopeId, 'act');
    if (kind === 'witness') await signAsWitness(this.context, actor, envelopeId, body);
    else if (kind === 'signer') await signAsSigner(this.context, actor, envelopeId, body);
    else await approve(this.context, actor, envelopeId, body);
    await afterAct(this.context, envelopeId, loaded.party!.id);
    return viewEnvelope(this.context, actor, envelopeId);
  }

  /** Retries completion of an envelope whose parties have all acted (after a failure). */
  async complete(actor: ContractActor, envelopeId: string): Promise<EnvelopeView> {
    const loaded = await loadEnvelope(this.context, actor, envelopeId, 'manage');
    if (loaded.envelope.status !== 'sent') throw contractErrors.state(loaded.envelope.status, 'completed');
    const acting = loaded.parties.filter((p) => p.role !== 'viewer' && p.status !== 'removed');
    if (!acting.every((p) => p.status === 'signed' || p.status === 'approved')) {
      throw contractErrors.state('sent', 'completed before every party acted');
    }
    await completeEnvelope(this.context, loaded.envelope, loaded.parties);
    return viewEnvelope(this.context, actor, envelopeId);
  }

  /** The signing modes the actor's tenant allows and its signing factor (any member may read it). */
  async signingPolicy(actor: ContractActor): Promise<SigningPolicy> {
    if (actor.kind === 'party') throw contractErrors.forbidden();
    return signingPolicyOf(this.context, actor.tenantId);
  }

  /** Tenant administrators only, audited (the one door for the policy). */
  setSigningPolicy(actor: ContractActor, raw: unknown): Promise<SigningPolicy> {
    return setSigningPolicy(this.context, actor, raw);
  }

  /** Per-tenant retention in years (7–100), tenant administrators only. */
  setRetention(actor: ContractActor, years: unknown): Promise<void> {
    return setRetention(this.context, actor, years);
  }

  /**
   * Timers for the housekeeping every instance may run (each step claims its rows with conditional
   * updates, so instances do not collide): the sweep every 5 minutes, webhook deliveries every 15
   * seconds, archive renewal once a day. At start, completions a killed process left are resumed
   * at once. Returns the function that stops them.
   */
  startBackgroundWork(onError: (task: string, error: unknown) => void = () => undefined): () => void {
    this.resumeCompletions({
      startup: true,
      onError: (error) => onError('contracts.completion-resume', error),
    }).catch((error: unknown) => onError('contracts.completion-resume', error));
    const every = (task: string, ms: number, work: () => Promise<unknown>): NodeJS.Timeout => {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        work()
          .catch((error: unknown) => onError(task, error))
          .finally(() => {
            running = false;
          });
      }, ms);
      timer.unref();
      return timer;
    };
    const timers = [
      every('contracts.sweep', 5 * 60_000, () => this.sweep()),
      every('contracts.webhooks', 15_000, () => this.webhooks.deliverDue()),
      every('contracts.archive-renewal', 24 * 3600_000, () => this.renewArchiveTimestamps()),
      every('contracts.reminders', 15 * 60_000, () => this.remindDue()),
      // Bulk jobs left by a stopped instance (or another one whose lease ran out) are taken up again.
      every('contracts.bulk', 30_000, async () => this.bulk.kick()),
    ];
    this.bulk
      .releaseStaleLeases()
      .then(() => this.bulk.kick())
      .catch((error: unknown) => onError('contracts.bulk', error));
    return () => {
      for (const timer of timers) clearInterval(timer);
    };
  }

  /**
   * Reminders that are due, sent by one instance of the cluster at a time (the ops cluster lock);
   * `ran: false` when another instance holds it. Each reminder is also claimed by its own row.
   */
  async remindDue(now?: Date): Promise<{ ran: boolean; sent: number }> {
    const result = await withClusterLock(this.deps.database, 'contracts.reminders', () =>
      sendDueReminders(this.context, now),
    );
    return result.ran ? { ran: true, sent: result.value } : { ran: false, sent: 0 };
  }

  /**
   * Finishes completions that lost their process (`completing` past the lease, or every party acted
   * but completion never began), once across the cluster (ops cluster lock). At start-up on SQLite —
   * one process by design — every claim made before this process started is taken at once.
   */
  async resumeCompletions(
    options: { now?: Date; startup?: boolean; onError?: (error: unknown) => void } = {},
  ): Promise<ResumeOutcome> {
    const now = options.now ?? this.context.clock();
    const startup = options.startup === true && this.context.dialect === 'sqlite';
    const cutoff = startup
      ? now
      : new Date(now.getTime() - this.context.settings.completionLeaseSeconds * 1000);
    const result = await withClusterLock(this.deps.database, 'contracts.completion-resume', () =>
      resumeCompletions(this.context, { cutoff, startup }, (_envelopeId, error) => options.onError?.(error)),
    );
    return result.ran ? result.value : { resumed: 0, returned: 0, failed: 0 };
  }

  renewArchiveTimestamps(options: RenewalOptions = {}): Promise<RenewalOutcome[]> {
    return renewArchiveTimestamps(this.context, options);
  }

  /**
   * After a restore: documents the destruction log says were shredded are shredded again in the
   * restored data (ADR 032). Ones already shredded or unknown here are left alone; returns those done.
   */
  async reapplyShredding(documentIds: readonly string[], by: AuditActor): Promise<string[]> {
    const ctx = this.context;
    const done: string[] = [];
    for (const id of documentIds) {
      const document = await ctx.db
        .selectFrom('contract_documents')
        .selectAll()
        .where('id', '=', id)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (document === undefined) continue;
      await ctx.vault.shred(document, by, 'destruction log re-applied after a restore');
      done.push(id);
    }
    return done;
  }

  /** Documents of envelopes that never became contracts, past the published period (issue #18). */
  private async shredClosedEnvelopes(now: Date): Promise<number> {
    const ctx = this.context;
    const cutoff = new Date(now.getTime() - ctx.settings.closedDocumentDays * 86_400_000).toISOString();
    const closed = await ctx.db
      .selectFrom('contract_envelopes as e')
      .selectAll('e')
      .where('e.status', 'in', ['declined', 'cancelled', 'expired'])
      .where('e.legal_hold', '=', 0)
      .where('e.updated_at', '<', cutoff)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('contract_documents as d')
            .select('d.id')
            .whereRef('d.envelope_id', '=', 'e.id')
            .where('d.status', '=', 'active'),
        ),
      )
      .execute();
    const by = { kind: 'process' as const, id: 'contracts-sweep' };
    let shredded = 0;
    for (const envelope of closed)
      shredded += await shredEnvelope(ctx, envelope, by, 'closed envelope period ended', true);
    return shredded;
  }

  /**
   * Housekeeping: uploaded input of envelopes never sent is deleted after the published number of
   * hours; completions that lost their instance are finished; sent envelopes past their expiry
   * become expired; completed envelopes whose retention ended (and not on legal hold) are shredded,
   * and so are the documents of declined, cancelled and expired envelopes closed longer ago than
   * the published `closedDocumentDays`.
   */
  async sweep(now: Date = this.context.clock()): Promise<{
    closed: number;
    unprocessed: number;
    expired: number;
    retentionEnded: number;
    reclaimed: number;
    resumed: number;
  }> {
    const ctx = this.context;
    const process = { kind: 'process' as const, id: 'contracts-sweep' };
    const cutoff = new Date(now.getTime() - ctx.settings.unprocessedInputHours * 3600_000).toISOString();
    const drafts = await ctx.db
      .selectFrom('contract_envelopes')
      .selectAll()
      .where('status', '=', 'draft')
      .where('updated_at', '<', cutoff)
      .execute();
    let unprocessed = 0;
    for (const envelope of drafts) {
      // A draft waiting for internal approval is not unprocessed input: the approvers have it.
      if (await hasPendingApproval(ctx, envelope.id)) continue;
      const claimed = await ctx.db
        .updateTable('contract_envelopes')
        .set({ status: 'expired', closed_reason: 'unprocessed input deleted', updated_at: now.toISOString() })
        .where('id', '=', envelope.id)
        .where('status', '=', 'draft')
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      unprocessed += await shredEnvelope(
        ctx,
        { ...envelope, status: 'expired' },
        process,
        'unprocessed input',
        true,
      );
    }
    // Completions that died with their instance (or never began after the last act) are finished.
    const resumed = await this.resumeCompletions({ now });
    // An envelope every party has acted on is not expired: it is waiting for its completion.
    const expired = await ctx.db
      .updateTable('contract_envelopes')
      .set({ status: 'expired', closed_reason: 'expired', updated_at: now.toISOString() })
      .where('status', '=', 'sent')
      .where('expires_at', '<', now.toISOString())
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('contract_parties as p')
            .select('p.id')
            .whereRef('p.envelope_id', '=', 'contract_envelopes.id')
            .where('p.role', '!=', 'viewer')
            .where('p.status', 'not in', ['signed', 'approved', 'removed']),
        ),
      )
      .executeTakeFirst();
    const ended = await ctx.db
      .selectFrom('contract_envelopes as e')
      .selectAll('e')
      .where('e.status', 'in', ['completed', 'imported'])
      .where('e.legal_hold', '=', 0)
      .where('e.retention_until', '<', now.toISOString())
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('contract_documents as d')
            .select('d.id')
            .whereRef('d.envelope_id', '=', 'e.id')
            .where('d.status', '=', 'active'),
        ),
      )
      .execute();
    let retentionEnded = 0;
    for (const envelope of ended)
      retentionEnded += await shredEnvelope(ctx, envelope, process, 'retention period ended', true);
    const closed = await this.shredClosedEnvelopes(now);
    return {
      closed,
      unprocessed,
      expired: Number(expired.numUpdatedRows),
      retentionEnded,
      reclaimed: resumed.returned,
      resumed: resumed.resumed,
    };
  }
}
