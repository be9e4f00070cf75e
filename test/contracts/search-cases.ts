/**
 * 電子帳簿保存法 search over the API, checked for exact results against the same filter applied in
 * JavaScript to the seeded rows, on whichever database the harness opened.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import type { ContractsTables } from '../../src/contracts/index.ts';
import type { DialectName } from '../../src/store/index.ts';
import { adminApiKey, Client, type ContractsHarness, createUser, json } from './harness.ts';
import { searchBackfillCase } from './search-backfill.ts';

type Row = ContractsTables['contract_envelopes'];

const COUNTERPARTIES = ['株式会社アルファ', 'ベータ合同会社', 'Gamma Inc.', '100%_Corp'];

function seedRows(tenantId: string, createdBy: string, n: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const day = 1 + (i % 28);
    const month = 1 + (i % 12);
    rows.push({
      id: randomUUID(),
      tenant_id: tenantId,
      title: i % 5 === 0 ? `業務委託契約書 ${i}` : `売買契約書 ${i}`,
      counterparty: COUNTERPARTIES[i % COUNTERPARTIES.length]!,
      transaction_date:
        i % 17 === 0 ? null : `2025-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      amount: i % 13 === 0 ? null : (i * 7919) % 5_000_000,
      currency: 'JPY',
      status: i % 3 === 0 ? 'completed' : 'sent',
      signing_order: 'sequential',
      message: null,
      expires_at: null,
      created_by: createdBy,
      // Equal created_at for pairs of rows exercises the id tie-break of the cursor.
      created_at: new Date(Date.UTC(2025, 0, 1) + Math.floor(i / 2) * 60_000).toISOString(),
      updated_at: new Date().toISOString(),
      sent_at: null,
      completed_at: null,
      closed_reason: null,
      retention_until: null,
      legal_hold: 0,
      // As older code wrote them: no search columns, so search falls back to lower() of the value.
      search_title: null,
      search_counterparty: null,
    });
  }
  return rows;
}

interface Filter {
  transactionDateFrom?: string;
  transactionDateTo?: string;
  amountMin?: number;
  amountMax?: number;
  counterparty?: string;
  counterpartyMatch?: 'exact' | 'contains';
  title?: string;
  status?: string;
  orderBy?: 'created' | 'transactionDate';
}

function expected(rows: readonly Row[], f: Filter): string[] {
  return rows
    .filter(
      (r) =>
        f.transactionDateFrom === undefined ||
        (r.transaction_date !== null && r.transaction_date >= f.transactionDateFrom),
    )
    .filter(
      (r) =>
        f.transactionDateTo === undefined ||
        (r.transaction_date !== null && r.transaction_date <= f.transactionDateTo),
    )
    .filter((r) => f.amountMin === undefined || (r.amount !== null && Number(r.amount) >= f.amountMin))
    .filter((r) => f.amountMax === undefined || (r.amount !== null && Number(r.amount) <= f.amountMax))
    .filter(
      (r) =>
        f.counterparty === undefined ||
        (f.counterpartyMatch === 'contains'
          ? r.counterparty.toLowerCase().includes(f.counterparty.normalize('NFKC').toLowerCase())
          : r.counterparty === f.counterparty.normalize('NFKC')),
    )
    .filter(
      (r) => f.title === undefined || r.title.toLowerCase().includes(f.title.normalize('NFKC').toLowerCase()),
    )
    .filter((r) => f.status === undefined || r.status === f.status)
    .filter((r) => f.orderBy !== 'transactionDate' || r.transaction_date !== null)
    .sort((a, b) => {
      const [x, y] =
        f.orderBy === 'transactionDate'
          ? [a.transaction_date!, b.transaction_date!]
          : [a.created_at, b.created_at];
      return x === y ? (a.id < b.id ? 1 : -1) : x < y ? 1 : -1;
    })
    .map((r) => r.id);
}

async function allPages(client: Client, f: Filter, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const query = new URLSearchParams({
      ...(Object.fromEntries(Object.entries(f).map(([k, v]) => [k, String(v)])) as Record<string, string>),
      limit: String(limit),
    });
    if (cursor !== null) query.set('cursor', cursor);
    const response = await client.send('GET', `/api/envelopes?${query}`);
    assert.equal(response.statusCode, 200, response.body);
    const body = json<{ items: { id: string }[]; nextCursor: string | null }>(response);
    ids.push(...body.items.map((i) => i.id));
    cursor = body.nextCursor;
    if (cursor === null) return ids;
  }
  throw new Error('too many pages');
}

export function searchCases(harness: () => ContractsHarness, dialect: DialectName): void {
  searchBackfillCase(dialect);
  it('returns exactly the matching envelopes of the tenant, for each filter and combinations, across pages', async () => {
    const h = harness();
    const owner = await createUser(h, { email: 'keiri@a.example', tenantSlug: 'search-a' });
    const other = await createUser(h, { email: 'keiri@b.example', tenantSlug: 'search-b' });
    const rows = seedRows(owner.tenantId, owner.id, 240);
    const foreign = seedRows(other.tenantId, other.id, 60);
    const db = h.contracts.context.db;
    await db.insertInto('contract_envelopes').values(rows).execute();
    await db.insertInto('contract_envelopes').values(foreign).execute();
    const key = await adminApiKey(h, owner, ['envelopes:read']);
    const client = new Client(h.app);
    client.headers.authorization = `Bearer ${key.key}`;

    const filters: Filter[] = [
      {},
      { transactionDateFrom: '2025-03-01', transactionDateTo: '2025-06-30' },
      { amountMin: 1_000_000, amountMax: 2_500_000 },
      { counterparty: '株式会社アルファ' },
      { counterparty: 'gamma', counterpartyMatch: 'contains' },
      { counterparty: '%_', counterpartyMatch: 'contains' },
      // Half-width kana and full-width Latin find the same records (NFKC, issue #19).
      { counterparty: 'ｱﾙﾌｧ', counterpartyMatch: 'contains' },
      { counterparty: 'ＧＡＭＭＡ', counterpartyMatch: 'contains' },
      { counterparty: 'ﾍﾞｰﾀ合同会社' },
      {
        transactionDateFrom: '2025-02-01',
        amountMax: 3_000_000,
        counterparty: 'ベータ合同会社',
        status: 'completed',
      },
      { title: '業務委託' },
      { transactionDateFrom: '2025-12-01', transactionDateTo: '2025-11-01' },
      { amountMin: 0, amountMax: 0 },
      { orderBy: 'transactionDate' },
      {
        orderBy: 'transactionDate',
        transactionDateFrom: '2025-05-01',
        amountMin: 100_000,
        counterparty: 'Gamma Inc.',
      },
    ];
    for (const f of filters) {
      const want = expected(rows, f);
      assert.deepEqual(await allPages(client, f, 50), want, JSON.stringify(f));
      assert.deepEqual(await allPages(client, f, 7), want, `paged by 7: ${JSON.stringify(f)}`);
    }

    // Written through the API in half-width, found in full-width and the other way round (issue #19).
    const writer2 = new Client(h.app);
    writer2.headers.authorization = `Bearer ${(await adminApiKey(h, owner, ['envelopes:write'])).key}`;
    const made: string[] = [];
    for (const [title, counterparty] of [
      ['ｻﾝﾌﾟﾙ覚書', 'ｻﾝﾌﾟﾙ商事'],
      ['ＡＢＣ覚書', 'ＡＢＣ商事'],
    ]) {
      const created = await writer2.send('POST', '/api/envelopes', {
        title,
        counterparty,
        parties: [{ role: 'signer', signingMode: 'witness-type', email: 'x@c.example', name: '鈴木 一郎' }],
      });
      assert.equal(created.statusCode, 201, created.body);
      made.push(json<{ id: string }>(created).id);
    }
    assert.deepEqual(await allPages(client, { title: 'サンプル覚書' }, 50), [made[0]]);
    assert.deepEqual(await allPages(client, { counterparty: 'サンプル商事' }, 50), [made[0]]);
    assert.deepEqual(await allPages(client, { title: 'abc' }, 50), [made[1]]);
    assert.deepEqual(await allPages(client, { counterparty: 'abc商事' }, 50), [made[1]]);

    const bad = await client.send('GET', '/api/envelopes?amountMin=5&amountMax=1');
    assert.equal(bad.statusCode, 400);
    assert.equal((await client.send('GET', '/api/envelopes?transactionDateFrom=2025-13-01')).statusCode, 400);
    assert.equal((await client.send('GET', '/api/envelopes?cursor=not-a-cursor')).statusCode, 400);
    const byDate = json<{ nextCursor: string }>(
      await client.send('GET', '/api/envelopes?orderBy=transactionDate&limit=2'),
    );
    const mixed = await client.send('GET', `/api/envelopes?cursor=${byDate.nextCursor}`);
    assert.equal(mixed.statusCode, 400, 'a cursor of one order is refused for another');
    assert.equal((await client.send('GET', '/api/envelopes?limit=100000')).statusCode, 400);
    assert.equal((await client.send('GET', '/api/envelopes?unknown=1')).statusCode, 400);

    // A key without the read scope, and a revoked key, find nothing.
    const writer = await adminApiKey(h, owner, ['envelopes:write']);
    const writeOnly = new Client(h.app);
    writeOnly.headers.authorization = `Bearer ${writer.key}`;
    assert.equal((await writeOnly.send('GET', '/api/envelopes')).statusCode, 403);
    const forged = new Client(h.app);
    forged.headers.authorization = `Bearer shk_${key.id}_${'A'.repeat(43)}`;
    assert.equal((await forged.send('GET', '/api/envelopes')).statusCode, 401);
  });
}
