/** Runs an outside tool (openssl, pdfsig, qpdf, pkcs11-tool) or the shomei CLI and captures its output. */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  cwd?: string;
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): RunResult {
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

/**
 * `run` without blocking the event loop: needed when the tool calls back into a server running in this
 * process (pdfsig and `shomei verify` fetch OCSP/CRL from the embedded CA's URLs). With `run`, the
 * server cannot answer until the tool gives up waiting for it, which cost minutes per call.
 */
export function runAsync(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env: options.env ?? process.env, cwd: options.cwd });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({
        status: code ?? -1,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
    // A child that exits before reading its input closes the pipe: EPIPE on stdin is not a failure
    // of its own (the exit status and stderr report the command's outcome).
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
  });
}

export const SHOMEI_BIN = path.resolve(import.meta.dirname, '../../bin/shomei.js');

export function runShomei(args: readonly string[], env: Record<string, string>): RunResult {
  return run(process.execPath, [SHOMEI_BIN, ...args], { env: { ...process.env, ...env } });
}

/** `runShomei` for a command that talks to a server in this process (see runAsync). */
export function runShomeiAsync(args: readonly string[], env: Record<string, string>): Promise<RunResult> {
  return runAsync(process.execPath, [SHOMEI_BIN, ...args], { env: { ...process.env, ...env } });
}
