/**
 * `shomei backup create|verify|restore` (JT2A 7.1.6). Create and restore are audited; verify works
 * offline on any machine with nothing but the file (and, optionally, the pinned key fingerprint).
 */
import type { Command } from 'commander';
import { openShomei } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { createLogger } from '../../log/index.ts';
import { createBackup, restoreBackup, verifyBackup } from '../../ops/index.ts';
import { printJson } from '../output.ts';

const PROCESS_ACTOR = { kind: 'process', id: 'shomei-backup' } as const;

export function registerBackupCommands(program: Command): void {
  const backup = program
    .command('backup')
    .description('Signed backups and restore / 署名付きバックアップと復元');

  backup
    .command('create')
    .description(
      'Write a consistent, signed backup (no secrets) / 整合性のある署名付きバックアップを作成 (秘密情報なし)',
    )
    .requiredOption('-o, --output <file>', 'backup file to write / 出力するバックアップファイル')
    .option('--operator <name>', 'who takes the backup (recorded) / 実施者 (記録されます)', 'cli')
    .action(async (options: { output: string; operator: string }) => {
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }));
      try {
        const created = await createBackup(shomei, options.output);
        // Read the written file back: a backup counts as taken only once it verifies.
        const check = verifyBackup(created.file, created.manifest.signer.publicKeySha256);
        const details = {
          manifestSha256: created.manifestSha256,
          entries: created.manifest.entries.length,
          environment: created.manifest.environment,
        };
        await shomei.audit.trail.append({
          type: 'backup.create',
          actor: { kind: 'operator', id: options.operator },
          outcome: 'success',
          details,
        });
        await shomei.audit.trail.append({
          type: 'backup.verify',
          actor: PROCESS_ACTOR,
          outcome: check.valid ? 'success' : 'failure',
          details: { manifestSha256: created.manifestSha256, problems: check.problems.length },
        });
        if (!check.valid) {
          throw shomeiError(
            'SHOMEI_BACKUP_INVALID',
            `書き込んだバックアップが検証に失敗しました: ${check.problems.join('; ')}`,
            `The written backup failed verification: ${check.problems.join('; ')}`,
            { status: 500 },
          );
        }
        printJson({
          file: created.file,
          installationId: created.manifest.installationId,
          createdAt: created.manifest.createdAt,
          signerKeySha256: created.manifest.signer.publicKeySha256,
          verified: true,
          ...details,
        });
      } finally {
        await shomei.close();
      }
    });

  backup
    .command('verify')
    .description(
      'Check a backup offline: signature and every hash / バックアップをオフラインで検証 (署名と全ハッシュ)',
    )
    .argument('<file>', 'backup file / バックアップファイル')
    .option(
      '--expect-key <sha256>',
      'SHA-256 of the backup-signing public key to require / 要求する署名鍵の SHA-256',
    )
    .action((file: string, options: { expectKey?: string }) => {
      const result = verifyBackup(file, options.expectKey);
      printJson({
        valid: result.valid,
        problems: result.problems,
        manifestSha256: result.manifestSha256 ?? null,
        signerKeySha256: result.signerKeySha256 ?? null,
        installationId: result.manifest?.installationId ?? null,
        environment: result.manifest?.environment ?? null,
        createdAt: result.manifest?.createdAt ?? null,
        entries:
          result.manifest?.entries.map((e) => ({ path: e.path, size: e.size, sha256: e.sha256 })) ?? [],
      });
      if (!result.valid) {
        // The report above says what failed; the error gives the exit code (1) and the stable code.
        throw shomeiError(
          'SHOMEI_BACKUP_INVALID',
          'バックアップの検証に失敗しました。',
          'The backup failed verification.',
          { details: { problems: result.problems.length } },
        );
      }
    });

  backup
    .command('restore')
    .description(
      'Restore into an empty data directory; two operators required / 空のデータディレクトリに復元 (2 名の操作者が必要)',
    )
    .argument('<file>', 'backup file / バックアップファイル')
    .requiredOption(
      '--into <dir>',
      'empty directory that becomes SHOMEI_HOME / SHOMEI_HOME となる空のディレクトリ',
    )
    .requiredOption('--operator <name>', 'who restores / 実施者')
    .requiredOption(
      '--approved-by <name>',
      'a second person who approved the restore / 承認者 (実施者とは別人)',
    )
    .option('--pin-file <file>', 'the token PIN file kept apart from backups / 別保管のトークン PIN ファイル')
    .option('--database-url <url>', 'PostgreSQL: an empty database to load / PostgreSQL: 空のデータベース')
    .option(
      '--expect-key <sha256>',
      'SHA-256 of the backup-signing public key to require / 要求する署名鍵の SHA-256',
    )
    .action(
      async (
        file: string,
        options: {
          into: string;
          operator: string;
          approvedBy: string;
          pinFile?: string;
          databaseUrl?: string;
          expectKey?: string;
        },
      ) => {
        const config = loadConfig();
        const restored = await restoreBackup(file, {
          environment: config.environment,
          into: options.into,
          pinFile: options.pinFile,
          databaseUrl:
            options.databaseUrl ??
            (config.databaseUrl.startsWith('postgres') ? config.databaseUrl : undefined),
          operator: options.operator,
          approvedBy: options.approvedBy,
          ...(options.expectKey === undefined ? {} : { expectedSignerSha256: options.expectKey }),
        });
        // Open the restored installation: the keys must be usable and the audit chain must verify.
        const restoredConfig = loadConfig({
          ...process.env,
          SHOMEI_HOME: restored.home,
          SHOMEI_DATABASE_URL: restored.databaseUrl,
          SHOMEI_PKCS11_PIN_FILE: `${restored.home}/secrets/token-pins.json`,
        });
        const shomei = await openShomei(restoredConfig, createLogger({ level: 'warn' }));
        try {
          await shomei.audit.trail.append({
            type: 'backup.restore',
            actor: { kind: 'operator', id: options.operator },
            outcome: 'success',
            details: {
              approvedBy: options.approvedBy,
              manifestSha256: restored.manifestSha256,
              installationId: restored.installationId,
            },
          });
          const chain = await shomei.audit.verify();
          const keys = await shomei.crypto.listKeys();
          printJson({
            home: restored.home,
            installationId: restored.installationId,
            environment: restored.environment,
            restoredAt: restored.restoredAt,
            keysInToken: keys.length,
            auditChain: chain,
          });
        } finally {
          await shomei.close();
        }
      },
    );
}
