/**
 * What bench/envelopes.ts and its customers' process (bench/envelopes-client.ts) say to each other
 * over the IPC channel of `fork`, and the server side's handle on that process.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

export interface ClientSetup {
  readonly base: string;
  readonly email: string;
  readonly password: string;
  /** The sender's TOTP secret (the login's second factor). */
  readonly totp: string;
  readonly senderId: string;
  /** Party A's signing credentials, each with its TOTP secret (a code is accepted once per step). */
  readonly credentials: readonly { readonly id: string; readonly totp: string }[];
  readonly pdfFile: string;
}

type ClientAsk =
  | { readonly type: 'setup'; readonly setup: ClientSetup }
  | { readonly type: 'slice'; readonly concurrency: number; readonly seconds: number }
  | { readonly type: 'download'; readonly file: string };
export type ClientRequest = { readonly id: number } & ClientAsk;

export interface SliceResult {
  readonly count: number;
  /** Creation to completion, summed over the slice's envelopes. */
  readonly latencySeconds: number;
  readonly credentialWaitMs: number;
  /** Wall time per step (queueing included), summed over the slice's envelopes. */
  readonly steps: readonly (readonly [string, number])[];
  /** CPU of the customers' process during the slice (not the server's). */
  readonly clientCpuMs: number;
}

type Answer = { readonly id: number } & (
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: string }
);

/** The customers' process, started beside this one (the same loader: tsx, or the prebuilt bundle). */
export class CustomersProcess {
  private readonly child: ChildProcess;
  private next = 0;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor() {
    const extension = path.extname(import.meta.filename);
    this.child = fork(path.join(import.meta.dirname, `envelopes-client${extension}`), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (answer: Answer) => {
      const waiter = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (answer.ok) waiter?.resolve(answer.result);
      else waiter?.reject(new Error(`customers: ${answer.error}`));
    });
    this.child.on('exit', (code) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`customers exited (${code})`));
      this.waiting.clear();
    });
  }

  /** The customers' process id (its CPU is not the server's). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  setup(setup: ClientSetup): Promise<unknown> {
    return this.ask({ type: 'setup', setup });
  }

  slice(concurrency: number, seconds: number): Promise<SliceResult> {
    return this.ask({ type: 'slice', concurrency, seconds }) as Promise<SliceResult>;
  }

  download(file: string): Promise<{ envelopeId: string; bytes: number }> {
    return this.ask({ type: 'download', file }) as Promise<{ envelopeId: string; bytes: number }>;
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }

  private ask(request: ClientAsk): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...request, id });
    });
  }
}
