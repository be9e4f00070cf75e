/**
 * Where this process's CPU goes, for bench/envelopes.ts: per thread (Linux /proc) and, on request,
 * the main thread's V8 CPU profile of chosen stretches of a run.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { promisify } from 'node:util';

type ThreadKind = 'main' | 'pool' | 'other';
export type ThreadCpu = Map<number, { readonly kind: ThreadKind; readonly ms: number }>;

/**
 * CPU time (ms; Linux /proc, 10 ms ticks) of the main thread and of the work pool's threads (named
 * shomei-work by src/work/worker.mjs): with the process's CPU time it gives what each spends per
 * envelope, which the load of a shared machine does not change the way it changes wall-clock rates.
 * Per thread id, so a thread that starts during a slice counts from zero.
 */
export function threadCpuMs(): ThreadCpu {
  const threads: ThreadCpu = new Map();
  for (const tid of readdirSync('/proc/self/task').map(Number)) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const kind = tid === process.pid ? 'main' : name === 'shomei-work' ? 'pool' : 'other';
      threads.set(tid, { kind, ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/** CPU ms by kind of thread since `before`. */
export function threadCpuSince(before: ThreadCpu): { main: number; pool: number } {
  const spent = { main: 0, pool: 0 };
  for (const [tid, now] of threadCpuMs()) {
    if (now.kind === 'other') continue;
    spent[now.kind] += now.ms - (before.get(tid)?.ms ?? 0);
  }
  return spent;
}

interface CpuProfile {
  nodes: { id: number; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** `later` appended to `earlier`: its root merged into the first root, its other nodes renumbered. */
function appendProfile(earlier: CpuProfile | undefined, later: CpuProfile): CpuProfile {
  if (earlier === undefined) return later;
  const root = earlier.nodes[0]!;
  const laterRoot = later.nodes[0]!.id;
  const shift = Math.max(...earlier.nodes.map((n) => n.id));
  const id = (n: number) => (n === laterRoot ? root.id : n + shift);
  root.children = [...(root.children ?? []), ...(later.nodes[0]!.children ?? []).map(id)];
  return {
    nodes: [
      ...earlier.nodes,
      ...later.nodes.slice(1).map((n) => ({ ...n, id: id(n.id), children: (n.children ?? []).map(id) })),
    ],
    samples: [...earlier.samples, ...later.samples.map(id)],
    timeDeltas: [...earlier.timeDeltas, ...later.timeDeltas],
  };
}

/**
 * The main thread's V8 CPU profile of the stretches run through `profiled(name, …)`, one file per
 * name in `directory` (the stretches appended), without what a whole-process --cpu-prof would mix
 * in. Open in Chrome DevTools or any .cpuprofile viewer. Without a directory it only runs them.
 */
export class MainThreadProfiles {
  private readonly inspector: Session | undefined;
  private readonly profiles = new Map<string, CpuProfile>();

  constructor(private readonly directory: string | undefined) {
    this.inspector = directory === undefined ? undefined : new Session();
    this.inspector?.connect();
  }

  async profiled(name: string, run: () => Promise<void>): Promise<void> {
    if (this.inspector === undefined || this.directory === undefined) return run();
    const post = promisify(this.inspector.post.bind(this.inspector)) as (method: string) => Promise<unknown>;
    await post('Profiler.enable');
    await post('Profiler.start');
    try {
      await run();
    } finally {
      const { profile } = (await post('Profiler.stop')) as { profile: CpuProfile };
      const merged = appendProfile(this.profiles.get(name), profile);
      this.profiles.set(name, merged);
      mkdirSync(this.directory, { recursive: true });
      const endTime = merged.timeDeltas.reduce((a, b) => a + b, 0);
      writeFileSync(
        path.join(this.directory, `envelopes-${name}.cpuprofile`),
        JSON.stringify({ ...merged, startTime: 0, endTime }),
      );
    }
  }
}
