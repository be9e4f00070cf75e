/**
 * Templates (テンプレート) and bulk send (一括送信) over the API: CRUD within a tenant and "not found"
 * for every other tenant, an envelope from a template keeping the 甲/乙 labels and the seal
 * placements, a bulk send where one bad row creates nothing and is reported with its code, and
 * malformed or oversize input refused with stable codes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { User } from '../../src/identity/index.ts';
import {
  type Client,
  type ContractsHarness,
  createUser,
  json,
  login,
  openContractsHarness,
  samplePdf,
} from './harness.ts';

let h: ContractsHarness;
let owner: User;
let a: Client;
let b: Client;

const PLACE_A = { document: 0, page: 0, rect: [50, 50, 200, 120] };
const PLACE_B = { document: 0, page: 0, rect: [300, 50, 450, 120] };

function definition(name = '業務委託契約テンプレート') {
  return {
    name,
    title: '業務委託契約書',
    signingOrder: 'sequential',
    expiresInDays: 30,
    reminders: { intervalDays: 3, maxReminders: 2 },
    slots: [
      {
        label: '甲',
        role: 'signer',
        signingMode: 'witness-type',
        userId: owner.id,
        order: 1,
        placement: PLACE_A,
      },
      { label: '乙', role: 'signer', signingMode: 'witness-type', order: 2, placement: PLACE_B },
    ],
  };
}

async function templateWithPdf(): Promise<string> {
  const created = await a.send('POST', '/api/templates', definition());
  assert.equal(created.statusCode, 201, created.body);
  const id = json<{ id: string }>(created).id;
  const upload = await a.send('POST', `/api/templates/${id}/documents?name=契約書.pdf`, undefined, {
    contentType: 'application/pdf',
    raw: samplePdf(),
  });
  assert.equal(upload.statusCode, 201, upload.body);
  return id;
}

before(async () => {
  h = await openContractsHarness({ settings: { maxBulkRows: 5 } });
  owner = await createUser(h, { email: 'owner@t-a.example', tenantSlug: 'tenant-ta', familyName: '甲野' });
  await createUser(h, { email: 'other@t-b.example', tenantSlug: 'tenant-tb' });
  a = await login(h.app, 'owner@t-a.example');
  b = await login(h.app, 'other@t-b.example');
});
after(async () => {
  await h?.close();
});

describe('templates', () => {
  it('are created, listed, read, changed and deleted by their tenant; other tenants get not-found', async () => {
    const id = await templateWithPdf();
    const read = json<{
      name: string;
      definition: { slots: { label: string }[] };
      documents: { sha256: string }[];
    }>(await a.send('GET', `/api/templates/${id}`));
    assert.deepEqual(
      read.definition.slots.map((s) => s.label),
      ['甲', '乙'],
    );
    assert.equal(read.documents.length, 1);
    const list = json<{ templates: { id: string }[] }>(await a.send('GET', '/api/templates'));
    assert.ok(list.templates.some((t) => t.id === id));
    const changed = await a.send('PUT', `/api/templates/${id}`, definition('改訂版'));
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(json<{ name: string }>(changed).name, '改訂版');

    for (const [method, url, body] of [
      ['GET', `/api/templates/${id}`, undefined],
      ['PUT', `/api/templates/${id}`, definition('乗っ取り')],
      ['DELETE', `/api/templates/${id}`, undefined],
      ['POST', `/api/templates/${id}/envelopes`, { parties: { 乙: { email: 'x@y.example', name: '乙野' } } }],
      ['POST', `/api/templates/${id}/bulk-send`, { rows: [{ email: 'x@y.example', name: '乙野' }] }],
    ] as const) {
      const refused = await b.send(method, url, body);
      assert.equal(refused.statusCode, 404, `${method} ${url}: ${refused.body}`);
      assert.equal(json<{ error: { code: string } }>(refused).error.code, 'SHOMEI_TEMPLATE_NOT_FOUND');
    }
    const otherList = json<{ templates: { id: string }[] }>(await b.send('GET', '/api/templates'));
    assert.ok(!otherList.templates.some((t) => t.id === id));

    const deleted = await a.send('DELETE', `/api/templates/${id}`);
    assert.equal(deleted.statusCode, 204);
    assert.equal((await a.send('GET', `/api/templates/${id}`)).statusCode, 404);
    const audit = h.audit.ofType('template.delete').at(-1);
    assert.equal((audit?.details?.hsmKeysDestroyed as string[] | undefined)?.length, 1);
    assert.ok(h.audit.ofType('template.create').length >= 1);
    assert.ok(h.audit.ofType('template.update').length >= 1);
  });

  it('refuse malformed JSON and invalid definitions with stable codes', async () => {
    const malformed = await a.send('POST', '/api/templates', undefined, {
      contentType: 'application/json',
      raw: '{"name": "x", ',
    });
    assert.equal(malformed.statusCode, 400);
    assert.equal(json<{ error: { code: string } }>(malformed).error.code, 'SHOMEI_BAD_REQUEST');
    const duplicate = definition();
    duplicate.slots[1]!.label = '甲';
    const dup = await a.send('POST', '/api/templates', duplicate);
    assert.equal(dup.statusCode, 400);
    assert.equal(json<{ error: { code: string } }>(dup).error.code, 'SHOMEI_TEMPLATE_INVALID');
    const longLabel = definition();
    longLabel.slots[1]!.label = '乙'.repeat(21);
    assert.equal(
      json<{ error: { code: string } }>(await a.send('POST', '/api/templates', longLabel)).error.code,
      'SHOMEI_TEMPLATE_INVALID',
    );
    const unknownField = await a.send('POST', '/api/templates', { ...definition(), script: '<x>' });
    assert.equal(json<{ error: { code: string } }>(unknownField).error.code, 'SHOMEI_TEMPLATE_INVALID');
    const notPdf = await a.send('POST', `/api/templates/${await templateWithPdf()}/documents`, undefined, {
      contentType: 'application/pdf',
      raw: Buffer.from('not a pdf'),
    });
    assert.equal(json<{ error: { code: string } }>(notPdf).error.code, 'SHOMEI_DOCUMENT_NOT_PDF');
  });

  it('make envelopes that keep the 甲/乙 labels, the placements, expiry and reminder settings', async () => {
    const id = await templateWithPdf();
    const missing = await a.send('POST', `/api/templates/${id}/envelopes`, { parties: {} });
    assert.equal(json<{ error: { code: string } }>(missing).error.code, 'SHOMEI_ENVELOPE_INVALID');
    const made = await a.send('POST', `/api/templates/${id}/envelopes`, {
      parties: { 乙: { email: 'otsu@client.example', name: '乙野 花子', company: '乙商事株式会社' } },
      amount: 500000,
      send: true,
    });
    assert.equal(made.statusCode, 201, made.body);
    const result = json<{
      envelope: {
        id: string;
        status: string;
        counterparty: string;
        expiresAt: string;
        parties: { label: string; name: string }[];
      };
      accessCodes: { email: string }[];
    }>(made);
    assert.equal(result.envelope.status, 'sent');
    assert.equal(result.envelope.counterparty, '乙商事株式会社');
    assert.ok(result.envelope.expiresAt !== null);
    assert.deepEqual(
      result.envelope.parties.map((p) => p.label),
      ['甲', '乙'],
    );
    assert.deepEqual(
      result.accessCodes.map((c) => c.email),
      ['otsu@client.example'],
    );
    const rows = await h.contracts.context.db
      .selectFrom('contract_parties')
      .select(['label', 'placement'])
      .where('envelope_id', '=', result.envelope.id)
      .orderBy('position')
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.label, JSON.parse(r.placement ?? 'null')]),
      [
        ['甲', PLACE_A],
        ['乙', PLACE_B],
      ],
    );
    // 甲 acts first (sequential), and the request names the label.
    const mail = h.mailer.to('owner@t-a.example').at(-1);
    assert.match(mail?.text ?? '', /^甲 甲野 太郎 様/);
    assert.equal(h.mailer.to('otsu@client.example').length, 0);
    const reminders = await h.contracts.context.db
      .withTables<{
        contract_envelope_reminders: { envelope_id: string; interval_days: number; max_reminders: number };
      }>()
      .selectFrom('contract_envelope_reminders')
      .selectAll()
      .where('envelope_id', '=', result.envelope.id)
      .executeTakeFirst();
    assert.equal(reminders?.interval_days, 3);
    assert.equal(reminders?.max_reminders, 2);
  });
});

describe('bulk send', () => {
  it('makes one envelope per good row; a bad row is reported with its code and creates nothing', async () => {
    const id = await templateWithPdf();
    const before = await h.contracts.context.db
      .selectFrom('contract_envelopes')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const response = await a.send('POST', `/api/templates/${id}/bulk-send`, {
      rows: [
        { email: 'c1@bulk.example', name: '顧客 一郎', company: '一商事' },
        { email: 'not-an-address', name: '不正 行' },
        {
          email: 'c3@bulk.example',
          name: '顧客 三郎',
          fields: { amount: 1200, transactionDate: '2026-04-01' },
        },
      ],
    });
    // Queued: the answer comes at once with the job id; the worker makes the rows afterwards.
    assert.equal(response.statusCode, 202, response.body);
    const queued = json<{ jobId: string; status: string; total: number }>(response);
    assert.equal(queued.status, 'queued');
    assert.equal(queued.total, 3);
    await h.contracts.bulk.idle();
    const result = json<{
      jobId: string;
      status: string;
      created: number;
      failed: number;
      rows: { index: number; envelopeId?: string; status?: string; error?: { code: string } }[];
    }>(await a.send('GET', `/api/bulk-jobs/${queued.jobId}`));
    assert.equal(result.status, 'done');
    assert.equal(result.created, 2);
    assert.equal(result.failed, 1);
    assert.equal(result.rows[1]?.error?.code, 'SHOMEI_ENVELOPE_INVALID');
    assert.equal(result.rows[1]?.envelopeId, undefined);
    assert.deepEqual(
      result.rows.map((r) => r.status ?? null),
      ['sent', null, 'sent'],
    );
    const afterCount = await h.contracts.context.db
      .selectFrom('contract_envelopes')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(afterCount.n) - Number(before.n), 2);
    const third = json<{ amount: number; transactionDate: string; counterparty: string }>(
      await a.send('GET', `/api/envelopes/${result.rows[2]!.envelopeId}`),
    );
    assert.equal(third.amount, 1200);
    assert.equal(third.transactionDate, '2026-04-01');
    assert.equal(third.counterparty, '顧客 三郎');

    assert.equal((await b.send('GET', `/api/bulk-jobs/${result.jobId}`)).statusCode, 404);
    const audited = h.audit.ofType('envelope.bulk-send').filter((e) => e.subject?.id === result.jobId);
    assert.equal(audited.length, 1);
    assert.equal(audited[0]?.details?.failed, 1);
  });

  it('refuses more rows than the configured maximum, and malformed bodies, before creating anything', async () => {
    const id = await templateWithPdf();
    const rows = Array.from({ length: 6 }, (_, i) => ({ email: `r${i}@bulk.example`, name: `行 ${i}` }));
    const tooMany = await a.send('POST', `/api/templates/${id}/bulk-send`, { rows });
    assert.equal(tooMany.statusCode, 413);
    assert.equal(json<{ error: { code: string } }>(tooMany).error.code, 'SHOMEI_BULK_TOO_LARGE');
    assert.equal(h.mailer.to('r0@bulk.example').length, 0);
    const notList = await a.send('POST', `/api/templates/${id}/bulk-send`, { rows: 'everyone' });
    assert.equal(json<{ error: { code: string } }>(notList).error.code, 'SHOMEI_ENVELOPE_INVALID');
    const empty = await a.send('POST', `/api/templates/${id}/bulk-send`, { rows: [] });
    assert.equal(json<{ error: { code: string } }>(empty).error.code, 'SHOMEI_ENVELOPE_INVALID');
    const broken = await a.send('POST', `/api/templates/${id}/bulk-send`, undefined, {
      contentType: 'application/json',
      raw: '{"rows": [',
    });
    assert.equal(json<{ error: { code: string } }>(broken).error.code, 'SHOMEI_BAD_REQUEST');
  });
});
