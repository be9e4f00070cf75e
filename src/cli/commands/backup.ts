/**
 * `shomei backup create|verify|restore` (JT2A 7.1.6). Create and restore are audited; verify works
 * offline on any machine with nothing but the file (and, optionally, the pinned key fingerprint).
 */
import { existsSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import {
  authenticateOperator,
  openShomei,
  reapplyDestructionLog,
  requestApproval,
  requirePrivilege,
  type Shomei,
} from '../../app/index.ts';
import { loadConfig, type ShomeiConfig } from '../../config/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { createLogger } from '../../log/index.ts';
import { createBackup, PROMOTE_KIND, restoreBackup, verifyBackup } from '../../ops/index.ts';
import { readDestructionLog } from '../../store/index.ts';
import { credentialsMissing, readCredentials, withOperator } from '../operator.ts';
import { printJson } from '../output.ts';

/**
 * The two people of a restore, proved against the restored installation's own accounts: the
 * operator (backups.manage) and a different approver allowed to approve `backup.restore`.
 */
async function authenticateRestorers(
  shomei: Shomei,
  operatorCredentials: Parameters<typeof authenticateOperator>[1],
  approverCredentials: Parameters<typeof authenticateOperator>[1],
): Promise<{ operator: string; approver: string }> {
  const operator = await authenticateOperator(shomei, operatorCredentials, 'cli:restore');
  await requirePrivilege(shomei, operator, 'backups.manage');
  const approver = await authenticateOperator(shomei, approverCredentials, 'cli:restore');
  if (approver.userId === operator.userId) {
    throw shomeiError(
      'SHOMEI_RESTORE_NEEDS_TWO_OPERATORS',
      '復元には実施者と承認者の 2 名 (別人) が必要です。',
      'A restore needs two different people: the operator and the approver.',
      { status: 403 },
    );
  }
  if (!approver.roles.some((r) => r === 'system_administrator' || r === 'security_officer')) {
    await requirePrivilege(shomei, approver, 'identity.accounts.manage');
  }
  return { operator: operator.userId, approver: approver.userId };
}

const PROCESS_ACTOR = { kind: 'process', id: 'shomei-backup' } as const;

type RestoredBackup = Awaited<ReturnType<typeof restoreBackup>>;

export function registerBackupCommands(program: Command): void {
  const backup = program
    .command('backup')
    .description('Signed backups and restore / 署名付きバックアップと復元');
  registerCreateCommand(backup);
  registerVerifyCommand(backup);
  registerRestoreCommand(backup);
  registerPromoteCommand(backup);
}

function registerCreateCommand(backup: Command): void {
  backup
    .command('create')
    .description(
      'Write a consistent, signed backup (no secrets) / 整合性のある署名付きバックアップを作成 (秘密情報なし)',
    )
    .requiredOption('-o, --output <file>', 'backup file to write / 出力するバックアップファイル')
    .action(async (options: { output: string }) => {
      await withOperator(async (shomei, operator) => {
        await requirePrivilege(shomei, operator, 'backups.manage');
        await createAndCheck(shomei, operator.userId, options.output);
      });
    });
}

/** Writes the backup, reads it back and audits both; a backup counts as taken only once it verifies. */
async function createAndCheck(shomei: Shomei, operatorId: string, output: string): Promise<void> {
  const created = await createBackup(shomei, output);
  // Read the written file back: a backup counts as taken only once it verifies.
  const check = verifyBackup(created.file, created.manifest.signer.publicKeySha256);
  const details = {
    manifestSha256: created.manifestSha256,
    entries: created.manifest.entries.length,
    environment: created.manifest.environment,
  };
  await shomei.audit.trail.append({
    type: 'backup.create',
    actor: { kind: 'user', id: operatorId },
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
}

function registerVerifyCommand(backup: Command): void {
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
}

interface RestoreOptions {
  readonly into: string;
  readonly pinFile?: string;
  readonly databaseUrl?: string;
  readonly expectKey?: string;
  readonly destructionLog?: string;
}

function registerRestoreCommand(backup: Command): void {
  backup
    .command('restore')
    .description(
      'Restore into an empty data directory; two authenticated people (SHOMEI_OPERATOR_* and SHOMEI_APPROVER_*) / 空のデータディレクトリに復元 (認証された 2 名が必要)',
    )
    .argument('<file>', 'backup file / バックアップファイル')
    .requiredOption(
      '--into <dir>',
      'empty directory that becomes SHOMEI_HOME / SHOMEI_HOME となる空のディレクトリ',
    )
    .option('--pin-file <file>', 'the token PIN file kept apart from backups / 別保管のトークン PIN ファイル')
    .option('--database-url <url>', 'PostgreSQL: an empty database to load / PostgreSQL: 空のデータベース')
    .option(
      '--expect-key <sha256>',
      'SHA-256 of the backup-signing public key to require / 要求する署名鍵の SHA-256',
    )
    .option(
      '--destruction-log <file>',
      'keys and documents destroyed since, destroyed again after the restore (default SHOMEI_DESTRUCTION_LOG) / 破棄記録を再適用',
    )
    .action(restore);
}

/**
 * The destruction log to re-apply, read and checked before anything is restored: a bad log leaves
 * nothing behind (ADR 032). The configured log does not exist until the first destruction; a named
 * one must exist.
 */
function destructionsToReapply(config: ShomeiConfig, options: RestoreOptions) {
  const logFile = options.destructionLog ?? config.keys.destructionLog;
  if (logFile === undefined) return undefined;
  return options.destructionLog === undefined && !existsSync(logFile) ? [] : readDestructionLog(logFile);
}

async function restore(file: string, options: RestoreOptions): Promise<void> {
  const config = loadConfig();
  const destructions = destructionsToReapply(config, options);
  const operatorCredentials = await readCredentials('SHOMEI_OPERATOR');
  const approverCredentials = await readCredentials('SHOMEI_APPROVER');
  if (operatorCredentials === undefined || approverCredentials === undefined) throw credentialsMissing();
  const restored = await restoreBackup(file, {
    environment: config.environment,
    into: options.into,
    pinFile: options.pinFile,
    databaseUrl:
      options.databaseUrl ?? (config.databaseUrl.startsWith('postgres') ? config.databaseUrl : undefined),
    operator: operatorCredentials.email,
    approvedBy: approverCredentials.email,
    expectedSignerSha256: options.expectKey,
  });
  // Open the restored installation: the keys must be usable and the audit chain must verify.
  const restoredConfig = loadConfig({
    ...process.env,
    SHOMEI_HOME: restored.home,
    SHOMEI_DATABASE_URL: restored.databaseUrl,
    SHOMEI_PKCS11_PIN_FILE: `${restored.home}/secrets/token-pins.json`,
  });
  const shomei = await openShomei(restoredConfig, createLogger({ level: 'warn' }, process.stderr));
  let people: { operator: string; approver: string };
  try {
    people = await authenticateRestorers(shomei, operatorCredentials, approverCredentials);
  } catch (error) {
    // Not two authenticated people: the restored directory (token, PINs, data) does not stay.
    await shomei.close();
    rmSync(restored.home, { recursive: true, force: true });
    throw error;
  }
  try {
    await recordAndReport(shomei, restored, people, destructions);
  } finally {
    await shomei.close();
  }
}

/** Audits the restore, re-applies the destructions since the backup and prints what the restored installation holds. */
async function recordAndReport(
  shomei: Shomei,
  restored: RestoredBackup,
  people: { operator: string; approver: string },
  destructions: ReturnType<typeof destructionsToReapply>,
): Promise<void> {
  await shomei.audit.trail.append({
    type: 'backup.restore',
    actor: { kind: 'user', id: people.operator },
    outcome: 'success',
    details: {
      approvedBy: people.approver,
      manifestSha256: restored.manifestSha256,
      installationId: restored.installationId,
      mode: shomei.ops.mode.mode,
    },
  });
  const reapplied =
    destructions === undefined
      ? undefined
      : await reapplyDestructionLog(shomei, destructions, people.operator);
  if (reapplied === undefined) {
    console.error(
      '警告: 破棄記録 (SHOMEI_DESTRUCTION_LOG) がないため、バックアップ後に破棄した鍵と文書が戻っている可能性があります。 / Warning: no destruction log, so keys and documents destroyed after this backup may be back.',
    );
  }
  const chain = await shomei.audit.verify();
  const keys = await shomei.crypto.listKeys();
  printJson({
    home: restored.home,
    installationId: restored.installationId,
    environment: restored.environment,
    restoredAt: restored.restoredAt,
    // Signs nothing until promoted: `shomei backup promote`, approved by a second person.
    mode: shomei.ops.mode.mode,
    keysInToken: keys.length,
    destructionsReapplied: reapplied ?? null,
    auditChain: chain,
  });
}

function registerPromoteCommand(backup: Command): void {
  backup
    .command('promote')
    .description(
      'Ask to make a restored (passive) installation the live one; a second person approves with shomei admin approve / 復元した待機環境の稼働開始を依頼 (二者承認)',
    )
    .action(async () => {
      const request = await withOperator((shomei, operator) =>
        requestApproval(shomei, operator, PROMOTE_KIND, {}),
      );
      printJson({ request });
    });
}
