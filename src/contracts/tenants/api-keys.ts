/**
 * Tenant API keys: `shk_<id>_<secret>`, the secret stored as SHA-256, with scopes. A key acts as the
 * account that created it, with that account's permissions of the moment intersected with the key's
 * scopes — never more (access.ts, search.ts and corrections.ts treat the key's user like a session
 * of that user). Only tenant administrators create keys; the creator or a tenant administrator
 * lists and revokes them; a key whose creator is no longer an active account of the tenant stops
 * working at once and is revoked (closure also revokes through the account-closed hook).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditActor } from '../../audit/index.ts';
import type { ContractsContext } from '../context.ts';
import type { ApiKeyView } from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { tokenHash } from '../parties/secrets.ts';

export const API_SCOPES = ['envelopes:read', 'envelopes:write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export type { ApiKeyView };

export async function createApiKey(
  ctx: ContractsContext,
  params: { tenantId: string; actingUserId: string; scopes: readonly string[]; source?: string | undefined },
): Promise<{ id: string; key: string }> {
  if (
    params.scopes.length === 0 ||
    params.scopes.some((s) => !(API_SCOPES as readonly string[]).includes(s))
  ) {
    throw contractErrors.invalid('scopes', `choose from ${API_SCOPES.join(', ')}`);
  }
  const scopes = [...new Set(params.scopes)];
  const id = randomUUID().replace(/-/g, '').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  await ctx.db
    .insertInto('contract_api_keys')
    .values({
      id,
      tenant_id: params.tenantId,
      secret_hash: tokenHash(secret),
      scopes: JSON.stringify(scopes),
      acting_user_id: params.actingUserId,
      created_at: ctx.clock().toISOString(),
      revoked_at: null,
    })
    .execute();
  await ctx.audit.append({
    type: 'contracts.api-key.create',
    actor: { kind: 'user', id: params.actingUserId, tenantId: params.tenantId },
    subject: { kind: 'api-key', id },
    outcome: 'success',
    source: params.source,
    details: { scopes },
  });
  return { id, key: `shk_${id}_${secret}` };
}

/** The tenant's keys (every key for an administrator, else only `createdBy`'s), newest first; no secrets. */
export async function listApiKeys(
  ctx: ContractsContext,
  tenantId: string,
  createdBy: string | undefined,
): Promise<ApiKeyView[]> {
  let query = ctx.db
    .selectFrom('contract_api_keys')
    .select(['id', 'scopes', 'acting_user_id', 'created_at', 'revoked_at'])
    .where('tenant_id', '=', tenantId);
  if (createdBy !== undefined) query = query.where('acting_user_id', '=', createdBy);
  const rows = await query.orderBy('created_at', 'desc').limit(1000).execute();
  return rows.map((r) => ({
    id: r.id,
    scopes: JSON.parse(r.scopes) as string[],
    createdBy: r.acting_user_id,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }));
}

/**
 * Revokes keys of the tenant (one by id, or every key of a user); audited once per key revoked.
 * Returns the ids revoked (none when they were unknown or already revoked).
 */
export async function revokeApiKeys(
  ctx: ContractsContext,
  by: AuditActor,
  target: { tenantId?: string; id?: string; userId?: string },
  reason: string,
): Promise<string[]> {
  if (target.id === undefined && target.userId === undefined) return [];
  let query = ctx.db
    .selectFrom('contract_api_keys')
    .select(['id', 'tenant_id'])
    .where('revoked_at', 'is', null);
  if (target.tenantId !== undefined) query = query.where('tenant_id', '=', target.tenantId);
  if (target.id !== undefined) query = query.where('id', '=', target.id.slice(0, 100));
  if (target.userId !== undefined) query = query.where('acting_user_id', '=', target.userId);
  const revoked: string[] = [];
  for (const key of await query.execute()) {
    // Conditional, so two revocations racing record one revocation.
    const result = await ctx.db
      .updateTable('contract_api_keys')
      .set({ revoked_at: ctx.clock().toISOString() })
      .where('id', '=', key.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) continue;
    revoked.push(key.id);
    await ctx.audit.append({
      type: 'contracts.api-key.revoke',
      actor: by,
      subject: { kind: 'api-key', id: key.id },
      outcome: 'success',
      details: { tenantId: key.tenant_id, reason },
    });
  }
  return revoked;
}

/**
 * The actor for an `Authorization: Bearer shk_…` header, or undefined when the key is unknown or
 * revoked, or its creator is no longer an active account of the key's tenant (then it is revoked).
 */
export async function resolveApiKey(
  ctx: ContractsContext,
  header: string,
  source: string | undefined,
): Promise<ContractActor | undefined> {
  const match = /^Bearer shk_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})$/.exec(header);
  if (match === null) return undefined;
  const row = await ctx.db
    .selectFrom('contract_api_keys')
    .selectAll()
    .where('id', '=', match[1]!)
    .where('secret_hash', '=', tokenHash(match[2]!))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const creator = await ctx.users(row.acting_user_id);
  if (creator === undefined || creator.status !== 'active' || creator.tenantId !== row.tenant_id) {
    await revokeApiKeys(
      ctx,
      { kind: 'process', id: 'contracts-api-keys' },
      { id: row.id },
      `creator account ${creator?.status ?? 'missing'}`,
    );
    return undefined;
  }
  return {
    kind: 'api-key',
    keyId: row.id,
    tenantId: row.tenant_id,
    userId: row.acting_user_id,
    scopes: JSON.parse(row.scopes) as string[],
    source,
  };
}
