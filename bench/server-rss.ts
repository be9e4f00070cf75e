/**
 * Resident memory of an idle server (issue #20 Deliver 2: RSS after start < 120 MB): `shomei start`
 * on loopback in a fresh home, /healthz polled until it answers, then VmRSS read from /proc after a
 * few idle seconds, next to a bare `node` process measured the same way in this run.
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

function rssMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
  return kb / 1024;
}

async function idleRss(child: ChildProcess, ready: () => Promise<boolean>): Promise<number> {
  const deadline = Date.now() + 600_000;
  while (!(await ready())) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the process did not start');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  return rssMegabytes(child.pid!);
}

try {
  const port = await freePort();
  const env = { ...process.env, SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'silent', SHOMEI_HOST: '127.0.0.1' };
  const init = spawnSync(process.execPath, [bin, 'init'], { env, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(init.stderr);

  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const bareRss = await idleRss(bare, async () => true);
  bare.kill();

  const server = spawn(process.execPath, [bin, 'start'], {
    env: { ...env, SHOMEI_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const rss = await idleRss(server, async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
      } catch {
        return false;
      }
    });
    console.log(`bare node           ${bareRss.toFixed(0).padStart(5)} MB`);
    console.log(
      `shomei start (idle) ${rss.toFixed(0).padStart(5)} MB  (target < 120 MB; ${(rss - bareRss).toFixed(0)} MB over bare node)`,
    );
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    server.kill('SIGTERM');
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
