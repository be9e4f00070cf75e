/**
 * `shomei tsa`: the embedded TSA's certificate (status), its renewal (a dual-control request by an
 * authenticated operator, approved by a second person: generating a provider key), and the expiry check the server also
 * runs daily.
 */
import type { Command } from 'commander';
import { openShomei, requestApproval } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { createLogger } from '../../log/index.ts';
import { withOperator } from '../operator.ts';
import { printJson } from '../output.ts';

export function registerTsaCommands(program: Command): void {
  const tsa = program.command('tsa').description('Embedded time-stamping authority / 組込みタイムスタンプ局');

  tsa
    .command('status')
    .description(
      'The TSA certificate in use, days left, retired certificates and the timestamp source / 使用中の TSA 証明書と残り日数',
    )
    .action(async () => {
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }, process.stderr));
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
      'Ask for a new TSA key and certificate (dual control: tsa.renew); the old key is destroyed when approved / TSA 鍵と証明書の更新を依頼 (二者承認)',
    )
    .action(async () => {
      const request = await withOperator((shomei, operator) =>
        requestApproval(shomei, operator, 'tsa.renew', {}),
      );
      printJson({ request });
    });

  tsa
    .command('check')
    .description(
      'Warn (audit event and alert) when the TSA certificate ends within the window / 有効期限が近ければ警告',
    )
    .option('--days <n>', 'window in days (default SHOMEI_TSA_RENEWAL_WARNING_DAYS, 90)')
    .action(async (options: { days?: string }) => {
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }, process.stderr));
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
