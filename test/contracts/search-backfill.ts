/**
 * Search in either width for rows stored before the search columns existed (issue #19): a database
 * migrated up to 0759 gets rows with half-width and full-width titles and counterparties, then the
 * 0760 migration backfills them, and searchEnvelopes finds each by the other width.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { type ContractActor, contractsMigrations, searchEnvelopes } from '../../src/contracts/index.ts';
import {
  applyMigrations,
  type Database,
  type DialectName,
  foundationMigrations,
  openDatabase,
} from '../../src/store/index.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

const ACTOR: ContractActor = {
  kind: 'api-key',
  keyId: 'k',
  tenantId: 't1',
  userId: 'u1',
  scopes: ['envelopes:read'],
};

async function withDatabase(dialect: DialectName, use: (database: Database) => Promise<void>) {
  if (dialect === 'postgres') {
    const scratch = await createTestDatabase();
    const database = openDatabase(scratch.url);
    try {
      await use(database);
    } finally {
      await database.close();
      await scratch.drop();
    }
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-search-backfill-'));
  const database = openDatabase(`sqlite:${path.join(dir, 'db.sqlite')}`);
  try {
    await use(database);
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const STORED = [
  ['e1', 'ｻﾝﾌﾟﾙ業務委託契約書', 'ｶﾌﾞｼｷｶﾞｲｼｬｱﾙﾌｧ'],
  ['e2', 'サンプル売買契約書', '株式会社アルファ'],
  ['e3', 'ＮＤＡ（秘密保持）', 'ＧＡＭＭＡ Inc.'],
  ['e4', '賃貸借契約書', 'ベータ合同会社'],
] as const;

export function searchBackfillCase(dialect: DialectName): void {
  it('finds rows stored in either width once the migration has backfilled them', async () => {
    await withDatabase(dialect, async (database) => {
      const all = contractsMigrations(database.dialect);
      const before = Object.fromEntries(Object.entries(all).filter(([name]) => name < '0760'));
      await applyMigrations(database.db, [foundationMigrations(database.dialect), before]);
      const now = new Date().toISOString();
      for (const [id, title, counterparty] of STORED) {
        await database.db
          .insertInto('contract_envelopes' as never)
          .values({
            id,
            tenant_id: 't1',
            title,
            counterparty,
            currency: 'JPY',
            status: 'sent',
            signing_order: 'parallel',
            created_by: 'u1',
            created_at: now,
            updated_at: now,
            legal_hold: 0,
          } as never)
          .execute();
      }
      const applied = await applyMigrations(database.db, [foundationMigrations(database.dialect), all]);
      assert.ok(applied.includes('0760_contracts_search_normalised'), applied.join(', '));
      const found = async (filter: Record<string, string>) =>
        (await searchEnvelopes(database.db as never, ACTOR, filter)).items.map((i) => i.id).sort();
      assert.deepEqual(await found({ title: 'サンプル' }), ['e1', 'e2']);
      assert.deepEqual(await found({ title: 'ｻﾝﾌﾟﾙ' }), ['e1', 'e2']);
      assert.deepEqual(await found({ title: 'nda' }), ['e3']);
      assert.deepEqual(await found({ title: '(秘密' }), ['e3'], 'full-width brackets meet half-width');
      assert.deepEqual(await found({ counterparty: 'gamma', counterpartyMatch: 'contains' }), ['e3']);
      assert.deepEqual(await found({ counterparty: 'カブシキガイシャアルファ' }), ['e1']);
      assert.deepEqual(await found({ counterparty: 'ｶﾌﾞｼｷｶﾞｲｼｬｱﾙﾌｧ' }), ['e1']);
      // The shown value keeps the spelling it was stored in.
      const shown = await searchEnvelopes(database.db as never, ACTOR, { title: 'ｻﾝﾌﾟﾙ業務' });
      assert.equal(shown.items[0]?.title, 'ｻﾝﾌﾟﾙ業務委託契約書');
    });
  });
}
