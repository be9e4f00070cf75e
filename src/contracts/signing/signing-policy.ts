/**
 * A tenant's signing policy: which signing modes its senders may use (当事者型 only, 立会人型 only,
 * or both) and which second factor activates its users' signing credentials (the credential's own
 * one-time code by default, or the login TOTP app). Changed only here, by a tenant administrator's
 * own session, and audited; the remote signature service reads the factor at every activation.
 */
import { z } from 'zod';
import { DEFAULT_SIGNING_FACTOR, SIGNING_FACTORS } from '../../rssp/index.ts';
import type { ContractsContext } from '../context.ts';
import { contractErrors } from '../model/errors.ts';
import { type ContractActor, parseInput, type SigningMode } from '../model/model.ts';
import { auditActorOf } from '../parties/access.ts';
import { requireTenantAdmin } from '../parties/permissions.ts';

export const SIGNING_MODES = ['signer-type', 'witness-type'] as const satisfies readonly SigningMode[];

export const signingPolicySchema = z
  .object({
    allowedModes: z
      .array(z.enum(SIGNING_MODES))
      .min(1)
      .max(SIGNING_MODES.length)
      .refine((modes) => new Set(modes).size === modes.length, 'each mode once'),
    signingFactor: z.enum(SIGNING_FACTORS),
  })
  .strict();

export type SigningPolicy = z.output<typeof signingPolicySchema>;

export async function signingPolicyOf(ctx: ContractsContext, tenantId: string): Promise<SigningPolicy> {
  const row = await ctx.db
    .selectFrom('contract_tenant_signing_policy')
    .select('allowed_modes')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  const allowedModes =
    row === undefined
      ? [...SIGNING_MODES]
      : SIGNING_MODES.filter((m) => row.allowed_modes.split(',').includes(m));
  const signingFactor = (await ctx.signingFactors?.of(tenantId)) ?? DEFAULT_SIGNING_FACTOR;
  return { allowedModes, signingFactor };
}

/** The one door for the policy: tenant administrator, audited with what it was and what it became. */
export async function setSigningPolicy(
  ctx: ContractsContext,
  actor: ContractActor,
  raw: unknown,
): Promise<SigningPolicy> {
  const tenantId = await requireTenantAdmin(ctx, actor);
  const input = parseInput(signingPolicySchema, raw);
  if (input.signingFactor !== DEFAULT_SIGNING_FACTOR && ctx.signingFactors === undefined) {
    throw contractErrors.invalid('signingFactor', 'no remote signature service here');
  }
  const before = await signingPolicyOf(ctx, tenantId);
  const allowed = SIGNING_MODES.filter((m) => input.allowedModes.includes(m));
  const now = ctx.clock().toISOString();
  await ctx.db
    .insertInto('contract_tenant_signing_policy')
    .values({ tenant_id: tenantId, allowed_modes: allowed.join(','), updated_at: now })
    .onConflict((oc) =>
      oc.column('tenant_id').doUpdateSet({ allowed_modes: allowed.join(','), updated_at: now }),
    )
    .execute();
  await ctx.signingFactors?.set(tenantId, input.signingFactor);
  await ctx.audit.append({
    type: 'contracts.signing-policy.set',
    actor: auditActorOf(actor),
    outcome: 'success',
    source: actor.source,
    details: { tenantId, before, after: { allowedModes: allowed, signingFactor: input.signingFactor } },
  });
  return { allowedModes: allowed, signingFactor: input.signingFactor };
}

/**
 * Refuses an envelope (or a party's switch) using a mode the sender's tenant does not allow, and
 * records the refusal. `action` names what was refused in the audit trail (envelope.create, …).
 */
export async function assertModesAllowed(
  ctx: ContractsContext,
  sender: { tenantId: string; userId: string },
  modes: readonly (SigningMode | null)[],
  action: string,
  envelopeId?: string,
): Promise<void> {
  const { allowedModes } = await signingPolicyOf(ctx, sender.tenantId);
  const refused = modes.find((m): m is SigningMode => m !== null && !allowedModes.includes(m));
  if (refused === undefined) return;
  await ctx.audit.append({
    type: action,
    actor: { kind: 'user', id: sender.userId, tenantId: sender.tenantId },
    subject: envelopeId === undefined ? undefined : { kind: 'envelope', id: envelopeId },
    outcome: 'failure',
    details: { reason: 'signing-mode-not-allowed', signingMode: refused, allowedModes },
  });
  throw contractErrors.signingModeNotAllowed(refused, allowedModes);
}
