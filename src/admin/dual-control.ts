/**
 * Dual control (四つの目): an operation of a registered kind is requested by one privileged user and
 * happens only when a second, different, authorised user approves before the request expires. Both
 * steps, refusals included, are audited. Executors are registered per kind by the modules that own
 * the operation (keys, backups, audit parameters, role grants).
 */

import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { type AuditEventInput, canonicalJson, type TransactionalAuditTrail } from '../audit/index.ts';
import { type Clock, systemClock } from '../clock/index.ts';
import { isShomeiError, type ShomeiError, shomeiError } from '../errors/index.ts';
import { invalidInput, notAuthorised, notFound } from './errors.ts';
import type { RoleGrants } from './grants.ts';
import type { Role } from './roles.ts';
import type { APPROVAL_STATUSES } from './shapes.ts';
import type { AdminTables, ApprovalRequestTable } from './tables.ts';
import { identifier } from './validate.ts';

export type JsonObject = { readonly [key: string]: unknown };

export interface DualControlExecutor {
  readonly description: { readonly ja: string; readonly en: string };
  /** Roles that may ask for the operation. */
  readonly requesters: readonly Role[];
  /** Roles that may approve it (always a different person from the requester). */
  readonly approvers: readonly Role[];
  /** Validates and normalises the payload; throws a typed error for bad input. */
  parse(payload: unknown): JsonObject;
  /** The user the operation benefits (e.g. who receives a role): they may not approve it either. */
  beneficiary?(payload: JsonObject): string | undefined;
  /** Checks that the operation could happen now (run at request and again at approval). */
  precheck?(payload: JsonObject): Promise<void>;
  /**
   * The execution is a journal of idempotent steps: an approved request whose execution was cut short
   * (`executing` after a crash, or `failed`) may be run again by `resume` instead of a new approval.
   */
  readonly resumable?: boolean;
  /** Performs the operation; the result (no secrets) is stored with the request. */
  execute(
    payload: JsonObject,
    context: { requestId: string; requestedBy: string; approvedBy: string },
  ): Promise<JsonObject>;
}

export interface DualControlKind {
  readonly kind: string;
  readonly description: { readonly ja: string; readonly en: string };
  readonly requesters: readonly Role[];
  readonly approvers: readonly Role[];
}

export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export interface ApprovalRequest {
  readonly id: string;
  readonly kind: string;
  readonly payload: JsonObject;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly status: ApprovalStatus;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly outcome: JsonObject | null;
}

export interface DualControlSettings {
  /** Hours a request waits for approval (default 24). */
  readonly approvalHours: number;
}

const PAYLOAD_LIMIT = 8 * 1024;

/** What dual control works with, passed as one object (docs/CONTRIBUTING.md, Code). */
export interface DualControlDeps {
  readonly db: Kysely<AdminTables>;
  readonly grants: RoleGrants;
  readonly audit: TransactionalAuditTrail;
  readonly settings: DualControlSettings;
  readonly clock?: Clock | undefined;
}

export class DualControl {
  private readonly executors = new Map<string, DualControlExecutor>();

  private readonly db: Kysely<AdminTables>;
  private readonly grants: RoleGrants;
  private readonly audit: TransactionalAuditTrail;
  private readonly settings: DualControlSettings;
  private readonly clock: Clock;

  constructor(deps: DualControlDeps) {
    this.db = deps.db;
    this.grants = deps.grants;
    this.audit = deps.audit;
    this.settings = deps.settings;
    this.clock = deps.clock ?? systemClock;
  }

  register(kind: string, executor: DualControlExecutor): void {
    if (!/^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/.test(kind)) throw new Error(`bad dual-control kind ${kind}`);
    if (this.executors.has(kind)) throw new Error(`dual-control kind ${kind} registered twice`);
    this.executors.set(kind, executor);
  }

  kinds(): string[] {
    return [...this.executors.keys()].sort();
  }

  /** Each registered kind with who may request and approve it (for "my privileges"). */
  describe(): DualControlKind[] {
    return this.kinds().map((kind) => {
      const e = this.executors.get(kind)!;
      return { kind, description: e.description, requesters: e.requesters, approvers: e.approvers };
    });
  }

  private executor(kind: unknown): { kind: string; executor: DualControlExecutor } {
    const executor = typeof kind === 'string' ? this.executors.get(kind) : undefined;
    if (executor === undefined) {
      throw shomeiError(
        'SHOMEI_DUAL_CONTROL_KIND_UNKNOWN',
        '二者承認の対象でない操作です。',
        'That operation is not one that dual control knows.',
        {
          status: 400,
          details: { kind: typeof kind === 'string' ? kind.slice(0, 64) : null, known: this.kinds() },
        },
      );
    }
    return { kind: kind as string, executor };
  }

  async request(
    kindInput: unknown,
    payloadInput: unknown,
    requesterInput: string,
    source?: string,
  ): Promise<ApprovalRequest> {
    const requester = identifier(requesterInput, 'requester');
    const { kind, executor } = this.executor(kindInput);
    try {
      if (!(await this.grants.hasAnyRole(requester, executor.requesters))) {
        throw notAuthorised(`request ${kind}`, executor.requesters);
      }
      const payload = executor.parse(payloadInput);
      const payloadText = canonicalJson(payload);
      if (Buffer.byteLength(payloadText) > PAYLOAD_LIMIT)
        throw invalidInput('payload', `larger than ${PAYLOAD_LIMIT} bytes`);
      await executor.precheck?.(payload);
      const now = this.clock();
      const row: ApprovalRequestTable = {
        id: randomUUID(),
        kind,
        payload: payloadText,
        requested_by: requester,
        requested_at: now.toISOString(),
        expires_at: new Date(now.getTime() + this.settings.approvalHours * 3_600_000).toISOString(),
        status: 'pending',
        decided_by: null,
        decided_at: null,
        outcome: null,
      };
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('admin_approval_requests').values(row).execute();
        await this.record(
          'admin.approval.request',
          requester,
          row.id,
          'success',
          source,
          { kind, payload, expiresAt: row.expires_at },
          trx,
        );
      });
      return toRequest(row, now);
    } catch (error) {
      await this.record('admin.approval.request', requester, null, 'failure', source, {
        kind,
        reason: codeOf(error),
      });
      throw error;
    }
  }

  async approve(idInput: unknown, approverInput: string, source?: string): Promise<ApprovalRequest> {
    const approver = identifier(approverInput, 'approver');
    const { id, row, refuse } = await this.named('admin.approval.approve', approver, idInput, source);
    const now = this.clock();
    const { executor } = this.executor(row.kind);
    const refusal = await this.approvalRefusal(row, toRequest(row, now), executor, approver);
    if (refusal !== undefined) return refuse(refusal);
    if (!(await this.claim(id, approver, now))) return refuse(alreadyDecided(id));
    const payload = JSON.parse(row.payload) as JsonObject;
    let outcome: JsonObject;
    try {
      await executor.precheck?.(payload);
      outcome = await executor.execute(payload, {
        requestId: id,
        requestedBy: row.requested_by,
        approvedBy: approver,
      });
    } catch (error) {
      return this.failed(row, approver, source, error);
    }
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('admin_approval_requests')
        .set({ status: 'approved', outcome: canonicalJson(outcome) })
        .where('id', '=', id)
        .execute();
      await this.record(
        'admin.approval.approve',
        approver,
        id,
        'success',
        source,
        { kind: row.kind, requestedBy: row.requested_by },
        trx,
      );
    });
    return (await this.get(id))!;
  }

  /** Why this approver may not approve this request now, if they may not: expiry, state, person, role. */
  private async approvalRefusal(
    row: ApprovalRequestTable,
    current: ApprovalRequest,
    executor: DualControlExecutor,
    approver: string,
  ): Promise<ShomeiError | undefined> {
    const id = row.id;
    if (current.status === 'expired') {
      return shomeiError(
        'SHOMEI_APPROVAL_EXPIRED',
        '承認期限を過ぎた依頼です。',
        'The request has expired and can no longer be approved.',
        { status: 409, details: { requestId: id, expiresAt: row.expires_at } },
      );
    }
    if (current.status !== 'pending') return alreadyDecided(id, current.status);
    if (approver === row.requested_by) {
      return shomeiError(
        'SHOMEI_APPROVAL_SELF',
        '依頼者本人は承認できません。別の権限者の承認が必要です。',
        'The requester cannot approve their own request; a second authorised person must.',
        { status: 403, details: { requestId: id } },
      );
    }
    if (executor.beneficiary?.(JSON.parse(row.payload) as JsonObject) === approver) {
      return shomeiError(
        'SHOMEI_APPROVAL_SELF',
        '操作の対象者本人は承認できません。',
        'The person the operation benefits cannot approve it.',
        { status: 403, details: { requestId: id } },
      );
    }
    if (!(await this.grants.hasAnyRole(approver, executor.approvers))) {
      return notAuthorised(`approve ${row.kind}`, executor.approvers);
    }
    return undefined;
  }

  /** Claims the request atomically: of two approvers racing, exactly one executes it. */
  private async claim(id: string, approver: string, now: Date): Promise<boolean> {
    const claimed = await this.db
      .updateTable('admin_approval_requests')
      .set({ status: 'executing', decided_by: approver, decided_at: now.toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now.toISOString())
      .executeTakeFirst();
    return Number(claimed.numUpdatedRows) === 1;
  }

  /** An execution that threw: the request is `failed` with the error's code, audited, and the error rethrown. */
  private async failed(
    row: ApprovalRequestTable,
    actor: string,
    source: string | undefined,
    error: unknown,
  ): Promise<never> {
    await this.db
      .updateTable('admin_approval_requests')
      .set({ status: 'failed', outcome: canonicalJson({ error: codeOf(error) }) })
      .where('id', '=', row.id)
      .execute();
    await this.record('admin.approval.approve', actor, row.id, 'failure', source, {
      kind: row.kind,
      requestedBy: row.requested_by,
      reason: codeOf(error),
    });
    throw error;
  }

  /**
   * Finishes an approved request of a resumable kind whose execution was cut short: two people already
   * agreed, so one authorised person (requester or approver role) runs the remaining steps; audited.
   */
  async resume(idInput: unknown, operatorInput: string, source?: string): Promise<ApprovalRequest> {
    const operator = identifier(operatorInput, 'operator');
    const { id, row, refuse } = await this.named('admin.approval.resume', operator, idInput, source);
    const { executor } = this.executor(row.kind);
    if (executor.resumable !== true || (row.status !== 'executing' && row.status !== 'failed')) {
      return refuse(notResumable(id, row.status));
    }
    if (!(await this.grants.hasAnyRole(operator, [...executor.requesters, ...executor.approvers]))) {
      return refuse(notAuthorised(`resume ${row.kind}`, executor.approvers));
    }
    await this.record('admin.approval.resume', operator, id, 'success', source, { kind: row.kind });
    return this.finish(row, executor, operator, source);
  }

  /**
   * The request an approval or a resume names, and the refusal that records the failed action before
   * throwing its error (an unknown request is refused, and recorded, the same way).
   */
  private async named(action: string, actor: string, idInput: unknown, source: string | undefined) {
    const id = identifier(idInput, 'requestId');
    const refuse = async (error: ShomeiError): Promise<never> => {
      await this.record(action, actor, id, 'failure', source, { reason: error.code });
      throw error;
    };
    const row = await this.db
      .selectFrom('admin_approval_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return { id, refuse, row: row ?? (await refuse(notFound('approval request', id))) };
  }

  /** Runs the executor of a claimed request and stores its outcome (or its failure). */
  private async finish(
    row: ApprovalRequestTable,
    executor: DualControlExecutor,
    actor: string,
    source: string | undefined,
  ): Promise<ApprovalRequest> {
    let outcome: JsonObject;
    try {
      outcome = await executor.execute(JSON.parse(row.payload) as JsonObject, {
        requestId: row.id,
        requestedBy: row.requested_by,
        approvedBy: row.decided_by ?? actor,
      });
    } catch (error) {
      return this.failed(row, actor, source, error);
    }
    await this.db
      .updateTable('admin_approval_requests')
      .set({ status: 'approved', outcome: canonicalJson(outcome) })
      .where('id', '=', row.id)
      .execute();
    return (await this.get(row.id))!;
  }

  /** Rejects a pending request (an authorised approver) or withdraws it (the requester). */
  async reject(idInput: unknown, deciderInput: string, source?: string): Promise<ApprovalRequest> {
    const decider = identifier(deciderInput, 'decider');
    const id = identifier(idInput, 'requestId');
    const row = await this.db
      .selectFrom('admin_approval_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) throw notFound('approval request', id);
    const { executor } = this.executor(row.kind);
    if (decider !== row.requested_by && !(await this.grants.hasAnyRole(decider, executor.approvers))) {
      await this.record('admin.approval.reject', decider, id, 'failure', source, {
        reason: 'SHOMEI_FORBIDDEN',
      });
      throw notAuthorised(`reject ${row.kind}`, executor.approvers);
    }
    const now = this.clock().toISOString();
    const decided = await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('admin_approval_requests')
        .set({ status: 'rejected', decided_by: decider, decided_at: now })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await this.record(
        'admin.approval.reject',
        decider,
        id,
        'success',
        source,
        { kind: row.kind, requestedBy: row.requested_by },
        trx,
      );
      return true;
    });
    if (!decided) throw alreadyDecided(id);
    return (await this.get(id))!;
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    const row = await this.db
      .selectFrom('admin_approval_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : toRequest(row, this.clock());
  }

  async list(filter: { status?: ApprovalStatus } = {}): Promise<ApprovalRequest[]> {
    const rows = await this.db
      .selectFrom('admin_approval_requests')
      .selectAll()
      .orderBy('requested_at', 'desc')
      .limit(500)
      .execute();
    const now = this.clock();
    const all = rows.map((r) => toRequest(r, now));
    return filter.status === undefined ? all : all.filter((r) => r.status === filter.status);
  }

  private async record(
    type: string,
    actor: string,
    requestId: string | null,
    outcome: 'success' | 'failure',
    source: string | undefined,
    details: Record<string, unknown>,
    transaction?: Transaction<AdminTables>,
  ): Promise<void> {
    const event: AuditEventInput = {
      type,
      actor: { kind: 'user', id: actor },
      ...(requestId === null ? {} : { subject: { kind: 'approval-request', id: requestId } }),
      outcome,
      source,
      details,
    };
    // With a transaction, the record commits together with the state change it describes.
    if (transaction === undefined) await this.audit.append(event);
    else await this.audit.appendWithin(transaction, event);
  }
}

/** The request is no longer pending (its status when known, as the approval saw it). */
function alreadyDecided(requestId: string, status?: string): ShomeiError {
  return shomeiError(
    'SHOMEI_APPROVAL_NOT_PENDING',
    'この依頼は既に処理されています。',
    'The request has already been decided.',
    { status: 409, details: status === undefined ? { requestId } : { requestId, status } },
  );
}

function notResumable(requestId: string, status: string): ShomeiError {
  return shomeiError(
    'SHOMEI_APPROVAL_NOT_RESUMABLE',
    'この依頼は再開できません (承認済みで中断した、再開できる種類の依頼だけが対象です)。',
    'The request cannot be resumed: only an approved request of a resumable kind whose execution was cut short can.',
    { status: 409, details: { requestId, status } },
  );
}

function codeOf(error: unknown): string {
  return isShomeiError(error) ? error.code : 'SHOMEI_INTERNAL';
}

function toRequest(row: ApprovalRequestTable, now: Date): ApprovalRequest {
  const expired = row.status === 'pending' && row.expires_at <= now.toISOString();
  return {
    id: row.id,
    kind: row.kind,
    payload: JSON.parse(row.payload) as JsonObject,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    status: expired ? 'expired' : (row.status as ApprovalStatus),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as JsonObject),
  };
}
