/**
 * Batches of signatures on worker threads. On a local token such as SoftHSM2, C_SignInit (which
 * finds and unwraps the key) runs on the calling thread and costs more than the signature itself, so
 * a batch signed through the session pool kept the main thread busy with the library while HTTP,
 * database and audit work waited for it. Each worker has its own pkcs11js handle on the module this
 * process already loaded and logged in to (login is per application, shared by every session), opens
 * its own session, and signs its share of a batch with C_SignInit + C_Sign.
 *
 * The worker is plain JavaScript evaluated from a string: it must start the same way under the
 * TypeScript loader (development, tests) and from the bundled CLI, with no file of its own to find.
 */
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import type * as pkcs11types from 'pkcs11js';
import type { Handle } from './library.ts';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const pkcs11js = require(workerData.pkcs11jsPath);
const p = new pkcs11js.PKCS11();
p.load(workerData.modulePath);
try {
  p.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
} catch {
  // CKR_CRYPTOKI_ALREADY_INITIALIZED: the main thread initialised the library of this process.
}
const state = new Int32Array(workerData.state);
const busy = 1 + workerData.index;
const session = p.C_OpenSession(Buffer.from(workerData.slot), pkcs11js.CKF_SERIAL_SESSION);
const out = Buffer.alloc(1024);
parentPort.on('message', (request) => {
  Atomics.store(state, busy, 1);
  try {
    if (Atomics.load(state, 0) === 1) throw new Error('the cryptographic module is closing');
    const key = Buffer.from(request.key);
    const signatures = [];
    for (const input of request.inputs) {
      p.C_SignInit(session, request.mechanism, key);
      signatures.push(Buffer.from(p.C_Sign(session, Buffer.from(input), out)));
    }
    parentPort.postMessage({ id: request.id, signatures });
  } catch (error) {
    parentPort.postMessage({ id: request.id, error: String((error && error.message) || error) });
  } finally {
    Atomics.store(state, busy, 0);
    Atomics.notify(state, busy);
  }
});
`;

interface Reply {
  readonly id?: number;
  readonly signatures?: Uint8Array[];
  readonly error?: string;
}

interface Pending {
  resolve(signatures: Buffer[]): void;
  reject(error: Error): void;
}

/** How long close() waits for a worker that is inside the library before finalising anyway. */
const CLOSE_WAIT_MS = 5000;

export class SigningWorkers {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  /** [closing, busy of worker 0, busy of worker 1, …]: close() must not finalise under a signature. */
  private readonly state: Int32Array;
  private nextId = 0;
  private nextWorker = 0;
  private failure: Error | undefined;

  constructor(modulePath: string, slot: Handle, count: number) {
    this.state = new Int32Array(new SharedArrayBuffer(4 * (count + 1)));
    const pkcs11jsPath = createRequire(import.meta.url).resolve('pkcs11js');
    // Loaded here, not with the module: a token signing inline (SoftHSM2, `shomei sign`) never starts a
    // worker, and node:worker_threads costs ~4 ms to load (ADR 050).
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    this.workers = Array.from({ length: count }, (_, index) => {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { pkcs11jsPath, modulePath, slot: new Uint8Array(slot), index, state: this.state.buffer },
      });
      worker.on('message', (reply: Reply) => this.settle(reply));
      worker.on('error', (error) => this.fail(error));
      worker.unref();
      return worker;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** Signs every input with the key, in chunks spread over the workers; results in input order. */
  async sign(key: Handle, mechanism: pkcs11types.Mechanism, inputs: readonly Buffer[]): Promise<Buffer[]> {
    if (this.failure !== undefined) throw this.failure;
    const size = Math.ceil(inputs.length / this.workers.length);
    const chunks: Promise<Buffer[]>[] = [];
    for (let start = 0; start < inputs.length; start += size) {
      chunks.push(this.post(key, mechanism, inputs.slice(start, start + size)));
    }
    return (await Promise.all(chunks)).flat();
  }

  /** Stops the workers, waiting (bounded) until none of them is inside the library. */
  close(): void {
    Atomics.store(this.state, 0, 1);
    const deadline = Date.now() + CLOSE_WAIT_MS;
    for (let i = 1; i < this.state.length; i += 1) {
      while (Atomics.load(this.state, i) === 1 && Date.now() < deadline) {
        Atomics.wait(this.state, i, 1, 50);
      }
    }
    for (const worker of this.workers) void worker.terminate();
    this.fail(new Error('the cryptographic module is closed'));
  }

  private post(key: Handle, mechanism: pkcs11types.Mechanism, inputs: Buffer[]): Promise<Buffer[]> {
    const id = this.nextId++;
    const worker = this.workers[this.nextWorker++ % this.workers.length]!;
    return new Promise<Buffer[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, key: new Uint8Array(key), mechanism, inputs });
    });
  }

  private settle(reply: Reply): void {
    if (reply.id === undefined) return;
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) for (const worker of this.workers) worker.unref();
    if (reply.error !== undefined) pending.reject(new Error(reply.error));
    else
      pending.resolve((reply.signatures ?? []).map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(error);
    }
  }
}
