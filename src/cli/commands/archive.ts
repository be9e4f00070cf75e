/** `shomei archive renew`: archive timestamp renewal of completed contract documents (criterion 2.2.4 (4)). */
import type { Command } from 'commander';
import { requirePrivilege } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { ContractService } from '../../contracts/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { withOperator } from '../operator.ts';
import { printJson } from '../output.ts';

export function registerArchiveCommands(program: Command): void {
  const archive = program
    .command('archive')
    .description('Long-term archive of contract documents / 長期保存');
  archive
    .command('renew')
    .description(
      'Add validation data and a new document timestamp where the newest TSA certificate expires within the window or the algorithm is weak / アーカイブタイムスタンプを更新',
    )
    .option(
      '--window-days <days>',
      'renewal window in days (default SHOMEI_ARCHIVE_RENEWAL_WINDOW_DAYS, 365)',
    )
    .action(async (o: { windowDays?: string }) => {
      const config = loadConfig();
      let windowDays = config.contracts.archiveRenewalWindowDays;
      if (o.windowDays !== undefined) {
        windowDays = Number(o.windowDays);
        if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 3650) {
          throw shomeiError(
            'SHOMEI_CLI_USAGE',
            '--window-days は 1〜3650 の整数で指定してください。',
            '--window-days must be an integer from 1 to 3650.',
            { status: 400 },
          );
        }
      }
      // New archive timestamps are written in the provider's name: an authenticated operator (ADR 019).
      await withOperator(async (shomei, operator) => {
        await requirePrivilege(shomei, operator, 'archive.renew');
        const contracts = new ContractService({
          config,
          database: shomei.database,
          crypto: shomei.crypto,
          keys: shomei.keys,
          audit: shomei.audit.trail,
          mailer: shomei.mailer,
          users: (id) => shomei.identity.accounts.getUser(id),
          rssp: shomei.rssp,
        });
        const outcomes = await contracts.renewArchiveTimestamps({ windowDays });
        printJson({
          windowDays,
          renewed: outcomes.filter((x) => x.action === 'renewed').length,
          current: outcomes.filter((x) => x.action === 'current').length,
          failed: outcomes.filter((x) => x.action === 'failed').length,
          outcomes,
        });
        if (outcomes.some((x) => x.action === 'failed')) process.exitCode = 1;
      });
    });
}
