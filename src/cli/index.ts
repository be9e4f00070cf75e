/** The `shomei` command. Each subcommand lives in commands/; every command has --help. */
import { Command, CommanderError } from 'commander';
import { registerAdminCommands } from './commands/admin.ts';
import { registerArchiveCommands } from './commands/archive.ts';
import { registerAuditCommands } from './commands/audit.ts';
import { registerBackupCommands } from './commands/backup.ts';
import { registerCaCommands } from './commands/ca.ts';
import { registerComplianceCommands } from './commands/compliance.ts';
import { registerContractsCommands } from './commands/contracts.ts';
import { registerIdentityCommands } from './commands/identity.ts';
import { registerKeyHierarchyCommands } from './commands/key-hierarchy.ts';
import { registerKeyCommands } from './commands/keys.ts';
import { registerLifecycleCommands } from './commands/lifecycle.ts';
import { registerRsspCommands } from './commands/rssp.ts';
import { registerSignCommands } from './commands/sign.ts';
import { registerTsaCommands } from './commands/tsa.ts';
import { registerUpgradeCommands } from './commands/upgrade.ts';
import { registerVerifyCommands } from './commands/verify.ts';
import { printError } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('shomei')
    .description('署名 shomei — e-contract and remote signature service / 電子契約・リモート署名サービス')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerLifecycleCommands(program);
  registerKeyCommands(program);
  registerKeyHierarchyCommands(program);
  registerComplianceCommands(program);
  registerSignCommands(program);
  registerBackupCommands(program);
  registerAuditCommands(program);
  registerAdminCommands(program);
  registerIdentityCommands(program);
  registerRsspCommands(program);
  registerCaCommands(program);
  registerTsaCommands(program);
  registerUpgradeCommands(program);
  registerVerifyCommands(program);
  registerArchiveCommands(program);
  registerContractsCommands(program);
  return program;
}

/** Runs the CLI and returns the process exit code (0 ok, 1 failure, 2 unusable input or usage). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    printError(error);
    return 1;
  }
}
