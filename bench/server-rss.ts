/**
 * Resident memory of an idle server (issue #20 Deliver 2: RSS after start < 120 MB): `shomei start`
 * on loopback in a fresh home, /healthz polled until it answers, then VmRSS read from /proc after a
 * few idle seconds, next to a bare `node` process measured the same way in this run; then the same for
 * a restart of that home (the first start of a development home also creates its demo accounts). Each is split
 * into anonymous memory (V8's heap, malloc) and file pages (node's binary, native libraries), ADR 045.
 * The server is then stopped with SIGTERM and must exit 0 with nothing on stderr; the home is removed
 * only after it has exited (removing it under a stopping server made its shutdown checkpoint fail).
 *
 *   npx tsx bench/server-rss.ts
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';

const bin = path.resolve(import.meta.dirname, '..', 'bin', 'shomei.js');
const home = mkdtempSync(path.join(tmpdir(), 'shomei-bench-rss-'));
const IDLE_MS = 5000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface Resident {
  readonly total: number;
  readonly anon: number;
  readonly file: number;
}

function resident(pid: number): Resident {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1]) / 1024;
  return { total: mb('VmRSS'), anon: mb('RssAnon'), file: mb('RssFile') };
}

async function idleRss(child: ChildProcess, ready: () => Promise<boolean>): Promise<Resident> {
  const deadline = Date.now() + 600_000;
  while (!(await ready())) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the process did not start');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  return resident(child.pid!);
}

function line(name: string, r: Resident, bare?: Resident): string {
  const f = (n: number) => n.toFixed(0).padStart(5);
  const ratio = bare === undefined ? '' : `  ${(r.total / bare.total).toFixed(2)}× bare node`;
  return `${name.padEnd(20)}${f(r.total)} MB  (anonymous ${f(r.anon)}, files ${f(r.file)})${ratio}`;
}

/** SIGTERM, then the exit code and whatever the server wrote on stderr while stopping. */
async function stop(server: ChildProcess, stderr: () => string): Promise<string> {
  if (server.exitCode !== null) return `exited early with ${server.exitCode}: ${stderr()}`;
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  const code = await exited;
  return code === 0 && stderr() === '' ? 'exit 0, nothing on stderr' : `exit ${code}: ${stderr()}`;
}

/** One `shomei start` of the home: its idle RSS, then a SIGTERM stop. */
async function measureStart(env: NodeJS.ProcessEnv): Promise<{ rss: Resident; stopped: string }> {
  const port = await freePort();
  const server = spawn(process.execPath, [bin, 'start'], {
    env: { ...env, SHOMEI_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  server.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    const rss = await idleRss(server, async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
      } catch {
        return false;
      }
    });
    return { rss, stopped: await stop(server, () => stderr) };
  } catch (error) {
    console.log(`stop: ${await stop(server, () => stderr)}`);
    throw error;
  }
}

try {
  const env = { ...process.env, SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'silent', SHOMEI_HOST: '127.0.0.1' };
  const init = spawnSync(process.execPath, [bin, 'init'], { env, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(init.stderr);

  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const bareRss = await idleRss(bare, async () => true);
  bare.kill();

  // The first start of a development home also creates its demo accounts (their passwords are checked
  // against the common-password list, which stays loaded); a restart is what a running service does.
  const first = await measureStart(env);
  const again = await measureStart(env);
  console.log(line('bare node', bareRss));
  for (const [name, { rss, stopped }] of [
    ['first start (idle)', first],
    ['restart (idle)', again],
  ] as const) {
    console.log(line(name, rss, bareRss));
    console.log(
      `  target < 120 MB: ${rss.total < 120 ? 'met' : 'not met'}; ${(rss.total - bareRss.total).toFixed(0)} MB over bare node; stop: ${stopped}`,
    );
  }
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
