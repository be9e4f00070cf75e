import type { Command } from 'commander';
import { describeDemoAccounts, ensureDemoAccounts, initialise, openShomei } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { createLogger } from '../../log/index.ts';
import { assertTlsConfigured, loadOpsSettings, prepareTls } from '../../ops/index.ts';
import { buildServer } from '../../server/index.ts';
import { printJson } from '../output.ts';

export function registerLifecycleCommands(program: Command): void {
  program
    .command('init')
    .description(
      'Initialise the data directory: HSM token, PINs, database (idempotent) / データディレクトリを初期化 (何度実行しても安全)',
    )
    .action(async () => {
      const config = loadConfig();
      const result = await initialise(config, createLogger({ level: config.logLevel }));
      printJson({
        home: config.home,
        environment: config.environment,
        tokenCreated: result.createdToken,
        migrationsApplied: result.appliedMigrations,
        installationId: result.installationId,
      });
    });

  program
    .command('start')
    .description('Initialise if needed, then serve the UI and APIs / 必要なら初期化し、UI と API を提供')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel });
      // Production without TLS stops here, before anything is created (src/ops/tls.ts).
      const ops = loadOpsSettings();
      assertTlsConfigured(ops, config.environment);
      await initialise(config, logger);
      const shomei = await openShomei(config, logger);
      const tls = await prepareTls(ops, config.home, config.environment, shomei.ca);
      const server = await buildServer(shomei, tls === undefined ? {} : { tls });
      const stop = async (): Promise<void> => {
        await server.close();
        await shomei.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      const demo = await ensureDemoAccounts(shomei);
      const address = await server.listen({ host: config.http.host, port: config.http.port });
      process.stdout.write(
        `shomei: listening on ${address} (${config.environment}, data in ${config.home})\n`,
      );
      process.stdout.write(describeDemoAccounts(demo.accounts, demo.file));
      await new Promise<never>(() => {});
    });

  const configCommand = program.command('config').description('Configuration / 設定');
  configCommand
    .command('check')
    .description(
      'Validate the configuration and print it without secrets / 設定を検証して表示 (秘密情報なし)',
    )
    .action(() => {
      const config = loadConfig();
      printJson({ ...config, databaseUrl: config.databaseUrl.replace(/:[^:@/]*@/, ':***@') });
    });
}
