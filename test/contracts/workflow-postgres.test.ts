/**
 * Templates, bulk send and reminders on PostgreSQL, as a cluster runs them: template PDFs in bytea,
 * a bulk send with a bad row, and the reminder job started by two instances (two connection pools)
 * at the same moment — the advisory lock and the per-reminder claim let each reminder out once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ContractService } from '../../src/contracts/index.ts';
import { advisoryKey } from '../../src/ops/index.ts';
import { type Database, openDatabase } from '../../src/store/index.ts';
import {
  type Client,
  type ContractsHarness,
  createUser,
  json,
  login,
  openContractsHarness,
  samplePdf,
} from './harness.ts';

const DAY = 86_400_000;
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);
let h: ContractsHarness;
let sender: Client;
let second: ContractService;
let secondDatabase: Database;

before(async () => {
  h = await openContractsHarness({ dialect: 'postgres', clock });
  const user = await createUser(h, {
    email: 'pg-sender@w.example',
    tenantSlug: 'tenant-pgw',
    familyName: '甲田',
  });
  sender = await login(h.app, 'pg-sender@w.example');
  // Another instance: its own pool (a different application_name, so not the same process-local lock).
  const url = new URL(h.shomei.config.databaseUrl);
  url.searchParams.set('application_name', 'shomei-second');
  secondDatabase = openDatabase(url.toString());
  second = new ContractService({
    config: h.shomei.config,
    database: secondDatabase,
    crypto: h.shomei.crypto,
    keys: h.shomei.keys,
    audit: h.audit,
    mailer: h.mailer,
    users: (id) => h.shomei.identity.accounts.getUser(id),
    clock,
  });
  const created = await sender.send('POST', '/api/templates', {
    name: '秘密保持契約',
    title: '秘密保持契約書',
    signingOrder: 'parallel',
    reminders: { intervalDays: 1, maxReminders: 1 },
    slots: [
      { label: '甲', role: 'signer', signingMode: 'witness-type', userId: user.id },
      { label: '乙', role: 'signer', signingMode: 'witness-type' },
    ],
  });
  assert.equal(created.statusCode, 201, created.body);
  templateId = json<{ id: string }>(created).id;
  const upload = await sender.send('POST', `/api/templates/${templateId}/documents?name=nda.pdf`, undefined, {
    contentType: 'application/pdf',
    raw: samplePdf(),
  });
  assert.equal(upload.statusCode, 201, upload.body);
});
let templateId = '';
after(async () => {
  await secondDatabase?.close();
  await h?.close();
});

const reminders = (address: string) =>
  h.mailer.to(address).filter((m) => m.subject.startsWith('【リマインド】'));

describe('on PostgreSQL', () => {
  it('bulk send makes an envelope per good row from the encrypted template', async () => {
    const response = await sender.send('POST', `/api/templates/${templateId}/bulk-send`, {
      rows: [
        { email: 'one@pg.example', name: '一 太郎', company: '一社' },
        { email: 'two@pg.example', name: '二 次郎', fields: { amount: -1 } },
        { email: 'three@pg.example', name: '三 三郎' },
      ],
    });
    assert.equal(response.statusCode, 202, response.body);
    const { jobId } = json<{ jobId: string }>(response);
    // Both instances' workers are woken; the job's lease and each row's claim let one make each row.
    second.bulk.kick();
    await Promise.all([h.contracts.bulk.idle(), second.bulk.idle()]);
    const result = json<{ status: string; created: number; rows: { error?: { code: string } }[] }>(
      await sender.send('GET', `/api/bulk-jobs/${jobId}`),
    );
    assert.equal(result.status, 'done');
    assert.equal(result.created, 2);
    assert.equal(result.rows[1]?.error?.code, 'SHOMEI_ENVELOPE_INVALID');
    assert.equal(h.mailer.to('one@pg.example').length, 1);
    assert.equal(h.mailer.to('two@pg.example').length, 0);
  });

  it('two instances running the reminder job at once mail each reminder once; a held lock skips the run', async () => {
    offsetMs = DAY + 60_000;
    const runs = await Promise.all([h.contracts.remindDue(), second.remindDue()]);
    // Two envelopes × (甲 and 乙), each reminded exactly once between both instances.
    assert.equal(runs[0].sent + runs[1].sent, 4);
    assert.equal(reminders('one@pg.example').length, 1);
    assert.equal(reminders('three@pg.example').length, 1);
    assert.equal(reminders('pg-sender@w.example').length, 2);
    assert.equal((await second.remindDue()).sent, 0);

    // Another instance holding the cluster lock: this one does not run the job at all.
    const other = new pg.Client({ connectionString: h.shomei.config.databaseUrl });
    await other.connect();
    try {
      const key = advisoryKey('contracts.reminders').toString();
      await other.query('select pg_advisory_lock($1::bigint)', [key]);
      offsetMs = 5 * DAY;
      assert.deepEqual(await h.contracts.remindDue(), { ran: false, sent: 0 });
      await other.query('select pg_advisory_unlock($1::bigint)', [key]);
    } finally {
      await other.end();
    }
    assert.equal((await h.contracts.remindDue()).ran, true);
    assert.equal(reminders('one@pg.example').length, 1, 'maxReminders 1');
    offsetMs = 0;
  });
});
