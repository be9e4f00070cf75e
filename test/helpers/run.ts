/** Runs an outside tool (openssl, pdfsig, qpdf, pkcs11-tool) or the shomei CLI and captures its output. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string } = {},
): RunResult {
  const result = spawnSync(command, [...args], {
    env: options.env ?? process.env,
    input: options.input,
    cwd: options.cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export const SHOMEI_BIN = path.resolve(import.meta.dirname, '../../bin/shomei.js');

export function runShomei(args: readonly string[], env: Record<string, string>): RunResult {
  return run(process.execPath, [SHOMEI_BIN, ...args], { env: { ...process.env, ...env } });
}
