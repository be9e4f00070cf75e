/**
 * Bulk send as a queued job (issue #16 F7), on real `shomei start` processes with real SMTP: a few
 * hundred rows are accepted at once (202 and a job id), the process is SIGKILLed while the worker
 * is making them, and the restarted process finishes the job — every address mailed once, one
 * envelope per row, nothing left as a draft, one summary audit record. The access codes are served
 * once to the sender and open the signing page; a second request, another user and the audit trail
 * and server log never see them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initialise, openShomei, type Shomei } from '../../src/app/index.ts';
import { setPermission } from '../../src/contracts/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { makeTestHome, type TestHome } from '../helpers/home.ts';
import { SmtpListener } from '../helpers/smtp-listener.ts';
import { type RunningShomei, startShomei } from '../ops/helpers.ts';
import { HttpClient } from '../ops/http-client.ts';
import { samplePdf } from './harness.ts';

const ROWS = 300;
const PASSWORD = 'correct horse battery staple 署名';

let home: TestHome;
let smtp: SmtpListener;
let env: Record<string, string>;
const sender = new HttpClient();
const colleague = new HttpClient();
let server: RunningShomei | undefined;
const logs: string[] = [];

async function offline<T>(work: (shomei: Shomei) => Promise<T>): Promise<T> {
  const shomei = await openShomei(home.config, createLogger({ level: 'silent' }));
  try {
    return await work(shomei);
  } finally {
    await shomei.close();
  }
}

/** An API key of an active account; the sender's is a tenant administrator's, as keys require. */
async function apiKey(shomei: Shomei, email: string, admin: boolean): Promise<string> {
  const identity = shomei.identity;
  const tenant =
    (await identity.accounts.getTenantBySlug('bulk-queue')) ??
    (await identity.accounts.createTenant({ slug: 'bulk-queue', name: '一括送信株式会社' }));
  const created = await identity.accounts.createUser({
    tenantId: tenant.id,
    email,
    displayName: email.split('@')[0]!,
    familyName: '送信',
    givenName: '太郎',
  });
  const { token } = await identity.applications.issueActivationToken(created.id);
  const user = await identity.activate(token, PASSWORD, {});
  const ctx = shomei.contracts.context;
  await setPermission(ctx, { kind: 'operator', id: 'test' }, user.tenantId, {
    userId: user.id,
    permission: 'tenant.admin',
    granted: true,
  });
  const key = await shomei.contracts.createApiKey(
    { kind: 'user', userId: user.id, tenantId: user.tenantId, email: user.email, authentication: 'test' },
    ['envelopes:read', 'envelopes:write'],
  );
  if (!admin) {
    await setPermission(ctx, { kind: 'operator', id: 'test' }, user.tenantId, {
      userId: user.id,
      permission: 'tenant.admin',
      granted: false,
    });
  }
  return `Bearer ${key.key}`;
}

async function start(): Promise<string> {
  server = await startShomei(env);
  return server.address;
}

async function job(
  base: string,
  id: string,
): Promise<{ status: string; done: number; created: number; failed: number; accessCodes: string }> {
  return (await sender.send(base, 'GET', `/api/bulk-jobs/${id}`)).json();
}

before(async () => {
  smtp = new SmtpListener();
  home = makeTestHome();
  env = { ...home.env, SHOMEI_LOG_LEVEL: 'info', SHOMEI_SMTP_URL: await smtp.start() };
  await initialise(home.config);
  const keys = await offline(async (shomei) => ({
    sender: await apiKey(shomei, 'sender@bulk-queue.example', true),
    colleague: await apiKey(shomei, 'colleague@bulk-queue.example', false),
  }));
  sender.headers.authorization = keys.sender;
  colleague.headers.authorization = keys.colleague;
});
after(async () => {
  if (server !== undefined && server.child.exitCode === null) await server.stop();
  await smtp?.stop();
  home?.remove();
});

describe('bulk send as a queued job', () => {
  it('answers at once, survives a kill -9 mid-job without sending a row twice, and serves the codes once', async () => {
    let base = await start();
    const template = await sender.send(base, 'POST', '/api/templates', {
      name: '申込書テンプレート',
      title: '申込書',
      slots: [{ label: '乙', role: 'signer', signingMode: 'witness-type', order: 1 }],
    });
    assert.equal(template.status, 201, template.text());
    const templateId = template.json<{ id: string }>().id;
    const upload = await sender.send(base, 'POST', `/api/templates/${templateId}/documents`, undefined, {
      contentType: 'application/pdf',
      raw: samplePdf(),
    });
    assert.equal(upload.status, 201, upload.text());

    const rows = Array.from({ length: ROWS }, (_, i) =>
      // A tenth of the rows are good (each costs an HSM-sealed envelope and a mail); the rest are
      // malformed, reported with their code and making nothing.
      i % 10 !== 0
        ? { email: `not-an-address-${i}`, name: `不正 ${i}` }
        : { email: `c${i}@bulk-queue.example`, name: `顧客 ${i}` },
    );
    const queued = await sender.send(base, 'POST', `/api/templates/${templateId}/bulk-send`, { rows });
    assert.equal(queued.status, 202, queued.text());
    const { jobId, total } = queued.json<{ jobId: string; total: number }>();
    assert.equal(total, ROWS);
    assert.equal((await colleague.send(base, 'GET', `/api/bulk-jobs/${jobId}`)).status, 404);
    // One worker per instance: while this job runs, two more wait, and a fourth open one is refused.
    const small = { rows: [{ email: 'not-an-address', name: '待機' }] };
    for (const expected of [202, 202, 429]) {
      const more = await sender.send(base, 'POST', `/api/templates/${templateId}/bulk-send`, small);
      assert.equal(more.status, expected, more.text());
      if (expected === 429)
        assert.equal(more.json<{ error: { code: string } }>().error.code, 'SHOMEI_BULK_BUSY');
    }

    // Kill the process while the worker is part-way through the rows.
    let progress = await job(base, jobId);
    while (progress.done < 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      progress = await job(base, jobId);
    }
    assert.equal(progress.status, 'running');
    server!.child.kill('SIGKILL');
    await new Promise((resolve) => server!.child.once('exit', resolve));
    logs.push(server!.output());
    const atKill = await offline((shomei) =>
      shomei.database.db
        .withTables<{ contract_bulk_rows: { job_id: string; state: string } }>()
        .selectFrom('contract_bulk_rows')
        .select('state')
        .where('job_id', '=', jobId)
        .execute(),
    );
    assert.ok(atKill.length < ROWS, `killed before the end (${atKill.length} rows touched)`);

    base = await start();
    progress = await job(base, jobId);
    while (progress.status !== 'done') {
      await new Promise((resolve) => setTimeout(resolve, 200));
      progress = await job(base, jobId);
    }
    const good = rows.filter((_, i) => i % 10 === 0).length;
    assert.deepEqual([progress.done, progress.created, progress.failed], [ROWS, good, ROWS - good]);
    assert.equal(progress.accessCodes, 'ready');

    // The codes: refused to a colleague, served once to the sender, then gone.
    assert.equal((await colleague.send(base, 'POST', `/api/bulk-jobs/${jobId}/access-codes`)).status, 404);
    const taken = await sender.send(base, 'POST', `/api/bulk-jobs/${jobId}/access-codes`);
    assert.equal(taken.status, 200, taken.text());
    const codes = taken.json<{ codes: { index: number; email: string; accessCode: string }[] }>().codes;
    assert.equal(codes.length, good);
    assert.equal(new Set(codes.map((c) => c.email)).size, good);
    const again = await sender.send(base, 'POST', `/api/bulk-jobs/${jobId}/access-codes`);
    assert.equal(again.status, 410);
    assert.equal(again.json<{ error: { code: string } }>().error.code, 'SHOMEI_BULK_CODES_TAKEN');
    assert.equal((await job(base, jobId)).accessCodes, 'taken');

    // Each address got one signing request, and its code (including rows made around the kill) opens it.
    for (const row of rows) {
      const mails = smtp.received.filter((m) => m.to.includes(row.email));
      assert.ok(mails.length <= 1, `${row.email} mailed ${mails.length} times`);
    }
    const killedAround = codes.filter((c) => c.index >= atKill.length - 2 && c.index <= atKill.length + 1);
    for (const code of [codes[0]!, ...killedAround]) {
      const mail = await smtp.waitFor(code.email, /./);
      const token = /\/sign\/([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
      const opened = await new HttpClient().send(base, 'POST', '/api/sign/open', {
        token,
        accessCode: code.accessCode,
      });
      assert.equal(opened.status, 200, `${code.email}: ${opened.text()}`);
    }
    assert.equal(await server!.stop(), 0);
    logs.push(server!.output());

    await offline(async (shomei) => {
      const db = shomei.database.db.withTables<{
        contract_envelopes: { id: string; status: string };
        contract_parties: { envelope_id: string; email: string };
        contract_bulk_rows: { job_id: string; codes: Uint8Array | null };
        contract_bulk_jobs: { id: string; input: string | null; codes_sealed_key: Uint8Array | null };
      }>();
      const parties = await db
        .selectFrom('contract_parties')
        .innerJoin('contract_envelopes', 'contract_envelopes.id', 'contract_parties.envelope_id')
        .select(['contract_parties.email', 'contract_envelopes.status'])
        .where('contract_parties.email', 'like', '%@bulk-queue.example')
        .execute();
      assert.equal(parties.length, good, 'one envelope per good row, none twice');
      assert.ok(parties.every((p) => p.status === 'sent'));
      const kept = await db
        .selectFrom('contract_bulk_rows')
        .select('codes')
        .where('job_id', '=', jobId)
        .where('codes', 'is not', null)
        .execute();
      assert.equal(kept.length, 0, 'no sealed codes left after they were taken');
      const stored = await db
        .selectFrom('contract_bulk_jobs')
        .selectAll()
        .where('id', '=', jobId)
        .executeTakeFirstOrThrow();
      assert.deepEqual([stored.input, stored.codes_sealed_key], [null, null]);
      const records = await shomei.audit.search({ limit: 5000 });
      const summaries = records.filter((r) => r.type === 'envelope.bulk-send' && r.subject?.id === jobId);
      assert.equal(summaries.length, 1);
      assert.deepEqual(summaries[0]!.details?.errors, { SHOMEI_ENVELOPE_INVALID: ROWS - good });
      const trail = JSON.stringify(records);
      const log = logs.join('\n');
      for (const c of codes) {
        assert.ok(!trail.includes(c.accessCode), 'no access code in the audit trail');
        assert.ok(!log.includes(c.accessCode), 'no access code in the server log');
      }
    });
  });
});
