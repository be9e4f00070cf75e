/**
 * Tenant permissions set by a tenant administrator (テナント管理者) for users of the same tenant:
 * `tenant.admin` manages these grants, corrects any record's metadata, exports the tenant and reads
 * everything; `documents.read_all` (閲覧権限) reads every envelope and imported record of the tenant;
 * `corrections.read` searches the correction and deletion log. Nothing here reaches another tenant.
 * The first tenant administrator is granted from the CLI (`shomei contracts permissions grant`).
 */
import type { Kysely } from 'kysely';
import type { AuditActor } from '../../audit/index.ts';
import type { ContractsContext } from '../context.ts';
import { type PermissionGrant, permissionChangeSchema, TENANT_PERMISSIONS } from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import { type ContractActor, parseInput } from '../model/model.ts';
import type { RecordsTables } from '../store/records-tables.ts';
import type { ContractsTables } from '../store/tables.ts';

export type { PermissionGrant };
export { TENANT_PERMISSIONS };
export type TenantPermission = (typeof TENANT_PERMISSIONS)[number];

export const TENANT_PERMISSION_NAMES: Record<TenantPermission, { ja: string; en: string }> = {
  'tenant.admin': { ja: 'テナント管理者', en: 'Tenant administrator' },
  'documents.read_all': { ja: '閲覧権限 (テナントの全文書)', en: 'Read every document of the tenant' },
  'corrections.read': { ja: '訂正削除履歴の閲覧', en: 'Read the correction and deletion log' },
};

function isPermission(value: unknown): value is TenantPermission {
  return typeof value === 'string' && (TENANT_PERMISSIONS as readonly string[]).includes(value);
}

export function recordsDb(db: Kysely<ContractsTables>): Kysely<ContractsTables & RecordsTables> {
  return db.withTables<RecordsTables>();
}

/** Whether the user holds any of these permissions in this tenant. */
export async function hasPermission(
  db: Kysely<ContractsTables>,
  tenantId: string,
  userId: string,
  permissions: readonly TenantPermission[],
): Promise<boolean> {
  const row = await recordsDb(db)
    .selectFrom('contract_tenant_permissions')
    .select('permission')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('permission', 'in', [...permissions])
    .executeTakeFirst();
  return row !== undefined;
}

/** Reads every record of its own tenant: `documents.read_all` or `tenant.admin`. */
export function canReadAll(db: Kysely<ContractsTables>, tenantId: string, userId: string): Promise<boolean> {
  return hasPermission(db, tenantId, userId, ['documents.read_all', 'tenant.admin']);
}

export async function requireTenantAdmin(ctx: ContractsContext, actor: ContractActor): Promise<string> {
  if (actor.kind !== 'user') throw contractErrors.forbidden();
  if (!(await hasPermission(ctx.db, actor.tenantId, actor.userId, ['tenant.admin']))) {
    throw contractErrors.forbidden();
  }
  return actor.tenantId;
}

export async function listPermissions(ctx: ContractsContext, tenantId: string): Promise<PermissionGrant[]> {
  const rows = await recordsDb(ctx.db)
    .selectFrom('contract_tenant_permissions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('user_id')
    .orderBy('permission')
    .execute();
  return rows
    .filter((r) => isPermission(r.permission))
    .map((r) => ({
      userId: r.user_id,
      permission: r.permission as TenantPermission,
      grantedBy: r.granted_by,
      grantedAt: r.granted_at,
    }));
}

/**
 * Grants or revokes a permission of a user in the tenant. The user must belong to the tenant; the
 * last tenant administrator cannot be revoked (nobody could grant it again but an operator).
 */
export async function setPermission(
  ctx: ContractsContext,
  by: AuditActor,
  tenantId: string,
  raw: unknown,
): Promise<PermissionGrant[]> {
  const { userId, permission, granted } = parseInput(permissionChangeSchema, raw);
  const user = await ctx.users(userId);
  if (user === undefined || user.tenantId !== tenantId) {
    throw contractErrors.invalid('userId', 'no account in this tenant');
  }
  const db = recordsDb(ctx.db);
  const now = ctx.clock().toISOString();
  if (granted) {
    if (user.status !== 'active') throw contractErrors.invalid('userId', 'no active account');
    await db
      .insertInto('contract_tenant_permissions')
      .values({ tenant_id: tenantId, user_id: userId, permission, granted_by: by.id, granted_at: now })
      .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'permission']).doNothing())
      .execute();
  } else {
    await db.transaction().execute(async (trx) => {
      if (permission === 'tenant.admin') {
        const admins = await trx
          .selectFrom('contract_tenant_permissions')
          .select('user_id')
          .where('tenant_id', '=', tenantId)
          .where('permission', '=', 'tenant.admin')
          .execute();
        if (admins.length === 1 && admins[0]!.user_id === userId) {
          throw contractErrors.invalid('permission', 'the last tenant administrator cannot be revoked');
        }
      }
      await trx
        .deleteFrom('contract_tenant_permissions')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('permission', '=', permission)
        .execute();
    });
  }
  await ctx.audit.append({
    type: granted ? 'contracts.permission.grant' : 'contracts.permission.revoke',
    actor: by,
    subject: { kind: 'user', id: userId },
    outcome: 'success',
    details: { tenantId, permission },
  });
  return listPermissions(ctx, tenantId);
}
