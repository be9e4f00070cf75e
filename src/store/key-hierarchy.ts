/**
 * The key hierarchy (ADR 017): every per-credential signing key is kept here as a row, wrapped
 * under its purpose's KEK (kek-ring.ts), instead of as an object in the token. The token holds
 * O(purposes × epochs) objects however many credentials there are.
 */
import type { Kysely } from 'kysely';
import type { KeyAlgorithm, WrappedKey, WrappedKeyStore } from '../crypto/index.ts';
import type { KekRing } from './kek-ring.ts';
import type { FoundationTables } from './tables.ts';

export type WrappedKeyTable = {
  key_id: string;
  purpose: string;
  owner: string;
  kek_id: string;
  algorithm: string;
  public_key: Uint8Array;
  wrapped: Uint8Array;
  created_at: string;
  updated_at: string;
};

export type KeyHierarchyTables = {
  wrapped_keys: WrappedKeyTable;
};

/**
 * Writes go through the main connection, lookups may use one of their own. On SQLite a signature is
 * made inside a transaction holding the main connection, so `find` cannot queue behind it. A write
 * on that second connection is another matter: better-sqlite3 waits for SQLite's lock synchronously,
 * so while another request's write transaction sat between two statements the wait stopped the
 * event loop that transaction needed to commit, and busy_timeout ended in SQLITE_BUSY (8 credentials
 * created at once, issue #20). On the main connection Kysely queues the write behind that
 * transaction instead. No write here runs inside a transaction of the main connection.
 */
export class KeyHierarchy implements WrappedKeyStore {
  private readonly db: Kysely<FoundationTables & KeyHierarchyTables>;
  private readonly lookups: Kysely<FoundationTables & KeyHierarchyTables>;

  constructor(
    db: Kysely<FoundationTables>,
    readonly keks: KekRing,
    lookups: Kysely<FoundationTables> = db,
  ) {
    this.db = db.withTables<KeyHierarchyTables>();
    this.lookups = lookups.withTables<KeyHierarchyTables>();
  }

  currentKek(purpose: string): Promise<string> {
    return this.keks.currentKek(purpose);
  }

  async find(keyId: string): Promise<WrappedKey | undefined> {
    const row = await this.lookups
      .selectFrom('wrapped_keys')
      .selectAll()
      .where('key_id', '=', keyId)
      .executeTakeFirst();
    return row === undefined ? undefined : toWrappedKey(row);
  }

  /** Inserts a key, or replaces its blob and KEK after a re-wrap (one statement, no read first). */
  async save(key: WrappedKey): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .insertInto('wrapped_keys')
      .values({
        key_id: key.keyId,
        purpose: key.purpose,
        owner: key.owner,
        kek_id: key.kekId,
        algorithm: key.algorithm,
        public_key: key.publicKey,
        wrapped: key.wrapped,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('key_id').doUpdateSet({ kek_id: key.kekId, wrapped: key.wrapped, updated_at: now }),
      )
      .execute();
  }

  async remove(keyId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('wrapped_keys').where('key_id', '=', keyId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Wrapped keys per KEK: what a rotation still has to re-wrap before an epoch can go. */
  async countByKek(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('wrapped_keys')
      .select(['kek_id', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('kek_id')
      .execute();
    return new Map(rows.map((r) => [r.kek_id, Number(r.n)]));
  }

  /** Key ids still wrapped under a KEK, a page at a time (for re-wrapping). */
  async keysUnder(kekId: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('wrapped_keys')
      .select('key_id')
      .where('kek_id', '=', kekId)
      .orderBy('key_id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.key_id);
  }
}

function toWrappedKey(row: WrappedKeyTable): WrappedKey {
  return {
    keyId: row.key_id,
    purpose: row.purpose,
    owner: row.owner,
    kekId: row.kek_id,
    algorithm: row.algorithm as KeyAlgorithm,
    publicKey: Buffer.from(row.public_key),
    wrapped: Buffer.from(row.wrapped),
  };
}
