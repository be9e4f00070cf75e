/**
 * Documents at rest over the API: malformed input changes nothing; documents are encrypted on disk;
 * a changed stored byte is reported as tampering and never served; deletion crypto-shreds (an
 * earlier database copy cannot be decrypted); retention, legal hold and the unprocessed-input sweep.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { rekey } from '../../src/app/index.ts';
import { contentKeyAad } from '../../src/contracts/index.ts';
import { run } from '../helpers/run.ts';
import {
  adminApiKey,
  Client,
  type ContractsHarness,
  createUser,
  json,
  openContractsHarness,
  samplePdf,
} from './harness.ts';

let h: ContractsHarness;
let client: Client;
let tenantId: string;

before(async () => {
  h = await openContractsHarness({ settings: { maxDocumentBytes: 64 * 1024 } });
  const user = await createUser(h, { email: 'owner@a.example', tenantSlug: 'tenant-a' });
  tenantId = user.tenantId;
  const key = await adminApiKey(h, user, ['envelopes:read', 'envelopes:write']);
  client = new Client(h.app);
  client.headers.authorization = `Bearer ${key.key}`;
});
after(async () => {
  await h?.close();
});

const draft = {
  title: '売買契約書',
  counterparty: 'B株式会社',
  parties: [{ role: 'signer', signingMode: 'witness-type', email: 'b@b.example', name: '佐藤 花子' }],
};

async function newEnvelope(): Promise<string> {
  const response = await client.send('POST', '/api/envelopes', draft);
  assert.equal(response.statusCode, 201, response.body);
  return json<{ id: string }>(response).id;
}

async function upload(envelopeId: string, bytes: Buffer, contentType = 'application/pdf') {
  return client.send('POST', `/api/envelopes/${envelopeId}/documents?name=a.pdf`, undefined, {
    contentType,
    raw: bytes,
  });
}

function errorCode(response: { body: string }): string {
  return json<{ error: { code: string } }>(response).error.code;
}

async function documentCount(): Promise<number> {
  const row = await h.contracts.context.db
    .selectFrom('contract_documents')
    .select(({ fn }) => fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('malformed input', () => {
  it('refuses bad JSON, bad fields, non-PDFs, oversized and encrypted PDFs, and stores nothing', async () => {
    const before = await documentCount();
    const badJson = await client.send('POST', '/api/envelopes', undefined, {
      contentType: 'application/json',
      raw: '{"title":',
    });
    assert.equal(badJson.statusCode, 400);
    assert.equal(errorCode(badJson), 'SHOMEI_BAD_REQUEST');
    const badField = await client.send('POST', '/api/envelopes', { ...draft, amount: -5 });
    assert.equal(badField.statusCode, 400);
    assert.equal(errorCode(badField), 'SHOMEI_ENVELOPE_INVALID');
    assert.equal(json<{ error: { details?: unknown } }>(badField).error.details, undefined);
    const unknownField = await client.send('POST', '/api/envelopes', { ...draft, extra: 1 });
    assert.equal(unknownField.statusCode, 400);
    const badDate = await client.send('POST', '/api/envelopes', { ...draft, transactionDate: '2026-02-30' });
    assert.equal(errorCode(badDate), 'SHOMEI_ENVELOPE_INVALID');

    const envelopeId = await newEnvelope();
    const notPdf = await upload(envelopeId, Buffer.from('just some text, not a PDF'));
    assert.equal(notPdf.statusCode, 400);
    assert.equal(errorCode(notPdf), 'SHOMEI_DOCUMENT_NOT_PDF');
    const truncated = await upload(envelopeId, samplePdf().subarray(0, 300));
    assert.equal(truncated.statusCode >= 400 && truncated.statusCode < 500, true, truncated.body);
    const oversized = await upload(envelopeId, Buffer.concat([samplePdf(), Buffer.alloc(100 * 1024, 0x20)]));
    assert.equal(oversized.statusCode, 413);
    assert.equal(errorCode(oversized), 'SHOMEI_INPUT_TOO_LARGE');
    const wrongType = await upload(envelopeId, samplePdf(), 'text/plain');
    assert.equal(wrongType.statusCode, 400);
    assert.equal(errorCode(wrongType), 'SHOMEI_DOCUMENT_NOT_PDF');

    const plain = path.join(h.dir, 'plain.pdf');
    const encrypted = path.join(h.dir, 'encrypted.pdf');
    writeFileSync(plain, samplePdf());
    const qpdf = run('qpdf', ['--encrypt', 'user', 'owner', '256', '--', plain, encrypted]);
    assert.equal(qpdf.status, 0, qpdf.stderr);
    const locked = await upload(envelopeId, readFileSync(encrypted));
    assert.equal(locked.statusCode, 422);
    assert.equal(errorCode(locked), 'SHOMEI_PDF_ENCRYPTED');

    assert.equal(await documentCount(), before, 'no refused upload left a document behind');
    const sendEmpty = await client.send('POST', `/api/envelopes/${envelopeId}/send`);
    assert.equal(errorCode(sendEmpty), 'SHOMEI_ENVELOPE_INVALID');
  });
});

describe('encryption at rest and tamper detection', () => {
  it('keeps only ciphertext on disk and refuses to serve a changed byte', async () => {
    const envelopeId = await newEnvelope();
    const pdf = samplePdf(1, 'UNIQUE-PLAINTEXT-MARKER');
    const uploaded = json<{ documents: { id: string; sha256: string }[] }>(await upload(envelopeId, pdf));
    const documentId = uploaded.documents[0]!.id;
    const blobs = path.join(h.shomei.config.home, 'contracts', 'blobs');
    const file = readdirSync(blobs).find((f) => f.startsWith(documentId));
    assert.ok(file !== undefined);
    const stored = readFileSync(path.join(blobs, file));
    assert.equal(stored.includes(Buffer.from('UNIQUE-PLAINTEXT-MARKER')), false);
    assert.equal(
      readFileSync(path.join(h.shomei.home, 'shomei.db')).includes(Buffer.from('UNIQUE-PLAINTEXT-MARKER')),
      false,
    );

    const ok = await client.send('GET', `/api/envelopes/${envelopeId}/documents/${documentId}`);
    assert.equal(ok.statusCode, 200);
    assert.ok(ok.rawPayload.equals(pdf));

    const flipped = Buffer.from(stored);
    flipped[40] = flipped[40]! ^ 0x01;
    writeFileSync(path.join(blobs, file), flipped);
    const tampered = await client.send('GET', `/api/envelopes/${envelopeId}/documents/${documentId}`);
    assert.equal(tampered.statusCode, 500);
    assert.equal(errorCode(tampered), 'SHOMEI_DOCUMENT_TAMPERED');
    assert.equal(tampered.body.includes('UNIQUE'), false);
    assert.ok(h.audit.ofType('document.tamper-detected').some((e) => e.subject?.id === documentId));

    // A changed hash in the database is caught too (the ciphertext is intact again).
    writeFileSync(path.join(blobs, file), stored);
    await h.contracts.context.db
      .updateTable('contract_document_versions')
      .set({ sha256: '0'.repeat(64) })
      .where('document_id', '=', documentId)
      .execute();
    const badHash = await client.send('GET', `/api/envelopes/${envelopeId}/documents/${documentId}`);
    assert.equal(errorCode(badHash), 'SHOMEI_DOCUMENT_TAMPERED');
  });
});

describe('deletion on request (crypto-shredding)', () => {
  it('forgets the sealed key at once, and an earlier database copy stops opening when its KEK epoch is destroyed', async () => {
    const envelopeId = await newEnvelope();
    const uploaded = json<{ documents: { id: string }[] }>(await upload(envelopeId, samplePdf()));
    const documentId = uploaded.documents[0]!.id;
    const database = path.join(h.shomei.home, 'shomei.db');
    const copy = path.join(h.dir, 'before-delete.db');
    // An online backup of the SQLite database (WAL included) taken before the deletion.
    await new Database(database, { readonly: true }).backup(copy);
    const earlier = new Database(copy, { readonly: true });
    const row = earlier
      .prepare('select hsm_key_id, sealed_key from contract_documents where id = ?')
      .get(documentId) as {
      hsm_key_id: string;
      sealed_key: Buffer;
    };
    earlier.close();
    assert.ok(row.sealed_key.length > 0);
    // Sealed under the document KEK (ADR 017), bound to this document (test/crypto/wrapped-keys.test.ts).
    assert.equal((await h.shomei.keys.get(row.hsm_key_id))?.purpose, 'kek:contract-document');

    const noReason = await client.send('POST', `/api/envelopes/${envelopeId}/delete`, {});
    assert.equal(noReason.statusCode, 400);
    const deleted = await client.send('POST', `/api/envelopes/${envelopeId}/delete`, {
      reason: '利用者の依頼 / user request',
    });
    assert.equal(deleted.statusCode, 204, deleted.body);
    const gone = await client.send('GET', `/api/envelopes/${envelopeId}/documents/${documentId}`);
    // A deleted draft goes entirely (404, issue #15); a deleted document of a kept envelope is 410.
    assert.ok([404, 410].includes(gone.statusCode), gone.body);
    assert.ok(['SHOMEI_ENVELOPE_NOT_FOUND', 'SHOMEI_DOCUMENT_DELETED'].includes(errorCode(gone)));
    const blobs = readdirSync(path.join(h.shomei.config.home, 'contracts', 'blobs'));
    assert.equal(
      blobs.some((f) => f.startsWith(documentId)),
      false,
    );
    assert.ok(
      h.audit.ofType('document.shred').some((e) => e.subject?.id === documentId) ||
        h.audit.ofType('envelope.discard').some((e) => e.subject?.id === envelopeId),
    );
    // What the practice statement promises: until the epoch ends, the earlier copy still opens…
    const aad = contentKeyAad(documentId);
    assert.equal((await h.shomei.crypto.decryptWithKey(row.hsm_key_id, row.sealed_key, aad)).length, 32);

    // …and after a rotation destroys that epoch, it never opens again.
    const report = await rekey(
      h.shomei,
      { kind: 'operator', id: 'test' },
      { rotate: true, epochGraceSeconds: 0 },
    );
    assert.ok(report.epochsDestroyed.includes(row.hsm_key_id));
    assert.equal(await h.shomei.crypto.hasKey(row.hsm_key_id), false, 'the KEK epoch is destroyed');
    await assert.rejects(h.shomei.crypto.decryptWithKey(row.hsm_key_id, row.sealed_key, aad));
    assert.equal((await h.shomei.keys.get(row.hsm_key_id))?.status, 'destroyed');
  });
});

describe('retention, legal hold and unprocessed input', () => {
  it('keeps completed envelopes for the retention period, honours legal hold, and sweeps unsent input', async () => {
    const envelopeId = await newEnvelope();
    await upload(envelopeId, samplePdf());
    const sent = json<{ accessCodes: { accessCode: string }[] }>(
      await client.send('POST', `/api/envelopes/${envelopeId}/send`),
    );
    const opened = json<{ partyToken: string }>(
      await new Client(h.app).send('POST', '/api/sign/open', {
        token: h.mailer.lastLinkToken('b@b.example'),
        accessCode: sent.accessCodes[0]!.accessCode,
      }),
    );
    const party = new Client(h.app);
    party.headers['x-shomei-party'] = opened.partyToken;
    const confirmation = json<{ documents: { sha256: string }[] }>(
      await party.send('GET', `/api/envelopes/${envelopeId}/witness-confirmation`),
    );
    const signed = await party.send('POST', `/api/envelopes/${envelopeId}/sign/witness`, {
      confirmed: true,
      documentSha256: confirmation.documents.map((d) => d.sha256),
    });
    assert.equal(json<{ status: string }>(signed).status, 'completed', signed.body);

    const refused = await client.send('POST', `/api/envelopes/${envelopeId}/delete`, { reason: 'too early' });
    assert.equal(refused.statusCode, 409);
    assert.equal(errorCode(refused), 'SHOMEI_DOCUMENT_RETAINED');

    const held = await client.send('POST', `/api/envelopes/${envelopeId}/legal-hold`, { hold: true });
    assert.equal(json<{ legalHold: boolean }>(held).legalHold, true);
    const elevenYears = new Date(Date.now() + 11 * 366 * 86_400_000);
    assert.equal((await h.contracts.sweep(elevenYears)).retentionEnded, 0, 'legal hold keeps it');
    await client.send('POST', `/api/envelopes/${envelopeId}/legal-hold`, { hold: false });

    // A draft with an upload that is never sent.
    const draftId = await newEnvelope();
    const draftDoc = json<{ documents: { id: string }[] }>(await upload(draftId, samplePdf())).documents[0]!
      .id;
    const swept = await h.contracts.sweep(elevenYears);
    assert.ok(swept.retentionEnded >= 1);
    assert.ok(swept.unprocessed >= 1);
    const view = json<{ status: string; closedReason: string }>(
      await client.send('GET', `/api/envelopes/${draftId}`),
    );
    assert.equal(view.status, 'expired');
    assert.equal(
      errorCode(await client.send('GET', `/api/envelopes/${draftId}/documents/${draftDoc}`)),
      'SHOMEI_DOCUMENT_DELETED',
    );
    const completedView = json<{ documents: { status: string }[] }>(
      await client.send('GET', `/api/envelopes/${envelopeId}`),
    );
    assert.equal(completedView.documents[0]!.status, 'shredded');
    assert.ok(tenantId.length > 0);
  });
});

describe('documents of envelopes that never became contracts', () => {
  it('are shredded after the published period once cancelled, and kept until then', async () => {
    const envelopeId = await newEnvelope();
    const documentId = json<{ documents: { id: string }[] }>(await upload(envelopeId, samplePdf()))
      .documents[0]!.id;
    assert.equal((await client.send('POST', `/api/envelopes/${envelopeId}/send`)).statusCode, 200);
    const cancelled = await client.send('POST', `/api/envelopes/${envelopeId}/cancel`, {
      reason: '取りやめ',
    });
    assert.equal(cancelled.statusCode, 204, cancelled.body);
    const day = 86_400_000;
    const period = h.contracts.context.settings.closedDocumentDays;
    await h.contracts.sweep(new Date(Date.now() + (period - 1) * day));
    const kept = await client.send('GET', `/api/envelopes/${envelopeId}/documents/${documentId}`);
    assert.equal(kept.statusCode, 200, 'kept within the period');
    const swept = await h.contracts.sweep(new Date(Date.now() + (period + 1) * day));
    assert.ok(swept.closed >= 1);
    assert.equal(
      errorCode(await client.send('GET', `/api/envelopes/${envelopeId}/documents/${documentId}`)),
      'SHOMEI_DOCUMENT_DELETED',
    );
    const view = json<{ status: string; documents: { status: string }[] }>(
      await client.send('GET', `/api/envelopes/${envelopeId}`),
    );
    assert.deepEqual([view.status, view.documents[0]!.status], ['cancelled', 'shredded']);
    const deleted = h.audit.ofType('envelope.delete').find((e) => e.subject?.id === envelopeId);
    assert.equal(deleted?.details?.reason, 'closed envelope period ended');
  });
});

describe('an interrupted completion', () => {
  it('is put back to sent by the sweep after its lease when not every party has acted', async () => {
    const envelopeId = await newEnvelope();
    await upload(envelopeId, samplePdf());
    await client.send('POST', `/api/envelopes/${envelopeId}/send`);
    const db = h.contracts.context.db;
    const longAgo = new Date(Date.now() - 3600_000).toISOString();
    await db
      .updateTable('contract_envelopes')
      .set({ status: 'completing', updated_at: longAgo })
      .where('id', '=', envelopeId)
      .execute();
    assert.equal(
      errorCode(await client.send('POST', `/api/envelopes/${envelopeId}/cancel`, { reason: 'x' })),
      'SHOMEI_ENVELOPE_STATE',
    );
    const swept = await h.contracts.sweep();
    assert.ok(swept.reclaimed >= 1);
    const view = json<{ status: string }>(await client.send('GET', `/api/envelopes/${envelopeId}`));
    assert.equal(view.status, 'sent');
    const retry = await client.send('POST', `/api/envelopes/${envelopeId}/complete`);
    assert.equal(errorCode(retry), 'SHOMEI_ENVELOPE_STATE', 'not every party has acted yet');
  });
});
