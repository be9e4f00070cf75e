/**
 * Who hears of a key compromise (PS 3.6.1) and what they are told: the holder of a compromised
 * signing credential, or, for a provider key, every tenant's administrators. Mail goes through the
 * mail module; the step's audit record names the recipients by user id (no addresses, no secrets).
 */
import type { JsonObject } from '../admin/index.ts';
import type { CompromiseContext } from './key-compromise.ts';
import type { Shomei } from './shomei.ts';

/** The permission table as far as finding tenant administrators needs (owned by contracts). */
type TenantPermissionRows = {
  contract_tenant_permissions: { tenant_id: string; user_id: string; permission: string };
};

async function recipientIds(context: CompromiseContext): Promise<string[]> {
  const { shomei, key } = context;
  if (key.credentialId !== null) {
    const row = await shomei.rssp.db
      .selectFrom('rssp_credentials')
      .select('user_id')
      .where('credential_id', '=', key.credentialId)
      .executeTakeFirst();
    return row === undefined ? [] : [row.user_id];
  }
  const rows = await shomei.database.db
    .withTables<TenantPermissionRows>()
    .selectFrom('contract_tenant_permissions')
    .select('user_id')
    .where('permission', '=', 'tenant.admin')
    .execute();
  return [...new Set(rows.map((r) => r.user_id))];
}

function notice(context: CompromiseContext, steps: string): { subject: string; text: string } {
  const { key, incidentId } = context;
  return {
    subject: `[shomei] 鍵の危殆化 / Key compromise: ${key.purpose}`,
    text: [
      `署名サービスの鍵 (${key.purpose}, ${key.label}) が危殆化したため、次の対応を行いました。`,
      `A key of the signature service (${key.purpose}, ${key.label}) was compromised; we have done the following.`,
      '',
      steps,
      '',
      `事案番号 / incident: ${incidentId}`,
      'この鍵で作られた署名・タイムスタンプは失効時刻以降のものを信頼しないでください。',
      'Do not rely on signatures or timestamps made with this key after the revocation time.',
    ].join('\n'),
  };
}

export async function sendCompromiseNotices(context: CompromiseContext, steps: string): Promise<JsonObject> {
  const shomei: Shomei = context.shomei;
  const notified: string[] = [];
  const message = notice(context, steps);
  for (const userId of await recipientIds(context)) {
    const user = await shomei.identity.accounts.getUser(userId);
    if (user === undefined || user.status !== 'active') continue;
    await shomei.mailer.send({ to: user.email, ...message });
    notified.push(userId);
  }
  return { notified };
}
