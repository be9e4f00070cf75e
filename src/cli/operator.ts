/**
 * How a CLI command learns its operator (ADR 019): the operator's own account, never a typed name.
 * Either an operator session from `shomei admin login` (file named by SHOMEI_OPERATOR_SESSION,
 * default ~/.shomei/operator-session, mode 0600), or email + password + TOTP code given for this one
 * command: SHOMEI_OPERATOR_EMAIL, then SHOMEI_OPERATOR_PASSWORD / SHOMEI_OPERATOR_TOTP or, when
 * those are not set, prompted on a terminal or read as two lines from standard input.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  type AuthenticatedOperator,
  authenticateOperator,
  type OperatorCredentials,
  type OperatorDoor,
  openSealSigning,
  openShomei,
  operatorFromSession,
  type SealSigning,
  type Shomei,
} from '../app/index.ts';
import { loadConfig } from '../config/index.ts';
import { shomeiError } from '../errors/index.ts';
import { createLogger, deferredLogger } from '../log/index.ts';

export type OperatorProof = { readonly session: string } | { readonly credentials: OperatorCredentials };

const SESSION_LIMIT = 4096;

export function sessionFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SHOMEI_OPERATOR_SESSION ?? path.join(homedir(), '.shomei', 'operator-session');
}

export function writeSessionFile(file: string, secret: string, expiresAt: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify({ secret, expiresAt })}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function removeSessionFile(file: string): void {
  rmSync(file, { force: true });
}

function readSessionFile(file: string): string | undefined {
  if (!existsSync(file) || statSync(file).size > SESSION_LIMIT) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { secret?: unknown };
    return typeof parsed.secret === 'string' ? parsed.secret : undefined;
  } catch {
    return undefined;
  }
}

export function credentialsMissing(): Error {
  return shomeiError(
    'SHOMEI_OPERATOR_UNAUTHENTICATED',
    '操作者の認証が必要です: shomei admin login を実行するか、SHOMEI_OPERATOR_EMAIL と パスワード・ワンタイムコードを与えてください。',
    'An authenticated operator is needed: run shomei admin login, or give SHOMEI_OPERATOR_EMAIL with the password and one-time code.',
    { status: 401, details: { reason: 'credentials-missing' } },
  );
}

/** Asks on the terminal without echoing what is typed. */
function prompt(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const silent = rl as unknown as { _writeToOutput: (text: string) => void };
  process.stderr.write(question);
  silent._writeToOutput = () => {};
  return new Promise((resolve) =>
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer.trim());
    }),
  );
}

async function stdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > SESSION_LIMIT) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
}

/** Email, password and code for one command, from the environment, a terminal prompt or stdin. */
export async function readCredentials(
  prefix: 'SHOMEI_OPERATOR' | 'SHOMEI_APPROVER',
  env: NodeJS.ProcessEnv = process.env,
): Promise<OperatorCredentials | undefined> {
  const email = env[`${prefix}_EMAIL`];
  if (email === undefined || email === '') return undefined;
  let password = env[`${prefix}_PASSWORD`];
  let code = env[`${prefix}_TOTP`];
  if (password === undefined || code === undefined) {
    if (process.stdin.isTTY) {
      password ??= await prompt(`Password for ${email} / パスワード: `);
      code ??= await prompt('One-time code / ワンタイムコード: ');
    } else {
      const lines = await stdinLines();
      password ??= lines.shift() ?? '';
      code ??= lines.shift() ?? '';
    }
  }
  return { email, password, totpCode: code.trim() };
}

/** What the operator presents: one-command credentials first, otherwise the session file. */
export async function operatorProof(env: NodeJS.ProcessEnv = process.env): Promise<OperatorProof> {
  const credentials = await readCredentials('SHOMEI_OPERATOR', env);
  if (credentials !== undefined) return { credentials };
  const session = readSessionFile(sessionFilePath(env));
  if (session !== undefined) return { session };
  throw credentialsMissing();
}

export function resolveOperator(shomei: OperatorDoor, proof: OperatorProof): Promise<AuthenticatedOperator> {
  return 'session' in proof
    ? operatorFromSession(shomei, proof.session, 'cli')
    : authenticateOperator(shomei, proof.credentials, 'cli');
}

/** Opens the installation, authenticates the operator and runs the work; always closes. */
export async function withOperator<T>(
  work: (shomei: Shomei, operator: AuthenticatedOperator) => Promise<T>,
): Promise<T> {
  const proof = await operatorProof();
  const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }, process.stderr));
  try {
    return await work(shomei, await resolveOperator(shomei, proof));
  } finally {
    await shomei.close();
  }
}

/** As withOperator, with only what the provider's e-seal needs opened (`shomei sign`, ADR 043). */
export async function withSealOperator<T>(
  work: (seal: SealSigning, operator: AuthenticatedOperator) => Promise<T>,
): Promise<T> {
  const proof = await operatorProof();
  const seal = await openSealSigning(loadConfig(), deferredLogger({ level: 'warn' }, process.stderr));
  try {
    return await work(seal, await resolveOperator(seal, proof));
  } finally {
    await seal.close();
  }
}

/** Opens the installation for commands with no operator (reads, offline checks, the bootstrap). */
export async function withShomei<T>(work: (shomei: Shomei) => Promise<T>): Promise<T> {
  const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }, process.stderr));
  try {
    return await work(shomei);
  } finally {
    await shomei.close();
  }
}
