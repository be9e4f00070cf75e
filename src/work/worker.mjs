// One worker thread of the document work pool (src/work/pool.ts). Plain JavaScript so that Piscina can
// load it however the process started. The jobs module is the prebuilt JavaScript in dist/cli when it
// is current (ADR 031); only for the sources is the TypeScript loader registered, here because loader
// hooks are per thread (neither `--import tsx` nor bin/shomei.js's registration reaches a worker on
// Node 20) — tsx and its transforms cost a thread tens of MiB and a second of CPU.
import { readlinkSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { workerData } from 'piscina';

if (workerData.jobsModule.endsWith('.ts')) (await import('tsx/esm/api')).register();

// The thread's name in `top -H` and /proc (Linux; elsewhere nothing): bench/envelopes.ts reads the
// pool's own CPU time by it, apart from the main thread and V8's and libuv's helpers.
try {
  writeFileSync('/proc/thread-self/comm', workerData.settings.nice > 0 ? 'shomei-verify' : 'shomei-work');
} catch {
  // Not Linux: the thread keeps its name.
}

// A lower CPU priority for this thread only (the anonymous verification lane): on Linux a thread's
// id names it to setpriority, so the threads serving signed-in users keep the cores under a flood.
if (workerData.settings.nice > 0) {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, workerData.settings.nice);
  } catch {
    // Not Linux (no /proc/thread-self): the thread keeps the process's priority.
  }
}

const jobs = await import(workerData.jobsModule);
jobs.configureWorker(workerData.settings);

// The anonymous lane collects after every job: a refused bomb leaves up to its whole decode budget
// in buffers outside the JavaScript heap, which V8 would otherwise free only some jobs later.
const collect = workerData.settings.collectAfterJob === true ? exposedGc() : undefined;

function exposedGc() {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
}

/** Piscina's task handler: the job's result, or its typed error as data (errors lose fields when cloned). */
export default async function run(task) {
  // The pool's deadline for this job starts now.
  task.started.postMessage(0);
  task.started.close();
  try {
    return await jobs.runJob(task.job, task.input);
  } finally {
    collect?.();
  }
}
