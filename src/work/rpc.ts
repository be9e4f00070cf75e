/**
 * Calls from a job on a worker back to the calling thread, over a MessagePort given with the job.
 * Used for what must stay on the main thread: the HSM (keys live in its PKCS#11 session, ADR 015),
 * the database, the embedded TSA and CA. The worker side sees ordinary async functions.
 */
import type { MessagePort } from 'node:worker_threads';
import { type JobOutcome, outcomeOf, unwrapOutcome } from './protocol.ts';

type Handlers = Record<string, (...args: never[]) => Promise<unknown>>;

/** Buffers arrive as plain Uint8Arrays after a structured clone; callers rely on Buffer methods. */
export function asBuffers<T>(value: T): T {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength) as T;
  if (Array.isArray(value)) return value.map(asBuffers) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asBuffers(v)])) as T;
  }
  return value;
}

interface Call {
  readonly id: number;
  readonly method: string;
  readonly args: unknown[];
}

/** Answers the worker's calls on `port` with `handlers` until the port is closed. */
export function serveCalls(port: MessagePort, handlers: Handlers): void {
  port.on('message', async (call: Call) => {
    const handler = handlers[call.method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    const outcome: JobOutcome = await outcomeOf(async () => {
      if (handler === undefined) throw new Error(`no such call ${call.method}`);
      return handler(...asBuffers(call.args));
    });
    port.postMessage({ id: call.id, outcome });
  });
}

/** The worker's side: `call(method, …args)` resolves with the handler's result or its typed error. */
export function callerOn(port: MessagePort): (method: string, ...args: unknown[]) => Promise<unknown> {
  let next = 0;
  const pending = new Map<number, (outcome: JobOutcome) => void>();
  port.on('message', (reply: { id: number; outcome: JobOutcome }) => {
    pending.get(reply.id)?.(reply.outcome);
    pending.delete(reply.id);
  });
  return (method, ...args) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, (outcome) => {
        try {
          resolve(asBuffers(unwrapOutcome(outcome)));
        } catch (error) {
          reject(error);
        }
      });
      port.postMessage({ id, method, args } satisfies Call);
    });
}
