/**
 * 訂正削除の履歴: metadata corrections need a reason and keep before/after, who and when; deletions
 * (crypto-shreds) are logged likewise; the log is append-only, searchable by date range, record and
 * user, paginated, and readable only by tenant administrators, holders of corrections.read and
 * installation auditors. Each entry is also in the audit chain.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { searchRecordLog, setPermission } from '../../src/contracts/index.ts';
import {
  type Client,
  type ContractsHarness,
  createUser,
  json,
  login,
  openContractsHarness,
  samplePdf,
} from './harness.ts';

type Entry = {
  id: string;
  recordId: string;
  kind: string;
  changes: Record<string, { before: unknown; after: unknown }>;
  reason: string;
  actor: { kind: string; id: string };
  at: string;
};
type Page = { items: Entry[]; nextCursor: string | null };

let h: ContractsHarness;
let admin: Client;
let member: Client;
let reader: Client;
let outsider: Client;
let adminId: string;
let memberId: string;
let tenantId: string;
let otherTenantId: string;
let recordId: string;
let draftId: string;
let memberRecordId: string;

function errorCode(response: { body: string }): string {
  return json<{ error: { code: string } }>(response).error.code;
}

async function importScan(
  client: Client,
  title: string,
  amount: number,
  counterparty: string,
): Promise<string> {
  const response = await client.send('POST', '/api/imports', {
    title,
    counterparty,
    transactionDate: '2024-06-01',
    amount,
    source: 'paper-scan',
    pdfBase64: samplePdf().toString('base64'),
  });
  assert.equal(response.statusCode, 201, response.body);
  return json<{ record: { id: string } }>(response).record.id;
}

before(async () => {
  h = await openContractsHarness();
  const a = await createUser(h, { email: 'admin@corr-a.example', tenantSlug: 'corr-a' });
  const m = await createUser(h, { email: 'member@corr-a.example', tenantSlug: 'corr-a' });
  const r = await createUser(h, { email: 'reader@corr-a.example', tenantSlug: 'corr-a' });
  const o = await createUser(h, { email: 'admin@corr-b.example', tenantSlug: 'corr-b' });
  adminId = a.id;
  memberId = m.id;
  tenantId = a.tenantId;
  otherTenantId = o.tenantId;
  const operator = { kind: 'operator' as const, id: 'test' };
  await setPermission(h.contracts.context, operator, tenantId, {
    userId: a.id,
    permission: 'tenant.admin',
    granted: true,
  });
  await setPermission(h.contracts.context, operator, tenantId, {
    userId: r.id,
    permission: 'corrections.read',
    granted: true,
  });
  await setPermission(h.contracts.context, operator, otherTenantId, {
    userId: o.id,
    permission: 'tenant.admin',
    granted: true,
  });
  admin = await login(h.app, a.email);
  member = await login(h.app, m.email);
  reader = await login(h.app, r.email);
  outsider = await login(h.app, o.email);
  recordId = await importScan(admin, '請負契約書', 500_000, '株式会社訂正前');
  memberRecordId = await importScan(member, '秘密保持契約書', 0, '合同会社メンバー');
  const draft = await admin.send('POST', '/api/envelopes', {
    title: '取り消す下書き',
    counterparty: '株式会社削除',
    parties: [{ role: 'signer', signingMode: 'witness-type', email: 'x@x.example', name: '削除 太郎' }],
  });
  draftId = json<{ id: string }>(draft).id;
  const upload = await admin.send('POST', `/api/envelopes/${draftId}/documents?name=a.pdf`, undefined, {
    contentType: 'application/pdf',
    raw: samplePdf(),
  });
  assert.equal(upload.statusCode, 201, upload.body);
  // Sent and then withdrawn: a record the counterparty received, whose deletion the log must show
  // (a draft that was never sent is discarded entirely instead, issue #15).
  const sent = await admin.send('POST', `/api/envelopes/${draftId}/send`);
  assert.equal(sent.statusCode, 200, sent.body);
  const withdrawn = await admin.send('POST', `/api/envelopes/${draftId}/cancel`, { reason: '取消' });
  assert.equal(withdrawn.statusCode, 204, withdrawn.body);
});
after(async () => h?.close());

it('a correction without a reason, with no change, or of an unknown field is refused and changes nothing', async () => {
  for (const body of [
    { recordId, changes: { amount: 550_000 } },
    { recordId, reason: '   ', changes: { amount: 550_000 } },
    { recordId, reason: '金額誤り', changes: {} },
    { recordId, reason: '金額誤り', changes: { amount: 500_000 } },
    { recordId, reason: '金額誤り', changes: { status: 'completed' } },
    { recordId, reason: '金額誤り', changes: { amount: -1 } },
    { recordId, reason: 'x'.repeat(1001), changes: { amount: 1 } },
  ]) {
    const response = await admin.send('POST', '/api/corrections', body);
    assert.equal(response.statusCode, 400, JSON.stringify(body));
    assert.equal(errorCode(response), 'SHOMEI_ENVELOPE_INVALID');
  }
  const record = json<{ amount: number }>(await admin.send('GET', `/api/envelopes/${recordId}`));
  assert.equal(record.amount, 500_000);
  const log = json<Page>(await admin.send('GET', '/api/corrections'));
  assert.equal(log.items.length, 0);
});

it('a correction with a reason changes the record, keeps before/after, who and when, and reaches the audit chain', async () => {
  const response = await admin.send('POST', '/api/corrections', {
    recordId,
    reason: '請求書と照合し金額と取引先名を訂正',
    changes: { amount: 550_000, counterparty: '株式会社訂正後', transactionDate: '2024-06-03' },
  });
  assert.equal(response.statusCode, 201, response.body);
  const entry = json<Entry>(response);
  assert.deepEqual(entry.changes, {
    amount: { before: 500_000, after: 550_000 },
    counterparty: { before: '株式会社訂正前', after: '株式会社訂正後' },
    transactionDate: { before: '2024-06-01', after: '2024-06-03' },
  });
  assert.equal(entry.actor.id, adminId);
  const record = json<{ amount: number; counterparty: string }>(
    await admin.send('GET', `/api/envelopes/${recordId}`),
  );
  assert.equal(record.amount, 550_000);
  assert.equal(record.counterparty, '株式会社訂正後');
  // The search sees the corrected values only.
  const found = json<{ items: { id: string }[] }>(
    await admin.send('GET', '/api/envelopes?amountMin=550000&amountMax=550000'),
  );
  assert.deepEqual(
    found.items.map((i) => i.id),
    [recordId],
  );
  const old = json<{ items: unknown[] }>(
    await admin.send('GET', '/api/envelopes?counterparty=株式会社訂正前'),
  );
  assert.equal(old.items.length, 0);
  const audited = h.audit.ofType('contracts.record.correct').at(-1);
  assert.equal(audited?.subject?.id, recordId);
  assert.ok(audited);
  assert.deepEqual((audited.details as { changes: unknown }).changes, entry.changes);
  // The importer corrects their own record; a colleague who cannot read it cannot correct it.
  const own = await member.send('POST', '/api/corrections', {
    recordId: memberRecordId,
    reason: '件名の誤記',
    changes: { title: '秘密保持契約書 (訂正)' },
  });
  assert.equal(own.statusCode, 201, own.body);
  const foreign = await member.send('POST', '/api/corrections', {
    recordId,
    reason: '勝手に',
    changes: { amount: 1 },
  });
  assert.equal(foreign.statusCode, 404);
  const cross = await outsider.send('POST', '/api/corrections', {
    recordId,
    reason: '他社',
    changes: { amount: 1 },
  });
  assert.equal(cross.statusCode, 404);
});

it('a deletion (crypto-shred) is logged with its reason, by whom, and the log search finds it', async () => {
  const refused = await admin.send('POST', `/api/envelopes/${draftId}/delete`, {});
  assert.equal(errorCode(refused), 'SHOMEI_ENVELOPE_INVALID');
  const deleted = await admin.send('POST', `/api/envelopes/${draftId}/delete`, {
    reason: '誤って作成した下書き',
  });
  assert.equal(deleted.statusCode, 204, deleted.body);
  const page = json<Page>(await admin.send('GET', `/api/corrections?recordId=${draftId}`));
  assert.equal(page.items.length, 1);
  assert.equal(page.items[0]?.kind, 'deletion');
  assert.equal(page.items[0]?.reason, '誤って作成した下書き');
  assert.equal(page.items[0]?.actor.id, adminId);
  assert.equal(page.items[0]?.changes.documents, 1 as unknown as Entry['changes'][string]);
  assert.ok(h.audit.ofType('contracts.record.delete-logged').length >= 1);
});

it('the log is searchable by date range, record, user and kind, newest first, in pages', async () => {
  const all = json<Page>(await admin.send('GET', '/api/corrections'));
  assert.equal(all.items.length, 3);
  assert.deepEqual(
    all.items.map((i) => i.kind),
    ['deletion', 'correction', 'correction'],
  );
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86400_000).toISOString().slice(0, 10);
  assert.equal(
    json<Page>(await admin.send('GET', `/api/corrections?from=${today}&to=${today}`)).items.length,
    3,
  );
  assert.equal(json<Page>(await admin.send('GET', `/api/corrections?to=${yesterday}`)).items.length, 0);
  const byMember = json<Page>(await admin.send('GET', `/api/corrections?userId=${memberId}`));
  assert.deepEqual(
    byMember.items.map((i) => i.recordId),
    [memberRecordId],
  );
  assert.equal(json<Page>(await admin.send('GET', '/api/corrections?kind=deletion')).items.length, 1);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = json<Page>(
      await admin.send('GET', `/api/corrections?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`),
    );
    seen.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  assert.deepEqual(
    seen,
    all.items.map((i) => i.id),
  );
  for (const bad of ['limit=0', 'limit=1000', 'from=yesterday', 'cursor=bm9wZQ', 'kind=update', 'sort=asc']) {
    const response = await admin.send('GET', `/api/corrections?${bad}`);
    assert.equal(errorCode(response), 'SHOMEI_ENVELOPE_INVALID', bad);
  }
});

it('only tenant administrators, holders of corrections.read and auditors read the log; never across tenants', async () => {
  assert.equal((await member.send('GET', '/api/corrections')).statusCode, 403);
  assert.equal(json<Page>(await reader.send('GET', '/api/corrections')).items.length, 3);
  assert.equal((await reader.send('GET', `/api/corrections?tenantId=${otherTenantId}`)).statusCode, 403);
  assert.equal(json<Page>(await outsider.send('GET', '/api/corrections')).items.length, 0);
  assert.equal((await outsider.send('GET', `/api/corrections?tenantId=${tenantId}`)).statusCode, 403);
  // An installation auditor (system_auditor, injected by the app from the admin module's grants).
  const auditorContext = { ...h.contracts.context, isAuditor: async (id: string) => id === memberId };
  const actor = {
    kind: 'user' as const,
    userId: memberId,
    tenantId: otherTenantId,
    email: 'a@a',
    authentication: 'test',
  };
  const page = await searchRecordLog(auditorContext, actor, { tenantId });
  assert.equal(page.items.length, 3);
});

it('the log is append-only: the database refuses updates and deletes', async () => {
  const db = h.contracts.context.db.withTables<{ contract_record_log: { id: string; reason: string } }>();
  await assert.rejects(
    db.updateTable('contract_record_log').set({ reason: '改ざん' }).execute(),
    /APPEND_ONLY/,
  );
  await assert.rejects(db.deleteFrom('contract_record_log').execute(), /APPEND_ONLY/);
  assert.equal(json<Page>(await admin.send('GET', '/api/corrections')).items.length, 3);
});
