/**
 * Import of contracts signed elsewhere or on paper (POST /api/imports): the validation report of a
 * PDF signed under a foreign CA is stored and shown; a scan is recorded as unsigned; malformed,
 * encrypted and oversized input is refused with nothing stored; imported records are found by the
 * 電帳法 search on SQLite and PostgreSQL; the tenant read permission (documents.read_all) widens
 * reading to the whole tenant and never across tenants.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signPdf } from '../../src/ades/index.ts';
import { setPermission } from '../../src/contracts/index.ts';
import { makeTestPki } from '../ades/test-pki.ts';
import { run } from '../helpers/run.ts';
import {
  adminApiKey,
  type Client,
  type ContractsHarness,
  createUser,
  json,
  login,
  openContractsHarness,
  samplePdf,
  writeTemp,
} from './harness.ts';

type ImportBody = {
  record: { id: string; status: string; documents: { id: string; sha256: string }[] };
  import: { signatureStatus: string; signatures: number; indication: string | null; source: string };
  validation: { indication: string; signatures: { indication?: string; subIndication?: string }[] } | null;
};

function errorCode(response: { body: string }): string {
  return json<{ error: { code: string } }>(response).error.code;
}

const metadata = {
  title: '業務委託契約書 (他社電子契約)',
  counterparty: '株式会社フォーリン',
  transactionDate: '2025-04-15',
  amount: 3_300_000,
};

async function signedElsewhere(h: ContractsHarness): Promise<{ pdf: Buffer; rootPem: string }> {
  const foreign = await makeTestPki(h.shomei, h.dir);
  const signer = await foreign.newSigner('EC-P256', 'signer at another e-contract service');
  const input = writeTemp(h, 'foreign-input.pdf', samplePdf(2, 'signed elsewhere'));
  const output = path.join(h.dir, 'foreign-signed.pdf');
  await signPdf({
    input,
    output,
    signer: signer.signer,
    certificateChain: [signer.certificate, foreign.root.certificate],
    level: 'B-B',
  });
  return { pdf: readFileSync(output), rootPem: readFileSync(foreign.rootPemPath, 'utf8') };
}

async function storedCounts(h: ContractsHarness) {
  const db = h.contracts.context.db;
  const count = async (table: 'contract_envelopes' | 'contract_documents' | 'contract_document_versions') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select(({ fn }) => fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const blobs = path.join(h.shomei.config.home, 'contracts', 'blobs');
  return {
    envelopes: await count('contract_envelopes'),
    documents: await count('contract_documents'),
    versions: await count('contract_document_versions'),
    blobs: h.shomei.database.dialect === 'sqlite' ? readdirSync(blobs).length : 0,
    keys: (await h.shomei.keys.list()).length,
  };
}

describe('imports on SQLite', () => {
  let h: ContractsHarness;
  let owner: Client;
  let colleague: Client;
  let outsider: Client;
  let outsiderId: string;
  let ownerId: string;
  let colleagueId: string;
  let tenantId: string;
  let signedId: string;

  before(async () => {
    h = await openContractsHarness({ settings: { maxDocumentBytes: 256 * 1024 } });
    const a = await createUser(h, { email: 'keiri@import-a.example', tenantSlug: 'import-a' });
    const b = await createUser(h, { email: 'eigyo@import-a.example', tenantSlug: 'import-a' });
    const c = await createUser(h, { email: 'keiri@import-b.example', tenantSlug: 'import-b' });
    ownerId = a.id;
    outsiderId = c.id;
    colleagueId = b.id;
    tenantId = a.tenantId;
    owner = await login(h.app, a.email);
    colleague = await login(h.app, b.email);
    outsider = await login(h.app, c.email);
    // The other tenant's user may read all of *their* tenant: that must not reach tenant A.
    await setPermission(h.contracts.context, { kind: 'operator', id: 'test' }, c.tenantId, {
      userId: c.id,
      permission: 'documents.read_all',
      granted: true,
    });
  });
  after(async () => h?.close());

  it('a PDF signed under a foreign CA: every signature validated, the report stored and shown, the PDF kept as is', async () => {
    const { pdf, rootPem } = await signedElsewhere(h);
    const response = await owner.send('POST', '/api/imports', {
      ...metadata,
      parties: [{ name: '山田 太郎', company: '株式会社フォーリン' }],
      trustAnchors: [rootPem],
      pdfBase64: pdf.toString('base64'),
    });
    assert.equal(response.statusCode, 201, response.body);
    const body = json<ImportBody>(response);
    signedId = body.record.id;
    assert.equal(body.record.status, 'imported');
    assert.equal(body.import.signatureStatus, 'signed');
    assert.equal(body.import.signatures, 1);
    // Chain built to the trusted foreign root and the signature intact; a B-B signature carries no
    // revocation data and the import validates offline, so the honest verdict is "try later".
    assert.equal(body.import.indication, 'INDETERMINATE');
    assert.equal(body.validation?.indication, 'INDETERMINATE');
    assert.equal(body.validation?.signatures[0]?.subIndication, 'TRY_LATER');
    assert.ok(JSON.stringify(body.validation).includes('REVOCATION_DATA_MISSING'));
    const detail = json<ImportBody>(await owner.send('GET', `/api/imports/${signedId}`));
    assert.deepEqual(detail.validation, body.validation);
    const document = body.record.documents[0]!;
    const download = await owner.send('GET', `/api/envelopes/${signedId}/documents/${document.id}`);
    assert.equal(download.statusCode, 200);
    assert.ok(download.rawPayload.equals(pdf), 'the imported bytes come back unchanged');
    // Encrypted at rest: the blob on disk is not the PDF.
    const blobs = path.join(h.shomei.config.home, 'contracts', 'blobs');
    const blob = readdirSync(blobs).find((f) => f.startsWith(document.id))!;
    assert.ok(!readFileSync(path.join(blobs, blob)).includes(Buffer.from('%PDF-')));
  });

  it('without the foreign root the signature is imported as not trusted (the report says why)', async () => {
    const { pdf } = await signedElsewhere(h);
    const response = await owner.send('POST', '/api/imports', {
      ...metadata,
      title: '他社CA (信頼なし)',
      pdfBase64: pdf.toString('base64'),
    });
    assert.equal(response.statusCode, 201, response.body);
    const body = json<ImportBody>(response);
    assert.equal(body.import.signatureStatus, 'signed');
    assert.equal(body.import.indication, 'INDETERMINATE');
    assert.equal(body.validation?.signatures[0]?.subIndication, 'NO_CERTIFICATE_CHAIN_FOUND');
  });

  it('a scanned paper contract (application/pdf, metadata in the query) imports as "no signature"', async () => {
    const query = new URLSearchParams({
      title: '紙の契約書 (スキャン)',
      counterparty: '有限会社ペーパー',
      transactionDate: '2019-11-30',
      amount: '120000',
      source: 'paper-scan',
    });
    const response = await owner.send('POST', `/api/imports?${query}`, undefined, {
      contentType: 'application/pdf',
      raw: samplePdf(1, 'scanned paper contract'),
    });
    assert.equal(response.statusCode, 201, response.body);
    const body = json<ImportBody>(response);
    assert.equal(body.import.signatureStatus, 'none');
    assert.equal(body.import.signatures, 0);
    assert.equal(body.import.source, 'paper-scan');
    assert.equal(body.validation, null);
  });

  it('truncated, encrypted, non-PDF, oversized input and missing metadata are refused and nothing is stored', async () => {
    const before = await storedCounts(h);
    const good = samplePdf(1, 'to be broken');
    const plain = writeTemp(h, 'plain.pdf', good);
    const encrypted = path.join(h.dir, 'encrypted.pdf');
    const qpdf = run('qpdf', ['--encrypt', 'user', 'owner', '256', '--', plain, encrypted]);
    assert.equal(qpdf.status, 0, qpdf.stderr);
    const cases: [string, Record<string, unknown>, string][] = [
      [
        'truncated',
        { ...metadata, pdfBase64: good.subarray(0, good.length - 200).toString('base64') },
        'SHOMEI_PDF',
      ],
      [
        'encrypted',
        { ...metadata, pdfBase64: readFileSync(encrypted).toString('base64') },
        'SHOMEI_PDF_ENCRYPTED',
      ],
      [
        'not a PDF',
        { ...metadata, pdfBase64: Buffer.from('hello').toString('base64') },
        'SHOMEI_DOCUMENT_NOT_PDF',
      ],
      ['not base64', { ...metadata, pdfBase64: '%%%' }, 'SHOMEI_ENVELOPE_INVALID'],
      [
        'too large',
        { ...metadata, pdfBase64: Buffer.alloc(300 * 1024, 0x41).toString('base64') },
        'SHOMEI_INPUT_TOO_LARGE',
      ],
      [
        'no amount',
        { ...metadata, amount: undefined, pdfBase64: good.toString('base64') },
        'SHOMEI_ENVELOPE_INVALID',
      ],
      [
        'bad date',
        { ...metadata, transactionDate: '2025-02-30', pdfBase64: good.toString('base64') },
        'SHOMEI_ENVELOPE_INVALID',
      ],
      [
        'unknown field',
        { ...metadata, status: 'completed', pdfBase64: good.toString('base64') },
        'SHOMEI_ENVELOPE_INVALID',
      ],
      [
        'bad trust anchor',
        { ...metadata, trustAnchors: ['not a certificate'], pdfBase64: good.toString('base64') },
        'SHOMEI_',
      ],
    ];
    for (const [label, body, code] of cases) {
      const response = await owner.send('POST', '/api/imports', body);
      assert.ok(
        response.statusCode >= 400 && response.statusCode < 500,
        `${label}: ${response.statusCode} ${response.body}`,
      );
      assert.ok(errorCode(response).startsWith(code), `${label}: ${response.body}`);
    }
    const raw = await owner.send(
      'POST',
      `/api/imports?${new URLSearchParams({ ...metadata, amount: '1' })}`,
      undefined,
      {
        contentType: 'application/pdf',
        raw: readFileSync(encrypted),
      },
    );
    assert.equal(errorCode(raw), 'SHOMEI_PDF_ENCRYPTED');
    assert.deepEqual(await storedCounts(h), before);
  });

  it('a party session or a read-only API key cannot import', async () => {
    const key = await adminApiKey(h, { id: ownerId, tenantId, email: 'keiri@import-a.example' }, [
      'envelopes:read',
    ]);
    const response = await h.app.inject({
      method: 'POST',
      url: '/api/imports',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ ...metadata, pdfBase64: samplePdf().toString('base64') }),
    });
    assert.equal(response.statusCode, 403, response.body);
  });

  it('the 電帳法 search finds imported records by amount, date and counterparty', async () => {
    const query = new URLSearchParams({
      transactionDateFrom: '2025-04-01',
      transactionDateTo: '2025-04-30',
      amountMin: '3000000',
      amountMax: '3500000',
      counterparty: '株式会社フォーリン',
      status: 'imported',
    });
    const page = json<{ items: { id: string; status: string }[] }>(
      await owner.send('GET', `/api/envelopes?${query}`),
    );
    assert.equal(page.items.length, 2);
    assert.ok(page.items.some((i) => i.id === signedId));
    assert.ok(page.items.every((i) => i.status === 'imported'));
  });

  it('read permission: a colleague reads only with documents.read_all, granted by a tenant administrator; never across tenants', async () => {
    assert.equal((await colleague.send('GET', `/api/envelopes/${signedId}`)).statusCode, 404);
    assert.equal((await colleague.send('GET', `/api/imports/${signedId}`)).statusCode, 404);
    assert.equal(json<{ items: unknown[] }>(await colleague.send('GET', '/api/envelopes')).items.length, 0);
    // Nobody grants without being a tenant administrator.
    const refused = await colleague.send('PUT', '/api/contracts/permissions', {
      userId: colleagueId,
      permission: 'documents.read_all',
      granted: true,
    });
    assert.equal(refused.statusCode, 403);
    await setPermission(h.contracts.context, { kind: 'operator', id: 'test' }, tenantId, {
      userId: ownerId,
      permission: 'tenant.admin',
      granted: true,
    });
    const granted = await owner.send('PUT', '/api/contracts/permissions', {
      userId: colleagueId,
      permission: 'documents.read_all',
      granted: true,
    });
    assert.equal(granted.statusCode, 200, granted.body);
    assert.equal((await colleague.send('GET', `/api/envelopes/${signedId}`)).statusCode, 200);
    assert.equal((await colleague.send('GET', `/api/imports/${signedId}`)).statusCode, 200);
    assert.equal(json<{ items: unknown[] }>(await colleague.send('GET', '/api/envelopes')).items.length, 3);
    // Reading is not managing.
    const hold = await colleague.send('POST', `/api/envelopes/${signedId}/legal-hold`, { hold: true });
    assert.equal(hold.statusCode, 403);
    // A reader of another tenant sees nothing of this one.
    assert.equal((await outsider.send('GET', `/api/envelopes/${signedId}`)).statusCode, 404);
    assert.equal((await outsider.send('GET', `/api/imports/${signedId}`)).statusCode, 404);
    assert.equal(json<{ items: unknown[] }>(await outsider.send('GET', '/api/envelopes')).items.length, 0);
    // A user of another tenant cannot be granted here.
    const cross = await owner.send('PUT', '/api/contracts/permissions', {
      userId: outsiderId,
      permission: 'documents.read_all',
      granted: true,
    });
    assert.equal(errorCode(cross), 'SHOMEI_ENVELOPE_INVALID');
    // Revoked: back to 404.
    await owner.send('PUT', '/api/contracts/permissions', {
      userId: colleagueId,
      permission: 'documents.read_all',
      granted: false,
    });
    assert.equal((await colleague.send('GET', `/api/envelopes/${signedId}`)).statusCode, 404);
    const last = await owner.send('PUT', '/api/contracts/permissions', {
      userId: ownerId,
      permission: 'tenant.admin',
      granted: false,
    });
    assert.equal(errorCode(last), 'SHOMEI_ENVELOPE_INVALID', 'the last tenant administrator stays');
    assert.ok(h.audit.ofType('contracts.permission.grant').length >= 2);
  });

  it('imported records keep the retention and legal hold of completed envelopes', async () => {
    const early = await owner.send('POST', `/api/envelopes/${signedId}/delete`, { reason: '不要' });
    assert.equal(errorCode(early), 'SHOMEI_DOCUMENT_RETAINED');
    const result = await h.contracts.sweep(new Date(Date.now() + 11 * 366 * 86400_000));
    assert.ok(result.retentionEnded >= 3, JSON.stringify(result));
    const detail = json<ImportBody>(await owner.send('GET', `/api/imports/${signedId}`));
    assert.equal(detail.record.documents[0]?.sha256 !== undefined, true);
    const download = await owner.send(
      'GET',
      `/api/envelopes/${signedId}/documents/${detail.record.documents[0]!.id}`,
    );
    assert.equal(errorCode(download), 'SHOMEI_DOCUMENT_DELETED');
  });
});

describe('imports on PostgreSQL', () => {
  let h: ContractsHarness;
  let owner: Client;

  before(async () => {
    h = await openContractsHarness({ dialect: 'postgres' });
    const a = await createUser(h, { email: 'keiri@pg-import.example', tenantSlug: 'pg-import' });
    owner = await login(h.app, a.email);
  });
  after(async () => h?.close());

  it('an imported signed PDF is stored with its report and found by amount, date and counterparty', async () => {
    const { pdf, rootPem } = await signedElsewhere(h);
    const response = await owner.send('POST', '/api/imports', {
      ...metadata,
      trustAnchors: [rootPem],
      pdfBase64: pdf.toString('base64'),
    });
    assert.equal(response.statusCode, 201, response.body);
    const body = json<ImportBody>(response);
    assert.equal(body.import.signatures, 1);
    assert.equal(body.validation?.signatures[0]?.subIndication, 'TRY_LATER');
    const scan = await owner.send('POST', '/api/imports', {
      ...metadata,
      amount: 10,
      source: 'paper-scan',
      pdfBase64: samplePdf().toString('base64'),
    });
    assert.equal(json<ImportBody>(scan).import.signatureStatus, 'none');
    const query = new URLSearchParams({
      transactionDateFrom: '2025-04-15',
      transactionDateTo: '2025-04-15',
      amountMin: '3300000',
      counterparty: '株式会社フォーリン',
    });
    const page = json<{ items: { id: string }[] }>(await owner.send('GET', `/api/envelopes?${query}`));
    assert.deepEqual(
      page.items.map((i) => i.id),
      [body.record.id],
    );
    const stored = await h.contracts.context.db
      .selectFrom('contract_document_versions')
      .select('data')
      .where('document_id', '=', body.record.documents[0]!.id)
      .executeTakeFirstOrThrow();
    assert.ok(!Buffer.from(stored.data!).includes(Buffer.from('%PDF-')), 'ciphertext in the database');
  });
});
