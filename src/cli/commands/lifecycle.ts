import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { ensureDemoAccounts, initialise, openShomei, settingsCheck } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { createLogger } from '../../log/index.ts';
import {
  assertProductionSafeguards,
  assertTlsConfigured,
  checkConfiguration,
  checkTlsFiles,
  listenFailed,
  loadOpsSettings,
  type ManagementListener,
  prepareTls,
  startManagementListener,
} from '../../ops/index.ts';
import { buildServer } from '../../server/index.ts';
import { exitOnUncaught, logFatal } from '../fatal.ts';
import { printJson } from '../output.ts';

async function startService(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  // Production without TLS, or with a safeguard neither met nor overridden, stops here, before
  // anything is created (src/ops/tls.ts, src/ops/production-gate.ts).
  const ops = loadOpsSettings();
  assertTlsConfigured(ops, config.environment);
  checkTlsFiles(ops);
  assertProductionSafeguards(config);
  await initialise(config, logger);
  const shomei = await openShomei(config, logger);
  let server: FastifyInstance | undefined;
  let management: ManagementListener | undefined;
  const closeAll = async (): Promise<void> => {
    await management?.close();
    await server?.close();
    await shomei.close();
  };
  try {
    // Before the server's modules load: start-up's own collections then take what the demo's password
    // checks left (the common-password list), rather than an idle server holding it (ADR 052).
    const demo = await ensureDemoAccounts(shomei);
    const tls = await prepareTls(ops, config.home, config.environment, shomei.ca);
    server = await buildServer(shomei, tls === undefined ? {} : { tls });
    const where = `${config.http.host}:${config.http.port}`;
    const address = await server.listen({ host: config.http.host, port: config.http.port }).catch((error) => {
      throw listenFailed('SHOMEI_PORT', where, error);
    });
    management = await startManagementListener(ops, {
      database: shomei.database,
      clock: shomei.ops.clock,
      ops: shomei.ops,
    });
    const stop = async (): Promise<void> => {
      try {
        await closeAll();
      } catch (error) {
        // Said as what it is, not as an uncaught error: the parts after the failing one stay open
        // until the process ends, and a supervisor learns from the exit code that the stop was not clean.
        logFatal(createLogger({ level: 'fatal' }, process.stderr), error, 'shomei did not stop cleanly');
        process.exit(1);
      }
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    // JSON lines like everything else the server prints, written whatever SHOMEI_LOG_LEVEL says (as
    // fatal lines are): an operator and a supervisor must learn where the service listens.
    const announce = createLogger({ level: 'info' });
    announce.info({ address, environment: config.environment, home: config.home }, 'listening');
    if (management !== undefined) announce.info({ address: `${management.address}/metrics` }, 'metrics');
    if (demo.accounts.length > 0) {
      // Passwords stay in the 0600 file; the log names the people only.
      const accounts = demo.accounts.map(({ organisation, title, name, email }) => ({
        organisation,
        title,
        name,
        email,
      }));
      announce.info(
        { accounts, file: demo.file },
        'デモ用アカウント / demo accounts (development only; passwords in the file, second factor enrolled at first login)',
      );
    }
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}

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
        // The Security Officer's PIN is not the application's to keep: move it to safe storage now.
        ...(result.soPinFile === undefined
          ? {}
          : {
              soPinFile: result.soPinFile,
              soPinNote:
                'SO PIN: この file を安全な保管場所へ移し、SHOMEI_HOME から削除してください / move this file to safe storage and remove it from SHOMEI_HOME; shomei never reads it',
            }),
        migrationsApplied: result.appliedMigrations,
        installationId: result.installationId,
      });
    });

  program
    .command('start')
    .description('Initialise if needed, then serve the UI and APIs / 必要なら初期化し、UI と API を提供')
    .action(async () => {
      // Fatal lines are written whatever SHOMEI_LOG_LEVEL says (even "silent"): a start that fails
      // must say why, and the configuration that sets the level may be what is wrong. On stderr,
      // which Node writes synchronously on Linux, so the line is out before process.exit.
      const fatalLog = createLogger({ level: 'fatal' }, process.stderr);
      exitOnUncaught(fatalLog);
      try {
        await startService();
        // Started: V8's defaults again (src/cli/index.ts set them for the start-up only, ADR 045).
        setFlagsFromString('--semi-space-growth-factor=2');
        setFlagsFromString('--no-optimize-for-size');
      } catch (error) {
        // Every start-up failure: one JSON line naming the cause and the setting, then exit 1.
        logFatal(fatalLog, error, 'shomei could not start');
        process.exit(1);
      }
      await new Promise<never>(() => {});
    });

  const configCommand = program.command('config').description('Configuration / 設定');
  configCommand
    .command('check')
    .description(
      'Validate the configuration and print it without secrets / 設定を検証して表示 (秘密情報なし)',
    )
    .action(async () => {
      const config = loadConfig();
      // TLS pair, mutual-TLS CA, SMTP, TSA, NTP, CA names, PKCS#11 module and token, metrics
      // listener, production safeguards: each named by its setting (src/ops/config-check.ts).
      // Plus: every SHOMEI_* variable set is one shomei reads (src/app/settings-catalogue.ts).
      const checks = [...(await checkConfiguration(config, loadOpsSettings())), settingsCheck(process.env)];
      printJson({ ...config, databaseUrl: config.databaseUrl.replace(/:[^:@/]*@/, ':***@'), checks });
      const failed = checks.filter((c) => c.status === 'failed').map((c) => c.setting);
      if (failed.length > 0) {
        throw shomeiError(
          'SHOMEI_CONFIG_CHECK_FAILED',
          `設定の確認に失敗しました: ${failed.join('; ')}`,
          `The configuration check failed: ${failed.join('; ')}`,
          { status: 500, details: { settings: failed } },
        );
      }
    });
}
