/**
 * A fixed pool of logged-in PKCS#11 sessions. A PKCS#11 session runs one operation at a time, so
 * concurrent signatures each borrow a session; with at least one session per core, signing keeps both
 * cores busy (C_Sign runs on libuv's thread pool through pkcs11js' async call).
 *
 * When the token goes away and comes back (a SoftHSM2 directory moved, a network HSM restarted) the
 * sessions, the login and every object handle are gone for good; `recovering` re-initialises the
 * module, opens and logs in new sessions and runs the operation once more, so signing resumes
 * without a restart (issue #22).
 */
import { shomeiError } from '../errors/index.ts';
import { toCryptoError } from './errors.ts';
import { type Handle, type Pkcs11, pkcs11js, reinitialiseLibrary } from './library.ts';
import { findExistingTokenSlot } from './token.ts';

/** Where the pool's token is, so that it can be found again after the module was re-initialised. */
export interface SessionPoolLocation {
  readonly modulePath: string;
  readonly tokenLabel: string;
}

/** PKCS#11 results after which the sessions (not the request) are what is broken. */
const SESSION_LOST =
  /CKR_(OBJECT_HANDLE_INVALID|KEY_HANDLE_INVALID|SESSION_HANDLE_INVALID|SESSION_CLOSED|USER_NOT_LOGGED_IN|TOKEN_NOT_PRESENT|TOKEN_NOT_RECOGNIZED|DEVICE_REMOVED|DEVICE_ERROR|GENERAL_ERROR|CRYPTOKI_NOT_INITIALIZED|SLOT_ID_INVALID)/;

/** CKS_RO_USER_FUNCTIONS (1) and CKS_RW_USER_FUNCTIONS (3): pkcs11js exports no CKS_ constants. */
const LOGGED_IN_STATES = new Set([1, 3]);

export class SessionPool {
  private idle: Handle[] = [];
  private readonly waiting: Array<(session: Handle) => void> = [];
  private all: Handle[] = [];
  private readonly reopenListeners: Array<() => void> = [];
  private reopening: Promise<void> | undefined;

  constructor(
    private pkcs11: Pkcs11,
    private currentSlot: Handle,
    private readonly userPin: string,
    private readonly sessions: number,
    private readonly location?: SessionPoolLocation,
  ) {
    this.openSessions();
  }

  private openSessions(): void {
    try {
      for (let i = 0; i < this.sessions; i += 1) {
        const session = this.pkcs11.C_OpenSession(
          this.currentSlot,
          pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION,
        );
        this.all.push(session);
        this.idle.push(session);
      }
      // Login is per application and token: one login covers every session of this process.
      this.pkcs11.C_Login(this.all[0]!, pkcs11js.CKU_USER, this.userPin);
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

  /** Sessions open, idle, and callers waiting for one (the HSM session pool gauge). */
  state(): { total: number; idle: number; waiting: number } {
    return { total: this.all.length, idle: this.idle.length, waiting: this.waiting.length };
  }

  /** The token's slot; it may change when the module is re-initialised. */
  get slot(): Handle {
    return this.currentSlot;
  }

  /** True when no other operation is running or waiting. */
  get uncontended(): boolean {
    return this.idle.length === this.all.length && this.waiting.length === 0;
  }

  /** Called after the sessions were replaced: object handles cached anywhere are stale then. */
  onReopen(listener: () => void): void {
    this.reopenListeners.push(listener);
  }

  async use<T>(work: (session: Handle) => Promise<T> | T): Promise<T> {
    const session = this.idle.pop() ?? (await new Promise<Handle>((resolve) => this.waiting.push(resolve)));
    try {
      return await work(session);
    } finally {
      this.release(session);
    }
  }

  private release(session: Handle): void {
    // A session of the generation before a reopen is dead: hand on a live one instead, if any.
    const live = this.all.includes(session) ? session : this.idle.pop();
    if (live === undefined) return;
    const next = this.waiting.shift();
    if (next !== undefined) next(live);
    else this.idle.push(live);
  }

  /**
   * Runs `operation`; when it fails because the token's sessions were lost (or the login silently
   * ended, which makes every key look absent), reopens the pool and runs it once more.
   */
  async recovering<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (this.location === undefined || !(await this.sessionsLost(error))) throw error;
      await this.reopen();
      return operation();
    }
  }

  private async sessionsLost(error: unknown): Promise<boolean> {
    const text = `${(error as Error)?.message} ${((error as { cause?: Error })?.cause as Error)?.message}`;
    if (SESSION_LOST.test(text)) return true;
    if ((error as { code?: string })?.code !== 'SHOMEI_KEY_NOT_FOUND') return false;
    try {
      const info = this.pkcs11.C_GetSessionInfo(this.all[0]!);
      return !LOGGED_IN_STATES.has(info.state);
    } catch {
      return true;
    }
  }

  /** Re-initialises the module and replaces every session; concurrent callers share one attempt. */
  reopen(): Promise<void> {
    this.reopening ??= Promise.resolve()
      .then(() => this.reopenNow())
      .finally(() => {
        this.reopening = undefined;
      });
    return this.reopening;
  }

  private reopenNow(): void {
    const location = this.location!;
    this.pkcs11 = reinitialiseLibrary(location.modulePath);
    this.all = [];
    this.idle = [];
    const slot = findExistingTokenSlot(this.pkcs11, location.tokenLabel);
    if (slot === undefined) {
      throw shomeiError(
        'SHOMEI_HSM_TOKEN_NOT_FOUND',
        `ラベル "${location.tokenLabel}" のトークンが見つかりません (HSM またはトークンの置き場所を確認してください)。`,
        `No token labelled "${location.tokenLabel}" was found (check the HSM or the token directory).`,
        { status: 503, details: { tokenLabel: location.tokenLabel } },
      );
    }
    this.currentSlot = slot;
    this.openSessions();
    for (const listener of this.reopenListeners) listener();
    while (this.waiting.length > 0 && this.idle.length > 0) this.waiting.shift()!(this.idle.pop()!);
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
