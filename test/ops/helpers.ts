/** Starting real `shomei start` processes and making client certificates with openssl. */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { run, SHOMEI_BIN } from '../helpers/run.ts';

export interface RunningShomei {
  readonly address: string;
  readonly port: number;
  readonly child: ChildProcessWithoutNullStreams;
  output(): string;
  stop(): Promise<number | null>;
}

/** `bin`: another release's bin/shomei.js (the upgrade test runs two releases side by side). */
export async function startShomei(env: Record<string, string>, bin = SHOMEI_BIN): Promise<RunningShomei> {
  const child = spawn(process.execPath, [bin, 'start'], {
    env: { ...process.env, SHOMEI_PORT: '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"address":"(https?:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"listening"/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`shomei start exited early with ${code}: ${out}`)));
  });
  return {
    address,
    port: Number(new URL(address).port),
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs `shomei start` expecting it to stop on its own (a refused configuration). */
export async function startExpectingFailure(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [SHOMEI_BIN, 'start'], {
    env: { ...process.env, SHOMEI_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.doesNotMatch(out, /"msg":"listening"/);
  return { code, output: out };
}

export function openssl(args: string[], input?: string): string {
  const result = run('openssl', args, input === undefined ? {} : { input });
  assert.equal(result.status, 0, `openssl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Two self-signed EC P-256 certificates in `dir`; a.pem with b.key is a TLS pair that does not match. */
export function mismatchedTlsPair(dir: string): { cert: string; key: string } {
  for (const name of ['a', 'b']) {
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-days',
      '2',
      '-keyout',
      path.join(dir, `${name}.key`),
      '-out',
      path.join(dir, `${name}.pem`),
    ]);
  }
  return { cert: path.join(dir, 'a.pem'), key: path.join(dir, 'b.key') };
}

/** A client CA and a client certificate it issued (EC P-256), as PEM files in `dir`. */
export function makeClientPki(dir: string, name: string): { caCert: string; cert: string; key: string } {
  const caKey = path.join(dir, `${name}-ca.key`);
  const caCert = path.join(dir, `${name}-ca.pem`);
  const key = path.join(dir, `${name}-client.key`);
  const csr = path.join(dir, `${name}-client.csr`);
  const cert = path.join(dir, `${name}-client.pem`);
  const ext = path.join(dir, `${name}-client.ext`);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-subj',
    `/CN=${name} client CA/O=shomei tests`,
    '-days',
    '30',
    '-out',
    caCert,
  ]);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  openssl(['req', '-new', '-key', key, '-subj', `/CN=${name} signing client/O=shomei tests`, '-out', csr]);
  run('sh', ['-c', `printf 'extendedKeyUsage=clientAuth\\nkeyUsage=digitalSignature\\n' > ${ext}`]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caCert,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  return { caCert, cert, key };
}

export function curl(args: string[]): { status: number; stdout: string; stderr: string } {
  return run('curl', ['--silent', '--show-error', '--max-time', '20', ...args]);
}
