/**
 * `shomei tsa`: the embedded TSA's certificate (status), its renewal (two named people, as for a
 * restore: generating a provider key is under dual control), and the expiry check the server also
 * runs daily.
 */
import type { Command } from 'commander';
import { openShomei, renewTsa } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { createLogger } from '../../log/index.ts';
import { printJson } from '../output.ts';

export function registerTsaCommands(program: Command): void {
  const tsa = program.command('tsa').description('Embedded time-stamping authority / 組込みタイムスタンプ局');

  tsa
    .command('status')
    .description(
      'The TSA certificate in use, days left, retired certificates and the timestamp source / 使用中の TSA 証明書と残り日数',
    )
    .action(async () => {
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }));
      try {
        printJson({
          ...(await shomei.tsa.status()),
          renewalWarningDays: shomei.tsa.settings.renewalWarningDays ?? 90,
          timestampSource:
            shomei.timestamps.externalUrl === undefined
              ? 'embedded'
              : { external: shomei.timestamps.externalUrl },
        });
      } finally {
        await shomei.close();
      }
    });

  tsa
    .command('renew')
    .description(
      'New TSA key in the HSM and certificate from the embedded CA; the old key is destroyed, its certificate kept / TSA 鍵と証明書を更新 (2 名が必要)',
    )
    .requiredOption('--operator <name>', 'who renews / 実施者')
    .requiredOption(
      '--approved-by <name>',
      'a second person who approved the renewal / 承認者 (実施者とは別人)',
    )
    .action(async (options: { operator: string; approvedBy: string }) => {
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }));
      try {
        printJson(await renewTsa(shomei, { operator: options.operator, approvedBy: options.approvedBy }));
      } finally {
        await shomei.close();
      }
    });

  tsa
    .command('check')
    .description(
      'Warn (audit event and alert) when the TSA certificate ends within the window / 有効期限が近ければ警告',
    )
    .option('--days <n>', 'window in days (default SHOMEI_TSA_RENEWAL_WARNING_DAYS, 90)')
    .action(async (options: { days?: string }) => {
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }));
      try {
        const days =
          options.days === undefined ? (shomei.tsa.settings.renewalWarningDays ?? 90) : Number(options.days);
        if (!Number.isInteger(days) || days < 1) throw new Error('--days must be a positive integer');
        const result = await shomei.tsa.checkExpiry(days);
        // Raise the alert now rather than at the next scan of a running server.
        const alerts = result.warned ? await shomei.audit.alerts.scan() : [];
        printJson({
          ...result,
          windowDays: days,
          alerts: alerts.filter((a) => a.rule === 'expiry-warning').map((a) => a.summary),
        });
      } finally {
        await shomei.close();
      }
    });
}
