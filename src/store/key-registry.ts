/**
 * The record of every key shomei created or imported, and when and why it was destroyed. The key
 * itself lives only in the HSM; this registry keeps what auditors need after the key is gone.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { shomeiError } from '../errors/index.ts';
import type { DestructionLog } from './destruction-log.ts';
import type { FoundationTables, KeyRecordTable } from './tables.ts';

export type KeyRecord = KeyRecordTable;

export interface NewKeyRecord {
  readonly keyId: string;
  readonly label: string;
  readonly kind: string;
  readonly algorithm: string;
  readonly purpose: string;
  readonly publicKey?: Uint8Array | undefined;
}

export function publicKeyFingerprint(spki: Uint8Array): string {
  return createHash('sha256').update(spki).digest('hex');
}

export class KeyRegistry {
  constructor(
    private readonly db: Kysely<FoundationTables>,
    /** Where destructions are also written outside the database, for a restore to re-apply (ADR 032). */
    readonly destructionLog?: DestructionLog,
  ) {}

  async record(key: NewKeyRecord, now: Date = new Date()): Promise<KeyRecord> {
    const row: KeyRecord = {
      key_id: key.keyId,
      label: key.label,
      kind: key.kind,
      algorithm: key.algorithm,
      purpose: key.purpose,
      public_key_sha256: key.publicKey === undefined ? null : publicKeyFingerprint(key.publicKey),
      status: 'active',
      created_at: now.toISOString(),
      destroyed_at: null,
      destroy_reason: null,
    };
    try {
      await this.db.insertInto('key_records').values(row).execute();
    } catch (error) {
      if (/unique|duplicate/i.test(String((error as Error).message))) {
        throw shomeiError(
          'SHOMEI_KEY_ALREADY_PRESENT',
          '同じ公開鍵または鍵 ID が既に登録されています。',
          'The same public key or key id is already registered.',
          { status: 409, details: { keyId: key.keyId } },
        );
      }
      throw error;
    }
    return row;
  }

  async markDestroyed(keyId: string, reason: string, now: Date = new Date()): Promise<void> {
    const result = await this.db
      .updateTable('key_records')
      .set({ status: 'destroyed', destroyed_at: now.toISOString(), destroy_reason: reason })
      .where('key_id', '=', keyId)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      throw shomeiError(
        'SHOMEI_KEY_NOT_FOUND',
        `有効な鍵 ${keyId} の記録がありません。`,
        `There is no record of an active key ${keyId}.`,
        { status: 404, details: { keyId } },
      );
    }
    this.destructionLog?.append({ kind: 'key', id: keyId, at: now.toISOString(), reason });
  }

  async get(keyId: string): Promise<KeyRecord | undefined> {
    return this.db.selectFrom('key_records').selectAll().where('key_id', '=', keyId).executeTakeFirst();
  }

  async findActiveByPurpose(purpose: string): Promise<KeyRecord[]> {
    return this.db
      .selectFrom('key_records')
      .selectAll()
      .where('purpose', '=', purpose)
      .where('status', '=', 'active')
      .orderBy('created_at')
      .execute();
  }

  async list(filter: { status?: 'active' | 'destroyed' } = {}): Promise<KeyRecord[]> {
    let query = this.db.selectFrom('key_records').selectAll();
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    return query.orderBy('created_at').orderBy('key_id').execute();
  }
}
