/**
 * A fixed pool of logged-in PKCS#11 sessions. A PKCS#11 session runs one operation at a time, so
 * concurrent signatures each borrow a session; with at least one session per core, signing keeps both
 * cores busy (C_Sign runs on libuv's thread pool through pkcs11js' async call).
 */
import { toCryptoError } from './errors.ts';
import { type Handle, type Pkcs11, pkcs11js } from './library.ts';

export class SessionPool {
  private readonly idle: Handle[] = [];
  private readonly waiting: Array<(session: Handle) => void> = [];
  private readonly all: Handle[] = [];

  constructor(
    private readonly pkcs11: Pkcs11,
    slot: Handle,
    userPin: string,
    size: number,
  ) {
    try {
      for (let i = 0; i < size; i += 1) {
        const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
        this.all.push(session);
        this.idle.push(session);
      }
      // Login is per application and token: one login covers every session of this process.
      pkcs11.C_Login(this.all[0]!, pkcs11js.CKU_USER, userPin);
    } catch (error) {
      const alreadyLoggedIn = /CKR_USER_ALREADY_LOGGED_IN/.test(String((error as Error)?.message));
      if (!alreadyLoggedIn) {
        this.close();
        throw toCryptoError(error, 'C_Login');
      }
    }
  }

  get size(): number {
    return this.all.length;
  }

  /** True when no other operation is running or waiting. */
  get uncontended(): boolean {
    return this.idle.length === this.all.length && this.waiting.length === 0;
  }

  async use<T>(work: (session: Handle) => Promise<T> | T): Promise<T> {
    const session = this.idle.pop() ?? (await new Promise<Handle>((resolve) => this.waiting.push(resolve)));
    try {
      return await work(session);
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next(session);
      else this.idle.push(session);
    }
  }

  close(): void {
    for (const session of this.all) {
      try {
        this.pkcs11.C_CloseSession(session);
      } catch {
        // Closing is best effort: the library is finalised next anyway.
      }
    }
    this.all.length = 0;
    this.idle.length = 0;
  }
}
