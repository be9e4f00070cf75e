/**
 * Changes to a tenant's settings — retention, webhooks, API keys — made only by a tenant
 * administrator's own session (not an API key: a key's scopes cover envelopes, not the tenant), each
 * audited. Routes and the CLI call these; nothing else writes those tables.
 */
import type { AuditActor } from '../../audit/index.ts';
import type { ContractsContext } from '../context.ts';
import { RETENTION_YEARS, retentionSchema, webhookInputSchema } from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import { type ContractActor, parseInput } from '../model/model.ts';
import { auditActorOf } from '../parties/access.ts';
import { hasPermission, requireTenantAdmin } from '../parties/permissions.ts';
import { type ApiKeyView, createApiKey, listApiKeys, revokeApiKeys } from './api-keys.ts';
import type { Webhooks, WebhookView } from './webhooks.ts';

/** 電子帳簿保存法 keeps records 7 years (10 for some losses): no tenant may keep them shorter. */
export const MIN_RETENTION_YEARS = RETENTION_YEARS.min;
export const MAX_RETENTION_YEARS = RETENTION_YEARS.max;

async function record(
  ctx: ContractsContext,
  actor: ContractActor,
  type: string,
  subject: { kind: string; id: string } | undefined,
  details: Record<string, unknown>,
): Promise<void> {
  await ctx.audit.append({
    type,
    actor: auditActorOf(actor),
    subject,
    outcome: 'success',
    source: actor.source,
    details,
  });
}

/** Per-tenant retention of completed envelopes, in years (7–100). */
export async function setRetention(ctx: ContractsContext, actor: ContractActor, raw: unknown): Promise<void> {
  const tenantId = await requireTenantAdmin(ctx, actor);
  const { years } = parseInput(retentionSchema, { years: raw });
  const now = ctx.clock().toISOString();
  await ctx.db
    .insertInto('contract_tenant_settings')
    .values({ tenant_id: tenantId, retention_years: years, updated_at: now })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ retention_years: years, updated_at: now }))
    .execute();
  await record(ctx, actor, 'contracts.retention.set', undefined, { tenantId, retentionYears: years });
}

export async function registerWebhook(
  ctx: ContractsContext,
  webhooks: Webhooks,
  actor: ContractActor,
  raw: unknown,
): Promise<{ id: string; secret: string }> {
  const tenantId = await requireTenantAdmin(ctx, actor);
  const { url } = parseInput(webhookInputSchema, { url: raw });
  const created = await webhooks.register(tenantId, url);
  // The host only: a receiver's URL may carry its own token in the path or query.
  await record(
    ctx,
    actor,
    'contracts.webhook.create',
    { kind: 'contract-webhook', id: created.id },
    {
      tenantId,
      host: new URL(url).host,
    },
  );
  return created;
}

export async function listWebhooks(
  ctx: ContractsContext,
  webhooks: Webhooks,
  actor: ContractActor,
): Promise<{ webhooks: WebhookView[] }> {
  return { webhooks: await webhooks.list(await requireTenantAdmin(ctx, actor)) };
}

export async function removeWebhook(
  ctx: ContractsContext,
  webhooks: Webhooks,
  actor: ContractActor,
  id: string,
): Promise<void> {
  const tenantId = await requireTenantAdmin(ctx, actor);
  if (!(await webhooks.remove(tenantId, id))) throw contractErrors.notFound();
  await record(ctx, actor, 'contracts.webhook.delete', { kind: 'contract-webhook', id }, { tenantId });
}

/** A new key acting as the administrator who creates it (never as anyone else). */
export async function createTenantApiKey(
  ctx: ContractsContext,
  actor: ContractActor,
  scopes: readonly string[],
): Promise<{ id: string; key: string }> {
  const tenantId = await requireTenantAdmin(ctx, actor);
  return createApiKey(ctx, {
    tenantId,
    actingUserId: (actor as { userId: string }).userId,
    scopes,
    source: actor.source,
  });
}

/** A session sees its own keys; a tenant administrator sees every key of the tenant. */
export async function listTenantApiKeys(
  ctx: ContractsContext,
  actor: ContractActor,
): Promise<{ keys: ApiKeyView[] }> {
  if (actor.kind !== 'user') throw contractErrors.forbidden();
  const admin = await hasPermission(ctx.db, actor.tenantId, actor.userId, ['tenant.admin']);
  return { keys: await listApiKeys(ctx, actor.tenantId, admin ? undefined : actor.userId) };
}

/** The key's creator or a tenant administrator revokes it; anyone else gets "not found". */
export async function revokeTenantApiKey(
  ctx: ContractsContext,
  actor: ContractActor,
  id: string,
): Promise<void> {
  if (actor.kind !== 'user') throw contractErrors.forbidden();
  const admin = await hasPermission(ctx.db, actor.tenantId, actor.userId, ['tenant.admin']);
  const revoked = await revokeApiKeys(
    ctx,
    auditActorOf(actor),
    { tenantId: actor.tenantId, id, ...(admin ? {} : { userId: actor.userId }) },
    'revoked by a user',
  );
  if (revoked.length === 0) throw contractErrors.notFound();
}

/** Every key a closed (or suspended) account created stops working (identity's account-closed hook). */
export function revokeApiKeysOfUser(ctx: ContractsContext, by: AuditActor, userId: string, reason: string) {
  return revokeApiKeys(ctx, by, { userId }, reason);
}
