/**
 * The bulk-send worker (issue #16 F7): takes queued jobs from the database, one at a time per
 * instance, under a lease renewed after every row, and makes each row's envelope. A row is claimed
 * before its envelope is made and marked when the envelope exists and when it was sent, so a worker
 * restarted after a crash picks up exactly where the last one stopped and never sends a row twice:
 * a draft left behind is sent, a send whose outcome was not recorded is recorded (with fresh access
 * codes, the lost ones having never been shown), and a claim without an envelope is made again.
 */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { isShomeiError } from '../../errors/index.ts';
import type { ContractsContext } from '../context.ts';
import { discardDraft } from '../envelopes/discard-draft.ts';
import { sendEnvelope } from '../envelopes/envelopes.ts';
import { notifyDue } from '../mail/notify.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { envelopeFieldsSchema, slotFillSchema } from '../model/template-model.ts';
import { parseWith } from '../model/workflow-errors.ts';
import { auditActorOf } from '../parties/access.ts';
import { requestApproval } from '../parties/internal-approval.ts';
import { hasPendingApproval, workflowDb } from '../parties/internal-approval-gate.ts';
import { generateAccessCode, hashAccessCode } from '../parties/secrets.ts';
import type { BulkJobTable } from '../store/workflow-tables.ts';
import { openJobKey, type RowCodes, sealRowCodes } from './bulk-codes.ts';
import type { BulkInput } from './bulk-send.ts';
import { instantiate } from './from-template.ts';
import { type LoadedTemplate, loadTemplate, readTemplateDocument, templateActor } from './templates.ts';

const rowSchema = slotFillSchema
  .omit({ userId: true })
  .extend({
    email: z.string().trim().max(254).email(),
    name: z.string().trim().min(1).max(100),
    /** Envelope fields of this row over the template's (title, counterparty, date, amount, message). */
    fields: envelopeFieldsSchema.optional(),
  })
  .strict();

type JobRow = Selectable<BulkJobTable>;

interface RowState {
  readonly state: 'claimed' | 'draft' | 'done';
  readonly envelope_id: string | null;
}

interface RunningJob {
  readonly id: string;
  readonly actor: ContractActor;
  readonly sender: { readonly tenantId: string; readonly userId: string };
  readonly input: BulkInput;
  readonly template: LoadedTemplate;
  readonly plaintexts: readonly Buffer[];
  readonly key: Buffer;
}

export interface BulkWorkerOptions {
  /** Seconds a job stays with the instance working it without a renewal (default 120). */
  readonly leaseSeconds?: number;
  readonly onError?: (error: unknown) => void;
}

function describe(error: unknown): { code: string; message: { ja: string; en: string } } {
  if (isShomeiError(error)) return { code: error.code, message: error.messages };
  return {
    code: 'SHOMEI_INTERNAL',
    message: { ja: 'この行を処理できませんでした。', en: 'This row could not be processed.' },
  };
}

function emailOf(raw: unknown): string {
  const email = (raw as { email?: unknown } | null)?.email;
  return typeof email === 'string' ? email.slice(0, 254) : '';
}

async function claimNext(ctx: ContractsContext, leaseSeconds: number): Promise<JobRow | undefined> {
  const db = workflowDb(ctx);
  const now = ctx.clock();
  const job = await db
    .selectFrom('contract_bulk_jobs')
    .selectAll()
    .where('status', 'in', ['queued', 'running'])
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now.toISOString())]))
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  if (job === undefined) return undefined;
  const claimed = await db
    .updateTable('contract_bulk_jobs')
    .set({ status: 'running', lease_until: new Date(now.getTime() + leaseSeconds * 1000).toISOString() })
    .where('id', '=', job.id)
    .where('status', 'in', ['queued', 'running'])
    .where((eb) =>
      job.lease_until == null ? eb('lease_until', 'is', null) : eb('lease_until', '=', job.lease_until),
    )
    .executeTakeFirst();
  // Another instance took it between the two statements: look again.
  return Number(claimed.numUpdatedRows) === 1 ? job : claimNext(ctx, leaseSeconds);
}

/** The worker of one instance. `kick` after a job is stored; `stop` waits for the current row. */
export class BulkWorker {
  private running: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private readonly leaseSeconds: number;

  constructor(
    private readonly ctx: ContractsContext,
    private readonly options: BulkWorkerOptions = {},
  ) {
    this.leaseSeconds = options.leaseSeconds ?? 120;
  }

  /**
   * At start-up on SQLite — one process by design — leases held by a process that no longer runs
   * are released at once, so its jobs go on without waiting for the lease to run out.
   */
  async releaseStaleLeases(): Promise<void> {
    if (this.ctx.dialect !== 'sqlite') return;
    await workflowDb(this.ctx)
      .updateTable('contract_bulk_jobs')
      .set({ lease_until: null })
      .where('status', '=', 'running')
      .execute();
  }

  kick(): void {
    if (this.stopping) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopping) {
          this.again = false;
          this.kick();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  /** Resolves when no job is being worked on by this instance (tests, the CLI). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async drain(): Promise<void> {
    this.again = false;
    for (;;) {
      if (this.stopping) return;
      const job = await claimNext(this.ctx, this.leaseSeconds);
      if (job === undefined) return;
      await this.work(job);
    }
  }

  private async work(job: JobRow): Promise<void> {
    const actor = JSON.parse(job.actor ?? 'null') as ContractActor;
    const input = JSON.parse(job.input ?? 'null') as BulkInput;
    let running: RunningJob | undefined;
    let failure: unknown;
    try {
      const template = await loadTemplate(this.ctx, job.tenant_id, job.template_id);
      const plaintexts = [];
      for (const document of template.documents)
        plaintexts.push(await readTemplateDocument(this.ctx, document));
      const key = await openJobKey(this.ctx, job);
      running = {
        id: job.id,
        actor,
        sender: templateActor(actor, 'write'),
        input,
        template,
        plaintexts,
        key,
      };
    } catch (error) {
      // The template was deleted (or cannot be read) since the job was queued: every row fails.
      failure = error;
    }
    const db = workflowDb(this.ctx);
    const known = new Map<number, RowState>();
    for (const r of await db
      .selectFrom('contract_bulk_rows')
      .select(['row_index', 'state', 'envelope_id'])
      .where('job_id', '=', job.id)
      .execute()) {
      known.set(Number(r.row_index), { state: r.state ?? 'done', envelope_id: r.envelope_id });
    }
    for (const [index, raw] of input.rows.entries()) {
      if (this.stopping) return;
      const state = known.get(index);
      if (state?.state === 'done') continue;
      const stop = failure ?? (await this.actorRefusal(actor));
      if (stop !== undefined || running === undefined)
        await this.finishRow(job.id, index, raw, { error: stop });
      else await this.row(running, index, raw, state);
      await db
        .updateTable('contract_bulk_jobs')
        .set({ lease_until: new Date(this.ctx.clock().getTime() + this.leaseSeconds * 1000).toISOString() })
        .where('id', '=', job.id)
        .execute();
    }
    running?.key.fill(0);
    await this.finish(job.id, job.template_id, actor);
  }

  /** A job acts for its submitter as they are now: a closed account or a revoked key stops it. */
  private async actorRefusal(actor: ContractActor): Promise<unknown> {
    if (actor.kind === 'party') return contractErrors.forbidden();
    const user = await this.ctx.users(actor.userId);
    if (user === undefined || user.status !== 'active') return contractErrors.forbidden();
    if (actor.kind === 'api-key') {
      const key = await this.ctx.db
        .selectFrom('contract_api_keys')
        .select('id')
        .where('id', '=', actor.keyId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (key === undefined) return contractErrors.forbidden();
    }
    return undefined;
  }

  private async row(
    job: RunningJob,
    index: number,
    raw: unknown,
    state: RowState | undefined,
  ): Promise<void> {
    const db = workflowDb(this.ctx);
    const approvers = job.template.definition.internalApprovers ?? [];
    let envelopeId = state?.envelope_id ?? undefined;
    try {
      if (state === undefined) {
        await db
          .insertInto('contract_bulk_rows')
          .values({
            job_id: job.id,
            row_index: index,
            email: emailOf(raw),
            envelope_id: null,
            error_code: null,
            error_message: null,
            state: 'claimed',
          })
          .execute();
      } else if (state.state === 'claimed') {
        await this.discardUnrecorded(job, index, raw);
      }
      if (envelopeId === undefined) {
        const row = parseWith(rowSchema, raw, (field, reason) =>
          contractErrors.invalid(`rows.${index}.${field}`, reason),
        );
        const { fields, ...party } = row;
        envelopeId = await instantiate(
          this.ctx,
          job.actor,
          job.sender,
          job.template,
          job.plaintexts,
          { fields: fields ?? {}, parties: { [job.input.slot]: party }, reminders: job.input.reminders },
          { bulkJobId: job.id, bulkRow: index },
        );
        await db
          .updateTable('contract_bulk_rows')
          .set({ envelope_id: envelopeId, state: 'draft' })
          .where('job_id', '=', job.id)
          .where('row_index', '=', index)
          .execute();
      }
      const status = await this.envelopeStatus(envelopeId);
      if (approvers.length > 0) {
        // A resumed row whose approval was already requested is only recorded.
        if (status === 'draft' && !(await hasPendingApproval(this.ctx, envelopeId)))
          await requestApproval(this.ctx, job.actor, envelopeId, { approvers });
        await this.finishRow(job.id, index, raw, { envelopeId, status: 'awaiting-approval' });
      } else if (status === 'draft') {
        const sent = await sendEnvelope(this.ctx, job.actor, envelopeId);
        const codes = sent.accessCodes.map((c) => ({ email: c.email, accessCode: c.accessCode }));
        await this.finishRow(job.id, index, raw, { envelopeId, status: 'sent', codes, key: job.key });
      } else {
        // Sent by the crashed worker, which lost the codes before anyone saw them: new ones replace them.
        const codes = await this.reissueCodes(envelopeId);
        await this.askTheUnasked(envelopeId);
        await this.finishRow(job.id, index, raw, { envelopeId, status: 'sent', codes, key: job.key });
      }
    } catch (error) {
      // A row made but not sent (or not put up for approval) is taken back: no half-created envelopes.
      if (
        envelopeId !== undefined &&
        (await this.envelopeStatus(envelopeId)) === 'draft' &&
        !(await hasPendingApproval(this.ctx, envelopeId))
      ) {
        await discardDraft(
          this.ctx,
          envelopeId,
          auditActorOf(job.actor),
          `bulk job ${job.id} row ${index} failed`,
        ).catch(() => undefined);
      }
      await this.finishRow(job.id, index, raw, { error });
    }
  }

  private async envelopeStatus(envelopeId: string): Promise<string | undefined> {
    const row = await this.ctx.db
      .selectFrom('contract_envelopes')
      .select('status')
      .where('id', '=', envelopeId)
      .executeTakeFirst();
    return row?.status;
  }

  /**
   * A claim without an envelope: the crashed worker may have made the draft without recording its
   * id. Such a draft (this sender's, to this row's address, made since the job began) is discarded.
   */
  private async discardUnrecorded(job: RunningJob, index: number, raw: unknown): Promise<void> {
    const since = await workflowDb(this.ctx)
      .selectFrom('contract_bulk_jobs')
      .select('created_at')
      .where('id', '=', job.id)
      .executeTakeFirstOrThrow();
    const drafts = await this.ctx.db
      .selectFrom('contract_envelopes')
      .innerJoin('contract_parties', 'contract_parties.envelope_id', 'contract_envelopes.id')
      .select('contract_envelopes.id')
      .where('contract_envelopes.status', '=', 'draft')
      .where('contract_envelopes.created_by', '=', job.sender.userId)
      .where('contract_envelopes.created_at', '>=', since.created_at)
      .where('contract_parties.email', '=', emailOf(raw).trim())
      .execute();
    for (const draft of drafts) {
      await discardDraft(
        this.ctx,
        draft.id,
        auditActorOf(job.actor),
        `bulk job ${job.id} row ${index} resumed`,
      );
    }
  }

  /**
   * A kill between the send's commit and its mails leaves parties never asked to sign. A party is asked
   * now unless the audit trail shows its request mail went out (envelope.notify, written right after the
   * mail) or it signs through its account; at worst a kill between the mail and that record asks twice.
   */
  private async askTheUnasked(envelopeId: string): Promise<void> {
    const envelope = await this.ctx.db
      .selectFrom('contract_envelopes')
      .selectAll()
      .where('id', '=', envelopeId)
      .executeTakeFirstOrThrow();
    const parties = await this.ctx.db
      .selectFrom('contract_parties')
      .selectAll()
      .where('envelope_id', '=', envelopeId)
      .execute();
    const mailed =
      (await this.ctx.auditSearch?.({ type: 'envelope.notify', subjectIds: [envelopeId] })) ?? [];
    const asked = new Set(
      mailed.map((r) => String((r.details as { partyId?: unknown } | undefined)?.partyId)),
    );
    for (const p of parties) if (p.user_id !== null || p.signing_mode === 'signer-type') asked.add(p.id);
    await notifyDue(this.ctx, envelope, parties, asked);
  }

  private async reissueCodes(envelopeId: string): Promise<RowCodes> {
    const parties = await this.ctx.db
      .selectFrom('contract_parties')
      .select(['id', 'email'])
      .where('envelope_id', '=', envelopeId)
      .where('user_id', 'is', null)
      .where('access_code_hash', 'is not', null)
      .execute();
    const codes: { email: string; accessCode: string }[] = [];
    for (const party of parties) {
      const accessCode = generateAccessCode();
      await this.ctx.db
        .updateTable('contract_parties')
        .set({ access_code_hash: await hashAccessCode(accessCode) })
        .where('id', '=', party.id)
        .execute();
      codes.push({ email: party.email, accessCode });
    }
    return codes;
  }

  private async finishRow(
    jobId: string,
    index: number,
    raw: unknown,
    outcome: {
      envelopeId?: string;
      status?: 'sent' | 'awaiting-approval';
      codes?: RowCodes;
      key?: Buffer;
      error?: unknown;
    },
  ): Promise<void> {
    const failed = outcome.envelopeId === undefined;
    const error = failed ? describe(outcome.error) : undefined;
    const codes =
      outcome.codes !== undefined && outcome.codes.length > 0 && outcome.key !== undefined
        ? sealRowCodes(outcome.key, jobId, index, outcome.codes)
        : null;
    const values = {
      email: emailOf(raw),
      envelope_id: outcome.envelopeId ?? null,
      error_code: error?.code ?? null,
      error_message: error === undefined ? null : JSON.stringify(error.message),
      state: 'done' as const,
      status: outcome.status ?? null,
      codes,
    };
    const db = workflowDb(this.ctx);
    const updated = await db
      .updateTable('contract_bulk_rows')
      .set(values)
      .where('job_id', '=', jobId)
      .where('row_index', '=', index)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      await db
        .insertInto('contract_bulk_rows')
        .values({ job_id: jobId, row_index: index, ...values })
        .execute();
    }
  }

  /** Counts, the input dropped, and one aggregate audit record that fits any job size. */
  private async finish(jobId: string, templateId: string, actor: ContractActor): Promise<void> {
    const db = workflowDb(this.ctx);
    const rows = await db
      .selectFrom('contract_bulk_rows')
      .select(['envelope_id', 'error_code', 'codes'])
      .where('job_id', '=', jobId)
      .execute();
    const created = rows.filter((r) => r.envelope_id !== null).length;
    const withCodes = rows.some((r) => r.codes !== null);
    const done = await db
      .updateTable('contract_bulk_jobs')
      .set({
        status: 'done',
        input: null,
        actor: null,
        lease_until: null,
        finished_at: this.ctx.clock().toISOString(),
        created,
        failed: rows.length - created,
        codes_state: withCodes ? 'ready' : 'none',
        ...(withCodes ? {} : { codes_hsm_key_id: null, codes_sealed_key: null }),
      })
      .where('id', '=', jobId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) return;
    // Each envelope has its own envelope.send record, each row's outcome is in contract_bulk_rows;
    // here only the counts and how often each error occurred.
    const errors: Record<string, number> = {};
    for (const r of rows) if (r.error_code !== null) errors[r.error_code] = (errors[r.error_code] ?? 0) + 1;
    await this.ctx.audit.append({
      type: 'envelope.bulk-send',
      actor: auditActorOf(actor),
      subject: { kind: 'contract-bulk-job', id: jobId },
      outcome: rows.length === created ? 'success' : 'failure',
      source: actor.source,
      details: { templateId, total: rows.length, created, failed: rows.length - created, errors },
    });
  }
}
