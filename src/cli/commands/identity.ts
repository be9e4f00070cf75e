/** `shomei users …`: account lifecycle tasks an operator runs on the server. */
import type { Command } from 'commander';
import { type AuthenticatedOperator, requirePrivilege, type Shomei } from '../../app/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { withOperator, withShomei } from '../operator.ts';
import { printJson } from '../output.ts';

const DAY = 24 * 60 * 60_000;

function parseDays(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > 3650) {
    throw shomeiError(
      'SHOMEI_INPUT_INVALID',
      `--days は 1 から 3650 までの整数で指定してください: ${value.slice(0, 20)}`,
      `--days must be a whole number from 1 to 3650: ${value.slice(0, 20)}`,
      { details: { option: '--days' } },
    );
  }
  return Number(value);
}

export function registerIdentityCommands(program: Command): void {
  const users = program.command('users').description('User accounts / 利用者アカウント');

  users
    .command('dormant')
    .description(
      'List active accounts without a login for a period; optionally suspend them / 休眠アカウントの一覧 (停止も可)',
    )
    .option('--days <n>', 'days without login (default: SHOMEI_DORMANT_DAYS, 180)')
    .option('--suspend', 'suspend the accounts found (recorded in the audit trail)')
    .action(async (options: { days?: string; suspend?: boolean }) => {
      const days = parseDays(options.days);
      // Suspending changes accounts: an authenticated administrator, as on the console.
      const run = async (shomei: Shomei, operator?: AuthenticatedOperator) => {
        const lifecycle = shomei.identity.lifecycle;
        const dormant = await lifecycle.dormant(days === undefined ? undefined : days * DAY);
        const suspended: string[] = [];
        if (options.suspend === true) {
          for (const user of dormant) {
            await lifecycle.suspend(user.id, { kind: 'user', id: operator!.userId }, 'dormant-account');
            suspended.push(user.id);
          }
        }
        printJson({
          dormantDays: days ?? Math.round(shomei.identity.settings.dormantAfterMs / DAY),
          accounts: dormant.map((u) => ({
            id: u.id,
            tenantId: u.tenantId,
            email: u.email,
            displayName: u.displayName,
            activatedAt: u.activatedAt,
            lastLoginAt: u.lastLoginAt,
          })),
          suspended,
        });
      };
      if (options.suspend !== true) await withShomei((shomei) => run(shomei));
      else {
        await withOperator(async (shomei, operator) => {
          await requirePrivilege(shomei, operator, 'identity.accounts.manage');
          await run(shomei, operator);
        });
      }
    });
}
