/**
 * The program every command runs in, and how a run ends (exit code 0 ok, 1 failure, 2 unusable input
 * or usage). The command table (index.ts) and the commands built apart (`verify`, `sign`: ADR 038) share
 * it: bin/shomei.js runs those two straight from their bundles, which hold this module (ADR 053), so a
 * command prints the same help, errors and exit codes whichever way it was loaded.
 */
import { Command, CommanderError } from 'commander';
import { printError } from './output.ts';

/** What a command module exports to add its commands to the program. */
export type Register = (program: Command) => void;

export function baseProgram(): Command {
  return new Command('shomei')
    .description('署名 shomei — e-contract and remote signature service / 電子契約・リモート署名サービス')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
}

/** Builds the program, parses argv with it and returns the process exit code. */
export async function runProgram(argv: readonly string[], build: () => Promise<Command>): Promise<number> {
  try {
    const program = await build();
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

/**
 * The entry of a command built apart: the base program with that command's module registered, which is
 * what the command table's `buildProgram([name])` makes for a command with one module.
 */
export function runApart(argv: readonly string[], register: Register): Promise<number> {
  return runProgram(argv, async () => {
    const program = baseProgram();
    register(program);
    return program;
  });
}
