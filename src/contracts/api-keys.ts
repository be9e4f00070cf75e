/** Tenant API keys: `shk_<id>_<secret>`, the secret stored as SHA-256, with scopes. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/index.ts';
import { contractErrors } from './errors.ts';
import type { ContractActor } from './model.ts';
import { tokenHash } from './secrets.ts';
import type { ContractsTables } from './tables.ts';

export const API_SCOPES = ['envelopes:read', 'envelopes:write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export async function createApiKey(
  db: Kysely<ContractsTables>,
  audit: AuditTrail,
  params: { tenantId: string; actingUserId: string; scopes: readonly string[]; createdBy: string },
): Promise<{ id: string; key: string }> {
  if (
    params.scopes.length === 0 ||
    params.scopes.some((s) => !(API_SCOPES as readonly string[]).includes(s))
  ) {
    throw contractErrors.invalid('scopes', `choose from ${API_SCOPES.join(', ')}`);
  }
  const id = randomUUID().replace(/-/g, '').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  await db
    .insertInto('contract_api_keys')
    .values({
      id,
      tenant_id: params.tenantId,
      secret_hash: tokenHash(secret),
      scopes: JSON.stringify([...new Set(params.scopes)]),
      acting_user_id: params.actingUserId,
      created_at: new Date().toISOString(),
      revoked_at: null,
    })
    .execute();
  await audit.append({
    type: 'contracts.api-key.create',
    actor: { kind: 'user', id: params.createdBy, tenantId: params.tenantId },
    subject: { kind: 'api-key', id },
    outcome: 'success',
    details: { scopes: params.scopes },
  });
  return { id, key: `shk_${id}_${secret}` };
}

export async function revokeApiKey(db: Kysely<ContractsTables>, tenantId: string, id: string): Promise<void> {
  await db
    .updateTable('contract_api_keys')
    .set({ revoked_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('tenant_id', '=', tenantId)
    .execute();
}

/** The actor for an `Authorization: Bearer shk_…` header, or undefined when the key is unknown or revoked. */
export async function resolveApiKey(
  db: Kysely<ContractsTables>,
  header: string,
  source: string | undefined,
): Promise<ContractActor | undefined> {
  const match = /^Bearer shk_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})$/.exec(header);
  if (match === null) return undefined;
  const row = await db
    .selectFrom('contract_api_keys')
    .selectAll()
    .where('id', '=', match[1]!)
    .where('secret_hash', '=', tokenHash(match[2]!))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    kind: 'api-key',
    keyId: row.id,
    tenantId: row.tenant_id,
    userId: row.acting_user_id,
    scopes: JSON.parse(row.scopes) as string[],
    ...(source === undefined ? {} : { source }),
  };
}
