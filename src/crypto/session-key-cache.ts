/**
 * Unwrapped signing keys live as session objects (CKA_TOKEN false) in a bounded LRU: a credential
 * used again soon signs without another C_UnwrapKey, and the module never holds more than `capacity`
 * idle ones however many credentials exist. A key is evicted only when no signature is using it, so
 * a handle is never destroyed under a running C_Sign; while every entry is in use the cache may run
 * over its capacity, and it trims itself as signatures finish.
 */
import type { KeyAlgorithm } from './algorithms.ts';
import type { Handle } from './library.ts';

export interface SessionKey {
  readonly handle: Handle;
  readonly algorithm: KeyAlgorithm;
}

interface Entry extends SessionKey {
  users: number;
}

export class SessionKeyCache {
  /** Map order is use order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  /** Forgotten while a signature still used them: destroyed when that signature ends. */
  private readonly doomed = new Set<Entry>();
  private evictions = 0;

  constructor(
    readonly capacity: number,
    private readonly destroy: (handle: Handle) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** How many session objects were destroyed to make room, since the module opened. */
  get evicted(): number {
    return this.evictions;
  }

  /** Takes a cached key for one signature (undefined when not cached); pair with release(). */
  acquire(keyId: string): SessionKey | undefined {
    const entry = this.entries.get(keyId);
    if (entry === undefined) return undefined;
    entry.users += 1;
    this.entries.delete(keyId);
    this.entries.set(keyId, entry);
    return entry;
  }

  /** Adds a freshly unwrapped key, already acquired once for the caller. */
  insertAcquired(keyId: string, key: SessionKey): SessionKey {
    const previous = this.entries.get(keyId);
    if (previous !== undefined) {
      // Two unwraps of the same key raced: keep the first, destroy the second copy.
      this.destroy(key.handle);
      previous.users += 1;
      return previous;
    }
    const entry: Entry = { ...key, users: 1 };
    this.entries.set(keyId, entry);
    this.trim();
    return entry;
  }

  release(keyId: string, key: SessionKey): void {
    const entry = this.entries.get(keyId);
    if (entry !== undefined && entry === key) entry.users = Math.max(0, entry.users - 1);
    for (const gone of this.doomed) {
      if (gone !== key) continue;
      gone.users -= 1;
      if (gone.users <= 0) {
        this.doomed.delete(gone);
        this.destroy(gone.handle);
      }
    }
    this.trim();
  }

  /** Removes a key (its wrapped copy was destroyed); a running signature keeps its handle until it ends. */
  forget(keyId: string): void {
    const entry = this.entries.get(keyId);
    if (entry === undefined) return;
    this.entries.delete(keyId);
    if (entry.users === 0) this.destroy(entry.handle);
    else this.doomed.add(entry);
  }

  /** Forgets every entry without destroying (the sessions, and so the objects, are gone already). */
  clear(): void {
    this.entries.clear();
    this.doomed.clear();
  }

  /** Destroys every idle entry now, and each one in use when its signature ends. */
  destroyAll(): void {
    for (const keyId of [...this.entries.keys()]) this.forget(keyId);
  }

  private trim(): void {
    if (this.entries.size <= this.capacity) return;
    for (const [keyId, entry] of this.entries) {
      if (this.entries.size <= this.capacity) return;
      if (entry.users > 0) continue;
      this.entries.delete(keyId);
      this.evictions += 1;
      this.destroy(entry.handle);
    }
  }
}
