/**
 * `shomei contracts export` (full tenant export to a ZIP, no lock-in), `shomei contracts
 * permissions` (tenant permissions; the first tenant administrator is granted here) and `shomei
 * contracts api-keys` (list and revoke a tenant's API keys).
 */
import { createWriteStream, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  type AuthenticatedOperator,
  openShomei,
  requestApproval,
  requirePrivilege,
} from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { exportTenant, LAWFUL_DELETION_KIND, setPermission } from '../../contracts/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { createLogger } from '../../log/index.ts';
import { withOperator } from '../operator.ts';
import { printJson } from '../output.ts';

function usage(ja: string, en: string): Error {
  return shomeiError('SHOMEI_CLI_USAGE', ja, en, { status: 400 });
}

/** The authenticated operator as the contracts module records them (ADR 019). */
function actorOf(operator: AuthenticatedOperator) {
  return { kind: 'user' as const, id: operator.userId };
}

export function registerContractsCommands(program: Command): void {
  const contracts = program.command('contracts').description('E-contract records / 電子契約の記録');
  contracts
    .command('export')
    .description(
      'Export every record of a tenant to a ZIP with a SHA-256 manifest / テナントの全記録を書き出す',
    )
    .requiredOption('--tenant <id>', 'tenant id')
    .requiredOption('--out <file>', 'ZIP file to write (must not exist)')
    .action(async (o: { tenant: string; out: string }) => {
      if (o.tenant.length === 0 || o.tenant.length > 100)
        throw usage('--tenant が不正です。', '--tenant is invalid.');
      // An earlier export is never overwritten.
      if (existsSync(o.out))
        throw usage('--out のファイルが既にあります。', 'The --out file already exists.');
      // Written under a temporary name and renamed at the end, so a failed export leaves no ZIP behind.
      const partial = `${o.out}.partial`;
      await withOperator(async (shomei, operator) => {
        // A tenant's whole record leaves the service: an authenticated operator, audited.
        await requirePrivilege(shomei, operator, 'tenants.export');
        try {
          const tenant = await shomei.identity.accounts.getTenant(o.tenant);
          if (tenant === undefined) throw usage('テナントが見つかりません。', 'No such tenant.');
          const output = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
          const summary = await exportTenant(shomei.contracts.context, o.tenant, actorOf(operator), output);
          await rename(partial, o.out);
          printJson({ out: o.out, ...summary });
        } catch (error) {
          await rm(partial, { force: true });
          throw error;
        }
      });
    });
  registerApiKeyCommands(contracts);
  contracts
    .command('delete')
    .description(
      'Ask for the lawful deletion of a contract during its retention (dual control: contract.delete) / 法令に基づく契約の削除を依頼 (二者承認)',
    )
    .requiredOption('--envelope <id>', 'envelope or imported record id')
    .requiredOption('--reason <text>', 'why (recorded; up to 500 characters)')
    .requiredOption('--basis <text>', 'the law, order or request it rests on (up to 200 characters)')
    .action(async (o: { envelope: string; reason: string; basis: string }) => {
      // Nothing is deleted until a second person approves (shomei admin approve <id>, or the console).
      const request = await withOperator((shomei, operator) =>
        requestApproval(shomei, operator, LAWFUL_DELETION_KIND, {
          envelopeId: o.envelope,
          reason: o.reason,
          basis: o.basis,
        }),
      );
      printJson({ request });
    });
  const permissions = contracts
    .command('permissions')
    .description('Tenant permissions (tenant.admin, documents.read_all, corrections.read) / テナント権限');
  for (const [name, granted] of [
    ['grant', true],
    ['revoke', false],
  ] as const) {
    permissions
      .command(name)
      .description(granted ? 'Grant a permission / 権限を付与' : 'Revoke a permission / 権限を取り消す')
      .requiredOption('--user <id>', 'user id')
      .requiredOption('--permission <name>', 'tenant.admin | documents.read_all | corrections.read')
      .action(async (o: { user: string; permission: string }) => {
        await withOperator(async (shomei, operator) => {
          await requirePrivilege(shomei, operator, 'tenants.manage');
          const user = await shomei.identity.accounts.getUser(o.user);
          if (user === undefined) throw usage('利用者が見つかりません。', 'No such user.');
          const list = await setPermission(shomei.contracts.context, actorOf(operator), user.tenantId, {
            userId: user.id,
            permission: o.permission,
            granted,
          });
          printJson({ tenantId: user.tenantId, permissions: list });
        });
      });
  }
}

/** `shomei contracts api-keys list|revoke`: an operator sees a tenant's keys and revokes one (audited). */
function registerApiKeyCommands(contracts: Command): void {
  const keys = contracts.command('api-keys').description('Tenant API keys / テナントの API キー');
  keys
    .command('list')
    .description('List the API keys of a tenant (no secrets) / API キーの一覧')
    .requiredOption('--tenant <id>', 'tenant id')
    .action(async (o: { tenant: string }) => {
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }, process.stderr));
      try {
        printJson({ tenantId: o.tenant, keys: await shomei.contracts.apiKeysOfTenant(o.tenant) });
      } finally {
        await shomei.close();
      }
    });
  keys
    .command('revoke')
    .description('Revoke an API key at once / API キーを失効させる')
    .requiredOption('--id <id>', 'key id (the 16 hex digits after shk_)')
    .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
    .action(async (o: { id: string; reason: string }) => {
      if (o.reason.trim().length === 0 || o.reason.length > 500)
        throw usage('--reason が必要です (500 文字まで)。', '--reason is required (up to 500 characters).');
      await withOperator(async (shomei, operator) => {
        await requirePrivilege(shomei, operator, 'tenants.manage');
        const revoked = await shomei.contracts.revokeApiKeyAsOperator(actorOf(operator), o.id, o.reason);
        if (!revoked) throw usage('有効な API キーが見つかりません。', 'No such active API key.');
        printJson({ id: o.id, revoked: true });
      });
    });
}
