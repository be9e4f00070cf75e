/**
 * Full tenant export (no lock-in): the ZIP from the API and from `shomei contracts export` opens
 * (unzip -t), every file matches the manifest's SHA-256, the PDFs pass qpdf --check, a shredded
 * record is listed as deleted without content, another tenant's records are absent, and only a
 * tenant administrator may export. The export is audited.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { type ExportManifest, setPermission } from '../../src/contracts/index.ts';
import { qpdfCheck } from '../ades/validators.ts';
import { makeTeam, type TeamRole, type TestOperator } from '../helpers/operators.ts';
import { run, runShomei } from '../helpers/run.ts';
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
let admin: Client;
let adminId: string;
let member: Client;
let tenantId: string;
let importedId: string;
let draftId: string;
let shreddedId: string;
let foreignId: string;
let team: Record<TeamRole, TestOperator>;

async function importScan(client: Client, title: string): Promise<string> {
  const response = await client.send('POST', '/api/imports', {
    title,
    counterparty: '株式会社エクスポート',
    transactionDate: '2023-03-31',
    amount: 77_000,
    source: 'paper-scan',
    parties: [{ name: '輸出 花子', company: '株式会社エクスポート' }],
    pdfBase64: samplePdf(2, title).toString('base64'),
  });
  assert.equal(response.statusCode, 201, response.body);
  return json<{ record: { id: string } }>(response).record.id;
}

async function draftWithDocument(client: Client, title: string): Promise<string> {
  const created = await client.send('POST', '/api/envelopes', {
    title,
    counterparty: '株式会社下書き',
    amount: 1000,
    parties: [{ role: 'signer', signingMode: 'witness-type', email: 's@s.example', name: '署名 一郎' }],
  });
  const id = json<{ id: string }>(created).id;
  const upload = await client.send(
    'POST',
    `/api/envelopes/${id}/documents?name=${encodeURIComponent('本文.pdf')}`,
    undefined,
    {
      contentType: 'application/pdf',
      raw: samplePdf(1, title),
    },
  );
  assert.equal(upload.statusCode, 201, upload.body);
  return id;
}

before(async () => {
  h = await openContractsHarness();
  const a = await createUser(h, { email: 'admin@export-a.example', tenantSlug: 'export-a' });
  const m = await createUser(h, { email: 'member@export-a.example', tenantSlug: 'export-a' });
  const o = await createUser(h, { email: 'admin@export-b.example', tenantSlug: 'export-b' });
  tenantId = a.tenantId;
  adminId = a.id;
  await setPermission(h.contracts.context, { kind: 'operator', id: 'test' }, tenantId, {
    userId: a.id,
    permission: 'tenant.admin',
    granted: true,
  });
  admin = await login(h.app, a.email);
  member = await login(h.app, m.email);
  const outsider = await login(h.app, o.email);
  importedId = await importScan(admin, '紙の契約書');
  draftId = await draftWithDocument(member, '下書きの契約');
  shreddedId = await draftWithDocument(admin, '削除する契約');
  // Sent, withdrawn, then deleted: a record that stays listed as deleted (a never-sent draft is
  // discarded entirely, issue #15).
  assert.equal((await admin.send('POST', `/api/envelopes/${shreddedId}/send`)).statusCode, 200);
  const withdrawn = await admin.send('POST', `/api/envelopes/${shreddedId}/cancel`, { reason: '取消' });
  assert.equal(withdrawn.statusCode, 204, withdrawn.body);
  const deleted = await admin.send('POST', `/api/envelopes/${shreddedId}/delete`, { reason: '誤登録' });
  assert.equal(deleted.statusCode, 204, deleted.body);
  foreignId = await importScan(outsider, '他社テナントの契約');
});
after(async () => h?.close());

/** Checks a ZIP as a user would: unzip -t, then every file against the manifest. */
function checkExport(zip: string, into: string): ExportManifest {
  const tested = run('unzip', ['-t', zip]);
  assert.equal(tested.status, 0, tested.stdout + tested.stderr);
  mkdirSync(into, { recursive: true });
  const extracted = run('unzip', ['-q', '-o', zip, '-d', into]);
  assert.equal(extracted.status, 0, extracted.stderr);
  const manifest = JSON.parse(readFileSync(path.join(into, 'manifest.json'), 'utf8')) as ExportManifest;
  assert.equal(manifest.format, 'shomei/tenant-export');
  assert.equal(manifest.tenantId, tenantId);
  for (const file of manifest.files) {
    const bytes = readFileSync(path.join(into, file.path));
    assert.equal(createHash('sha256').update(bytes).digest('hex'), file.sha256, file.path);
    assert.equal(bytes.length, file.size);
    if (file.path.endsWith('.pdf')) assert.equal(qpdfCheck(path.join(into, file.path)).status, 0, file.path);
  }
  const listed = run('unzip', ['-Z1', zip]).stdout.trim().split('\n').sort();
  assert.deepEqual(listed, [...manifest.files.map((f) => f.path), 'manifest.json'].sort());
  const ids = manifest.records.map((r) => r.id).sort();
  assert.deepEqual(ids, [importedId, draftId, shreddedId].sort(), 'every record of the tenant, no other');
  assert.ok(!ids.includes(foreignId));
  const shredded = manifest.records.find((r) => r.id === shreddedId)!;
  assert.equal(shredded.deleted, true);
  assert.deepEqual(shredded.files, []);
  assert.ok(!existsSync(path.join(into, 'records', shreddedId)), 'no content of a shredded record');
  const imported = manifest.records.find((r) => r.id === importedId)!;
  assert.equal(imported.kind, 'imported');
  assert.ok(imported.files.some((f) => f.endsWith('.pdf')));
  const metadata = JSON.parse(
    readFileSync(path.join(into, 'records', importedId, 'metadata.json'), 'utf8'),
  ) as {
    amount: number;
    transactionDate: string;
    import: { signatureStatus: string; parties: { name: string }[] };
  };
  assert.equal(metadata.amount, 77_000);
  assert.equal(metadata.transactionDate, '2023-03-31');
  assert.equal(metadata.import.signatureStatus, 'none');
  assert.equal(metadata.import.parties[0]?.name, '輸出 花子');
  const audit = JSON.parse(readFileSync(path.join(into, 'records', draftId, 'audit.json'), 'utf8')) as {
    type: string;
  }[];
  assert.ok(audit.some((r) => r.type === 'document.upload'));
  const pdf = readdirSync(path.join(into, 'records', draftId, 'documents'));
  assert.deepEqual(pdf, ['1-本文.pdf']);
  return manifest;
}

it('a tenant administrator downloads the whole tenant as a ZIP whose manifest hashes match', async () => {
  const response = await admin.send('GET', '/api/contracts/export');
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.headers['content-type'], 'application/zip');
  const zip = path.join(h.dir, 'api-export.zip');
  writeFileSync(zip, response.rawPayload);
  checkExport(zip, path.join(h.dir, 'api-export'));
  const audited = h.audit.ofType('contracts.tenant.export').at(-1);
  assert.equal(audited?.outcome, 'success');
  assert.ok(audited);
  assert.equal((audited.details as { records: number }).records, 3);
});

it('nobody else exports: a member gets 403, an API key too', async () => {
  assert.equal((await member.send('GET', '/api/contracts/export')).statusCode, 403);
  // Even a key of the tenant administrator: exporting needs the administrator's own session.
  const key = await h.contracts.createApiKey(
    { kind: 'user', userId: adminId, tenantId, email: 'admin@export-a.example', authentication: 'test' },
    ['envelopes:read', 'envelopes:write'],
  );
  const response = await h.app.inject({
    method: 'GET',
    url: '/api/contracts/export',
    headers: { authorization: `Bearer ${key.key}` },
  });
  assert.equal(response.statusCode, 403);
});

it('shomei contracts export --tenant --out writes the same export to disk, for an authenticated operator only', async () => {
  const zip = path.join(h.dir, 'cli-export.zip');
  // A tenant's whole record leaves the service only for a named operator (ADR 019).
  const anonymous = runShomei(['contracts', 'export', '--tenant', tenantId, '--out', zip], {
    ...h.shomei.env,
    SHOMEI_OPERATOR_SESSION: path.join(h.dir, 'no-session'),
  });
  assert.match(anonymous.stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/);
  assert.equal(existsSync(zip), false);
  team = await makeTeam(h.shomei, ['security_officer', 'system_administrator', 'system_operator']);
  const env = team.system_operator.env;
  const result = runShomei(['contracts', 'export', '--tenant', tenantId, '--out', zip], env);
  assert.equal(result.status, 0, result.stderr);
  const audited = (await h.shomei.audit.search({ type: 'contracts.tenant.export' })).at(-1);
  assert.equal(audited?.actor.id, team.system_operator.userId);
  const summary = JSON.parse(result.stdout) as { records: number; deleted: number };
  assert.equal(summary.records, 3);
  assert.equal(summary.deleted, 1);
  checkExport(zip, path.join(h.dir, 'cli-export'));
  // An existing file is never overwritten.
  const before = readFileSync(zip);
  const again = runShomei(['contracts', 'export', '--tenant', tenantId, '--out', zip], env);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /SHOMEI_CLI_USAGE/);
  assert.ok(readFileSync(zip).equals(before));
});

it('a contract within retention is deleted only on a lawful request that a second person approves', async () => {
  const documentStatus = async () =>
    (
      await h.contracts.context.db
        .selectFrom('contract_documents')
        .select('status')
        .where('envelope_id', '=', importedId)
        .execute()
    ).map((d) => d.status);
  const ask = (reason: string) =>
    runShomei(
      [
        'contracts',
        'delete',
        '--envelope',
        importedId,
        '--reason',
        reason,
        '--basis',
        '個人情報保護法 35条 請求',
      ],
      team.system_administrator.env,
    );
  assert.match(ask('   ').stderr, /SHOMEI_ENVELOPE_INVALID/);
  const asked = ask('本人からの削除請求');
  assert.equal(asked.status, 0, asked.stderr);
  const request = JSON.parse(asked.stdout).request as { id: string; status: string };
  assert.equal(request.status, 'pending');
  assert.deepEqual(await documentStatus(), ['active'], 'nothing deleted before approval');
  const self = runShomei(['admin', 'approve', request.id], team.system_administrator.env);
  assert.match(self.stderr, /SHOMEI_APPROVAL_SELF/);
  const approved = runShomei(['admin', 'approve', request.id], team.security_officer.env);
  assert.equal(approved.status, 0, approved.stderr);
  assert.equal(JSON.parse(approved.stdout).outcome.documents, 1);
  assert.deepEqual(await documentStatus(), ['shredded']);
  const deleted = (await h.shomei.audit.search({ type: 'envelope.delete' })).find(
    (e) => e.subject?.id === importedId,
  );
  assert.equal(deleted?.actor.id, team.security_officer.userId);
  assert.match(
    String(deleted?.details?.reason),
    /^lawful deletion \(個人情報保護法 35条 請求\): 本人からの削除請求/,
  );
});
