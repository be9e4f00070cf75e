/**
 * Service termination (PS 3.7, JT2A appendix 4; ADR 036): the plan is approved under dual control
 * (`service.terminate`), then carried out step by step. Each finished step is one row here and one
 * audit record, so a run interrupted by a crash resumes where it stopped and a repeated run does
 * nothing twice. After the effective time the service accepts no new envelopes or credentials.
 */

import path from 'node:path';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { type AuditTrail, canonicalJson } from '../audit/index.ts';
import type { Clock } from '../clock/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { DualControlExecutor, JsonObject } from './dual-control.ts';
import { invalidInput } from './errors.ts';
import type { AdminTables } from './tables.ts';

export const SERVICE_TERMINATION_KIND = 'service.terminate';
const PLAN_STEP = 'plan';

const directory = z
  .string()
  .min(2)
  .max(1024)
  .refine((p) => path.isAbsolute(p) && !/\p{Cc}/u.test(p), 'an absolute directory path');

const planInput = z
  .object({
    effectiveAt: z.iso.datetime({ offset: true }),
    exportTo: directory,
    keys: z.enum(['destroy', 'hand-over']),
    handOverTo: directory.optional(),
  })
  .strict()
  .refine((p) => (p.keys === 'hand-over') === (p.handOverTo !== undefined), {
    message: 'handOverTo is required for keys=hand-over and only then',
    path: ['handOverTo'],
  });

export type TerminationPlanInput = z.infer<typeof planInput>;

export interface TerminationPlan extends TerminationPlanInput {
  readonly requestId: string;
  readonly requestedBy: string;
  readonly approvedBy: string;
}

export interface TerminationStep {
  readonly step: string;
  readonly doneAt: string;
  readonly doneBy: string;
  readonly outcome: JsonObject;
}

export function serviceTerminated(effectiveAt: string): Error {
  return shomeiError(
    'SHOMEI_SERVICE_TERMINATED',
    `本サービスは ${effectiveAt} に終了しました。新しい契約・署名用証明書の受付は停止しています。`,
    `The service ended at ${effectiveAt}; new envelopes and signing credentials are no longer accepted.`,
    { status: 410, details: { effectiveAt } },
  );
}

/**
 * The effective time of a termination that has run to its end, if any: `shomei init` and `start`
 * refuse then, or their idempotent key ceremony would make the destroyed provider keys anew.
 */
export async function serviceEndedAt(db: Kysely<AdminTables>): Promise<string | undefined> {
  const rows = await db
    .selectFrom('admin_service_termination')
    .select(['step', 'outcome'])
    .where('step', 'in', [PLAN_STEP, 'finish'])
    .execute();
  const plan = rows.find((r) => r.step === PLAN_STEP);
  if (plan === undefined || !rows.some((r) => r.step === 'finish')) return undefined;
  return (JSON.parse(plan.outcome) as TerminationPlan).effectiveAt;
}

export class ServiceTermination {
  constructor(
    private readonly db: Kysely<AdminTables>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  async plan(): Promise<TerminationPlan | undefined> {
    return (await this.step(PLAN_STEP))?.outcome as TerminationPlan | undefined;
  }

  /** Refuses new envelopes and credentials once the effective time has passed. */
  async assertAccepting(now: Date = this.clock()): Promise<void> {
    const plan = await this.plan();
    if (plan !== undefined && Date.parse(plan.effectiveAt) <= now.getTime()) {
      throw serviceTerminated(plan.effectiveAt);
    }
  }

  async step(name: string): Promise<TerminationStep | undefined> {
    const row = await this.db
      .selectFrom('admin_service_termination')
      .selectAll()
      .where('step', '=', name)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const outcome = JSON.parse(row.outcome) as JsonObject;
    return { step: row.step, doneAt: row.done_at, doneBy: row.done_by, outcome };
  }

  async steps(): Promise<TerminationStep[]> {
    const rows = await this.db
      .selectFrom('admin_service_termination')
      .selectAll()
      .orderBy('done_at')
      .execute();
    return rows.map((r) => ({
      step: r.step,
      doneAt: r.done_at,
      doneBy: r.done_by,
      outcome: JSON.parse(r.outcome) as JsonObject,
    }));
  }

  /**
   * Records a finished step once (a second record of the same step is ignored, so two runs racing
   * after a crash leave one row) and audits it; true when this call recorded it.
   */
  async record(name: string, outcome: JsonObject, by: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto('admin_service_termination')
      .values({
        step: name,
        done_at: this.clock().toISOString(),
        done_by: by,
        outcome: canonicalJson(outcome),
      })
      .onConflict((oc) => oc.column('step').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) return false;
    await this.audit.append({
      type: 'service.termination.step',
      actor: { kind: 'user', id: by },
      subject: { kind: 'service-termination', id: name },
      outcome: 'success',
      details: { step: name, ...outcome },
    });
    return true;
  }
}

/** Approving a termination plan: asked by the system administrator, agreed by the security officer. */
export function serviceTerminationExecutor(termination: ServiceTermination): DualControlExecutor {
  return {
    description: { ja: 'サービスの終了', en: 'Terminate the service' },
    requesters: ['system_administrator'],
    approvers: ['security_officer'],
    parse(payload) {
      const parsed = planInput.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw invalidInput(String(issue?.path[0] ?? 'payload'), issue?.message ?? 'invalid');
      }
      return parsed.data;
    },
    async precheck() {
      const plan = await termination.plan();
      if (plan !== undefined) {
        throw shomeiError(
          'SHOMEI_SERVICE_TERMINATION_PLANNED',
          `サービスの終了は既に承認されています (${plan.effectiveAt})。`,
          `A service termination is already approved (${plan.effectiveAt}).`,
          { status: 409, details: { effectiveAt: plan.effectiveAt, requestId: plan.requestId } },
        );
      }
    },
    async execute(payload, context) {
      const plan = {
        ...payload,
        requestId: context.requestId,
        requestedBy: context.requestedBy,
        approvedBy: context.approvedBy,
      };
      await termination.record(PLAN_STEP, plan, context.approvedBy);
      return plan;
    },
  };
}
