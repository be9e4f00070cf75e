/**
 * A PostgreSQL server of its own for one test file (initdb + pg_ctl from the installed binaries, its
 * own port and data directory in a temporary folder), so a test may stop, restart or terminate
 * backends without touching the cluster the other tests share.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { run } from './run.ts';

export interface PrivatePostgres {
  /** postgres://shomei@127.0.0.1:PORT/shomei (trust authentication on loopback). */
  readonly url: string;
  stop(): void;
  start(): void;
  /** Runs one statement as the superuser and returns the rows. */
  query<T>(text: string): Promise<T[]>;
  remove(): void;
}

function binaries(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
  return path.join('/usr/lib/postgresql', versions.at(-1)!, 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: run its tools as the postgres user when we are root. */
function asPostgres(command: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const result = asRoot ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);
  if (result.status !== 0)
    throw new Error(`${path.basename(command)} failed: ${result.stderr}${result.stdout}`);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-pg-'));
  if (process.getuid?.() === 0) run('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  const bin = binaries();
  const port = await freePort();
  asPostgres(path.join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'shomei',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const start = (): void =>
    asPostgres(path.join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      path.join(dir, 'log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-w',
      'start',
    ]);
  start();
  const base = `postgres://shomei@127.0.0.1:${port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  await admin.query('create database shomei');
  await admin.end();
  return {
    url: `${base}/shomei`,
    stop: () => asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
    start,
    async query<T>(text: string) {
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        return (await client.query(text)).rows as T[];
      } finally {
        await client.end();
      }
    },
    remove() {
      try {
        asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
