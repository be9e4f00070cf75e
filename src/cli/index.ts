/**
 * The `shomei` command. Each subcommand lives in commands/; every command has --help.
 *
 * Only the module of the command being run is loaded (issue #20): loading every command pulls in
 * fastify, kysely, pdfjs, WebAuthn and the rest, about 1.6 s of CPU before `--version` could answer.
 * `--version` and the top-level `--help` load no command at all; the help lists each command from
 * the table below, which test/cli/cli.test.ts checks against the commands themselves.
 */
import type { Command } from 'commander';
import { baseProgram, type Register, runProgram } from './program.ts';

type Loader = () => Promise<Register>;

const lifecycle: Loader = async () => (await import('./commands/lifecycle.ts')).registerLifecycleCommands;
const keys: Loader = async () => (await import('./commands/keys.ts')).registerKeyCommands;
const keyHierarchy: Loader = async () =>
  (await import('./commands/key-hierarchy.ts')).registerKeyHierarchyCommands;

/** Top-level command → the modules that register it (in order) and its one-line description. */
export const COMMANDS: Readonly<
  Record<string, { readonly load: readonly Loader[]; readonly about: string }>
> = {
  init: {
    load: [lifecycle],
    about:
      'Initialise the data directory: HSM token, PINs, database (idempotent) / データディレクトリを初期化 (何度実行しても安全)',
  },
  start: {
    load: [lifecycle],
    about: 'Initialise if needed, then serve the UI and APIs / 必要なら初期化し、UI と API を提供',
  },
  config: { load: [lifecycle], about: 'Configuration / 設定' },
  keys: { load: [keys, keyHierarchy], about: 'Keys in the HSM token / HSM トークン内の鍵' },
  compliance: {
    load: [async () => (await import('./commands/compliance.ts')).registerComplianceCommands],
    about: 'JIPDEC criteria checklist / JIPDEC 基準チェックリスト',
  },
  sign: {
    load: [async () => (await import('./commands/sign.ts')).registerSignCommands],
    about:
      'Sign a PDF (PAdES) or any file (CAdES, --cades) with the provider e-seal / 事業者の電子シールで署名',
  },
  backup: {
    load: [async () => (await import('./commands/backup.ts')).registerBackupCommands],
    about: 'Signed backups and restore / 署名付きバックアップと復元',
  },
  audit: {
    load: [async () => (await import('./commands/audit.ts')).registerAuditCommands],
    about: 'Audit trail / 監査ログ',
  },
  admin: {
    load: [async () => (await import('./commands/admin.ts')).registerAdminCommands],
    about: 'Privileged roles and administration / 特権と管理',
  },
  users: {
    load: [async () => (await import('./commands/identity.ts')).registerIdentityCommands],
    about: 'User accounts / 利用者アカウント',
  },
  rssp: {
    load: [async () => (await import('./commands/rssp.ts')).registerRsspCommands],
    about: 'Remote signature service (CSC API v2) / リモート署名サービス',
  },
  ca: {
    load: [async () => (await import('./commands/ca.ts')).registerCaCommands],
    about: 'Embedded development CA, RA queue, outside CA / 組み込み認証局・登録局・外部認証局',
  },
  tsa: {
    load: [async () => (await import('./commands/tsa.ts')).registerTsaCommands],
    about: 'Embedded time-stamping authority / 組込みタイムスタンプ局',
  },
  upgrade: {
    load: [async () => (await import('./commands/upgrade.ts')).registerUpgradeCommands],
    about: 'Upgrades and rollbacks / アップグレードとロールバック',
  },
  verify: {
    load: [async () => (await import('./commands/verify.ts')).registerVerifyCommands],
    about: 'Validate the signatures of a PDF or a CAdES file / PDF・CAdES ファイルの署名を検証',
  },
  archive: {
    load: [async () => (await import('./commands/archive.ts')).registerArchiveCommands],
    about: 'Long-term archive of contract documents / 長期保存',
  },
  contracts: {
    load: [async () => (await import('./commands/contracts.ts')).registerContractsCommands],
    about: 'E-contract records / 電子契約の記録',
  },
  service: {
    load: [async () => (await import('./commands/service.ts')).registerServiceCommands],
    about: 'Service termination (dual control) / サービスの終了 (二者承認)',
  },
};

/** The program with the given commands registered (default: every command). */
export async function buildProgram(names: readonly string[] = Object.keys(COMMANDS)): Promise<Command> {
  const program = baseProgram();
  const loaders = [...new Set(names.flatMap((name) => COMMANDS[name]?.load ?? []))];
  const registers = await Promise.all(loaders.map((load) => load()));
  for (const register of registers) register(program);
  return program;
}

/** For `--help`, `--version` and unknown commands: every command listed, none loaded. */
function overviewProgram(): Command {
  const program = baseProgram();
  for (const [name, { about }] of Object.entries(COMMANDS)) program.command(name).description(about);
  return program;
}

/**
 * The top-level help as `--help` prints it when not on a terminal (80 columns). The build stores it
 * (dist/cli/help.txt), so bin/shomei.js answers `--help` without commander or this module (ADR 043).
 */
export function overviewHelp(): string {
  return overviewProgram()
    .configureOutput({ getOutHelpWidth: () => 80 })
    .helpInformation();
}

/**
 * `shomei start` loads ~1,200 modules and assembles every service in one burst, on which V8 grows the
 * young generation to its largest semi-spaces (~30 MB committed) and keeps them while the server idles.
 * A growth factor of 1 holds them at their initial size, and optimize-for-size makes the start-up's
 * full collections compact and give pages back, until the server listens; the start command then
 * restores V8's defaults, so under load the heap grows and optimises as usual (ADR 045). GC settings
 * only: nothing the server checks or does changes.
 */
async function holdYoungGenerationForStart(name: string | undefined): Promise<void> {
  if (name !== 'start') return;
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--optimize-for-size');
}

/**
 * Runs the CLI and returns the process exit code (0 ok, 1 failure, 2 unusable input or usage). From the
 * build, bin/shomei.js runs `verify` and `sign` from their own bundles without this module (ADR 053);
 * both ways end in `runProgram`.
 */
export function main(argv: readonly string[]): Promise<number> {
  const name = argv.find((word) => !word.startsWith('-'));
  return runProgram(argv, async () => {
    await holdYoungGenerationForStart(name);
    return name !== undefined && COMMANDS[name] !== undefined ? buildProgram([name]) : overviewProgram();
  });
}
