/**
 * The key-compromise procedure (PS 3.6.1; issue #18 Deliver 5; ADR 035) as the dual-control kind
 * `key.compromise`: an administrator or the security officer names the compromised key, a second
 * person approves, and only then the steps run — incident record (raises the `key-compromise`
 * alert), revocation of the affected certificates with a fresh CRL, re-keying where the provider can,
 * destruction of the compromised key, a public notice (/policies/notices), notices to the people concerned. Each finished step is an audit
 * record under the incident (the request id); a run after a crash skips the recorded steps and every
 * step also checks the world first, so nothing is done twice. Assembled here because it spans the CA,
 * TSA, RSSP, key registry, audit and mail; it calls their existing methods, no second path.
 */

import { z } from 'zod';
import type { DualControlExecutor, JsonObject } from '../admin/index.ts';
import type { AuditActor } from '../audit/index.ts';
import { shomeiError } from '../errors/index.ts';
import { discloseCompromise } from './key-compromise-disclosure.ts';
import { sendCompromiseNotices } from './key-compromise-notices.ts';
import {
  destroyCompromisedKey,
  rekeyCompromisedKey,
  revokeAffectedCertificates,
} from './key-compromise-steps.ts';
import type { Shomei } from './shomei.ts';

export const KEY_COMPROMISE_KIND = 'key.compromise';

/** The steps in the order they run; each leaves `key.compromise.<step>` in the audit trail. */
export const COMPROMISE_STEPS = ['incident', 'revoke', 'rekey', 'destroy', 'disclose', 'notify'] as const;
export type CompromiseStep = (typeof COMPROMISE_STEPS)[number];

/** What the request names: the key, what it is for and (for a signing credential) whose it is. */
export interface CompromisedKey {
  readonly keyId: string;
  readonly purpose: string;
  readonly label: string;
  readonly credentialId: string | null;
  readonly reason: string;
}

export interface CompromiseContext {
  readonly shomei: Shomei;
  readonly key: CompromisedKey;
  readonly incidentId: string;
  readonly actor: AuditActor;
  readonly requestedBy: string;
  readonly approvedBy: string;
}

function notFound(target: string): Error {
  return shomeiError(
    'SHOMEI_KEY_NOT_FOUND',
    `有効な鍵・署名用鍵がありません: ${target}`,
    `No active key or signing credential is known by: ${target}`,
    { status: 404, details: { target: target.slice(0, 128) } },
  );
}

function invalid(field: string, reason: string): Error {
  return shomeiError(
    'SHOMEI_ADMIN_INPUT_INVALID',
    `${field} が不正です: ${reason}`,
    `${field} is invalid: ${reason}`,
    { status: 400, details: { field, reason } },
  );
}

/** Finds the key by its hex id, its label or a signing credential's id (active keys only). */
export async function resolveCompromisedKey(
  shomei: Shomei,
  target: string,
): Promise<Omit<CompromisedKey, 'reason'>> {
  if (target.length === 0 || target.length > 128) throw invalid('key', '1–128 characters');
  const credential = await shomei.rssp.db
    .selectFrom('rssp_credentials')
    .select(['credential_id', 'key_id', 'status'])
    .where('credential_id', '=', target)
    .executeTakeFirst();
  const keyId = credential?.key_id ?? target;
  const records = await shomei.keys.list();
  const record =
    records.find((r) => r.key_id === keyId && r.status === 'active') ??
    (credential === undefined ? records.find((r) => r.label === target && r.status === 'active') : undefined);
  if (record === undefined) throw notFound(target);
  const owner =
    credential ??
    (await shomei.rssp.db
      .selectFrom('rssp_credentials')
      .select(['credential_id', 'key_id', 'status'])
      .where('key_id', '=', record.key_id)
      .executeTakeFirst());
  return {
    keyId: record.key_id,
    purpose: record.purpose,
    label: record.label,
    credentialId: owner?.credential_id ?? null,
  };
}

/** Printable text: no control characters (it goes into records, mail and the report). */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => ![...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), {
      message: 'control characters',
    });

const compromisedKeySchema = z.object({
  keyId: z.string().regex(/^[0-9a-f]{2,128}$/),
  purpose: text(64),
  label: text(128),
  credentialId: text(128).nullable(),
  reason: text(500),
});

function parseKey(payload: unknown): CompromisedKey {
  const parsed = compromisedKeySchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(String(issue?.path[0] ?? 'payload'), issue?.message ?? 'invalid');
  }
  return parsed.data;
}

/** The steps already recorded for this incident (the journal a resumed run starts from). */
async function recordedSteps(shomei: Shomei, incidentId: string): Promise<Map<string, JsonObject>> {
  const records = await shomei.audit.search({ type: 'key.compromise.*', subjectIds: [incidentId] });
  return new Map(
    records
      .filter((r) => r.outcome === 'success')
      .map((r) => [r.type.slice('key.compromise.'.length), r.details]),
  );
}

async function runStep(
  context: CompromiseContext,
  step: CompromiseStep,
  report: Readonly<Record<string, JsonObject>>,
): Promise<JsonObject> {
  const { shomei, key } = context;
  switch (step) {
    case 'incident':
      return { purpose: key.purpose, label: key.label, keyId: key.keyId, reason: key.reason };
    case 'revoke':
      return revokeAffectedCertificates(context);
    case 'rekey':
      return rekeyCompromisedKey(context);
    case 'destroy':
      return destroyCompromisedKey(context);
    case 'disclose':
      return discloseCompromise(context, report);
    case 'notify':
      // The alert for the incident record is raised (and mailed to administrators) by this scan.
      await shomei.audit.alerts.scan();
      return sendCompromiseNotices(context, describeSteps(report));
  }
}

const list = (value: unknown) =>
  Array.isArray(value) && value.length > 0 ? value.join(', ') : 'なし / none';

/** The report as lines a reader understands (the notice): what was revoked, replaced and what is next. */
function describeSteps(report: Readonly<Record<string, JsonObject>>): string {
  const revoke = report.revoke ?? {};
  const rekey = report.rekey ?? {};
  const next = rekey.next as { ja?: string; en?: string } | undefined;
  return [
    `- 失効した証明書 / Certificates revoked: ${list(revoke.revokedCertificates)}`,
    ...(Array.isArray(revoke.outsideCaMustRevoke) && revoke.outsideCaMustRevoke.length > 0
      ? [`- 外部認証局で失効を依頼 / To be revoked at the outside CA: ${list(revoke.outsideCaMustRevoke)}`]
      : []),
    '- 鍵は暗号装置から破棄しました / The key has been destroyed in the HSM.',
    typeof rekey.replacementKeyId === 'string'
      ? `- 新しい鍵 / Replacement key: ${rekey.replacementKeyId}`
      : `- 次の手順 / Next: ${next?.ja ?? ''} / ${next?.en ?? ''}`,
  ].join('\n');
}

/** Runs every step not yet recorded, in order; returns the report (each step's record). */
export async function carryOutCompromise(context: CompromiseContext): Promise<JsonObject> {
  const done = await recordedSteps(context.shomei, context.incidentId);
  const report: Record<string, JsonObject> = {};
  for (const step of COMPROMISE_STEPS) {
    const known = done.get(step);
    if (known !== undefined) {
      report[step] = known;
      continue;
    }
    const details = await runStep(context, step, report);
    await context.shomei.audit.trail.append({
      type: `key.compromise.${step}`,
      actor: context.actor,
      subject: { kind: 'incident', id: context.incidentId },
      outcome: 'success',
      details: {
        ...details,
        keyId: context.key.keyId,
        requestedBy: context.requestedBy,
        approvedBy: context.approvedBy,
      },
    });
    report[step] = details;
  }
  return {
    incident: context.incidentId,
    keyId: context.key.keyId,
    purpose: context.key.purpose,
    steps: report,
  };
}

/** `key.compromise`: asked by an administrator or the security officer, approved by another of them. */
export function keyCompromiseExecutor(shomei: Shomei): DualControlExecutor {
  return {
    description: {
      ja: '鍵の危殆化対応 (失効・鍵更新・破棄・公開・通知)',
      en: 'Key compromise: revoke, re-key, destroy, disclose, notify',
    },
    requesters: ['system_administrator', 'security_officer'],
    approvers: ['security_officer', 'system_administrator'],
    resumable: true,
    parse: (payload) => ({ ...parseKey(payload) }),
    async precheck(payload) {
      const key = parseKey(payload);
      const record = await shomei.keys.get(key.keyId);
      if (record === undefined || record.status !== 'active') throw notFound(key.keyId);
    },
    execute: (payload, context) =>
      carryOutCompromise({
        shomei,
        key: parseKey(payload),
        incidentId: context.requestId,
        actor: { kind: 'user', id: context.approvedBy },
        requestedBy: context.requestedBy,
        approvedBy: context.approvedBy,
      }),
  };
}
