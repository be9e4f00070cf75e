/**
 * PostgreSQL mode: ciphertext lives in the database (bytea), tamper detection and crypto-shredding
 * work there too, a witness-type envelope completes to B-LTA, and a completion whose instance died is
 * finished by exactly one of two instances once its lease ran out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EmbeddedSigning, openEmbeddedSigning } from '../../src/ades/index.ts';
import { DatabaseAuditTrail } from '../../src/audit/index.ts';
import { ContractService } from '../../src/contracts/index.ts';
import { listSignatures } from '../../src/pdf/index.ts';
import { KeyRegistry, openDatabase } from '../../src/store/index.ts';
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

before(async () => {
  h = await openContractsHarness({ dialect: 'postgres' });
  const user = await createUser(h, { email: 'pg@a.example', tenantSlug: 'tenant-pg' });
  const key = await adminApiKey(h, user, ['envelopes:read', 'envelopes:write']);
  client = new Client(h.app);
  client.headers.authorization = `Bearer ${key.key}`;
});
after(async () => {
  await h?.close();
});

async function envelopeWithDocument(
  marker: string,
): Promise<{ envelopeId: string; documentId: string; pdf: Buffer }> {
  const created = json<{ id: string }>(
    await client.send('POST', '/api/envelopes', {
      title: '請負契約書',
      counterparty: 'PG株式会社',
      transactionDate: '2026-04-01',
      amount: 500_000,
      parties: [
        { role: 'signer', signingMode: 'witness-type', email: 'pg-party@b.example', name: '伊藤 三郎' },
      ],
    }),
  );
  const pdf = samplePdf(1, marker);
  const uploaded = json<{ documents: { id: string }[] }>(
    await client.send('POST', `/api/envelopes/${created.id}/documents`, undefined, {
      contentType: 'application/pdf',
      raw: pdf,
    }),
  );
  return { envelopeId: created.id, documentId: uploaded.documents[0]!.id, pdf };
}

describe('contracts on PostgreSQL', () => {
  it('stores only ciphertext in the database, detects a changed byte, and shreds on deletion', async () => {
    const { envelopeId, documentId, pdf } = await envelopeWithDocument('PG-PLAINTEXT-MARKER');
    const db = h.contracts.context.db;
    const row = await db
      .selectFrom('contract_document_versions')
      .selectAll()
      .where('document_id', '=', documentId)
      .executeTakeFirstOrThrow();
    assert.ok(row.data !== null && row.blob_ref === null, 'the ciphertext is in the database');
    assert.equal(Buffer.from(row.data).includes(Buffer.from('PG-PLAINTEXT-MARKER')), false);
    const url = `/api/envelopes/${envelopeId}/documents/${documentId}`;
    assert.ok((await client.send('GET', url)).rawPayload.equals(pdf));

    const flipped = Buffer.from(row.data);
    flipped[30] = flipped[30]! ^ 0x80;
    await db
      .updateTable('contract_document_versions')
      .set({ data: flipped })
      .where('document_id', '=', documentId)
      .execute();
    const tampered = await client.send('GET', url);
    assert.equal(json<{ error: { code: string } }>(tampered).error.code, 'SHOMEI_DOCUMENT_TAMPERED');
    await db
      .updateTable('contract_document_versions')
      .set({ data: row.data })
      .where('document_id', '=', documentId)
      .execute();

    const document = await db
      .selectFrom('contract_documents')
      .selectAll()
      .where('id', '=', documentId)
      .executeTakeFirstOrThrow();
    assert.equal(
      (await client.send('POST', `/api/envelopes/${envelopeId}/delete`, { reason: 'request' })).statusCode,
      204,
    );
    // A draft is discarded entirely (issue #15): its row and sealed content key are gone (sealed
    // under the document KEK, ADR 017: a backup opens it only until that KEK's epoch is destroyed,
    // test/contracts/storage.test.ts).
    const gone = await db
      .selectFrom('contract_documents')
      .select(['status', 'sealed_key'])
      .where('id', '=', documentId)
      .executeTakeFirst();
    assert.equal(gone, undefined);
    assert.equal((await h.shomei.keys.get(document.hsm_key_id!))?.purpose, 'kek:contract-document');
    const after = await db
      .selectFrom('contract_document_versions')
      .select('data')
      .where('document_id', '=', documentId)
      .execute();
    assert.equal(after.length, 0, 'no ciphertext left');
    assert.equal((await client.send('GET', url)).statusCode, 404);
  });

  it('completes a witness-type envelope to B-LTA and finds it by 電帳法 search', async () => {
    const { envelopeId, documentId } = await envelopeWithDocument('pg-complete');
    const sent = json<{ accessCodes: { accessCode: string }[] }>(
      await client.send('POST', `/api/envelopes/${envelopeId}/send`),
    );
    const opened = json<{ partyToken: string }>(
      await new Client(h.app).send('POST', '/api/sign/open', {
        token: h.mailer.lastLinkToken('pg-party@b.example'),
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
      lang: 'en',
      documentSha256: confirmation.documents.map((d) => d.sha256),
    });
    assert.equal(json<{ status: string }>(signed).status, 'completed', signed.body);
    const pdf = (await party.send('GET', `/api/envelopes/${envelopeId}/documents/${documentId}`)).rawPayload;
    assert.deepEqual(
      (await listSignatures(pdf)).map((s) => s.subFilter),
      ['ETSI.CAdES.detached', 'ETSI.RFC3161'],
    );
    const found = json<{ items: { id: string }[] }>(
      await client.send(
        'GET',
        '/api/envelopes?transactionDateFrom=2026-04-01&transactionDateTo=2026-04-01&amountMin=500000&amountMax=500000&counterparty=PG%E6%A0%AA%E5%BC%8F%E4%BC%9A%E7%A4%BE&status=completed',
      ),
    );
    assert.deepEqual(
      found.items.map((i) => i.id),
      [envelopeId],
    );
  });
});

/**
 * A second instance: its own connection pool (so its own cluster-lock session) and audit trail;
 * its OCSP responder is unreachable while `revocation.down`, so its completion fails.
 */
function secondInstance(
  database: ReturnType<typeof openDatabase>,
  revocation: { down: boolean },
): ContractService {
  let real: Promise<EmbeddedSigning> | undefined;
  return new ContractService({
    config: h.shomei.config,
    database,
    crypto: h.shomei.crypto,
    keys: new KeyRegistry(database.db),
    audit: new DatabaseAuditTrail(database),
    mailer: h.mailer,
    users: (id) => h.shomei.identity.accounts.getUser(id),
    auditSearch: (filter) => h.shomei.audit.search(filter),
    provider: async () => {
      real ??= openEmbeddedSigning({
        config: h.shomei.config,
        database: h.shomei.database,
        crypto: h.shomei.crypto,
        keys: h.shomei.keys,
      });
      const signing = await real;
      const revocationFor: EmbeddedSigning['revocationSource']['revocationFor'] = (certificate, issuer) =>
        revocation.down
          ? Promise.reject(new Error('OCSP responder unreachable'))
          : signing.revocationSource.revocationFor(certificate, issuer);
      return { ...signing, revocationSource: { ...signing.revocationSource, revocationFor } };
    },
  });
}

/** The party signs on the second instance, which dies in completion: what it leaves is the claim. */
async function signAndDieInCompletion(second: ContractService, envelopeId: string): Promise<void> {
  const sent = json<{ accessCodes: { accessCode: string }[] }>(
    await client.send('POST', `/api/envelopes/${envelopeId}/send`),
  );
  const opened = json<{ partyToken: string }>(
    await new Client(h.app).send('POST', '/api/sign/open', {
      token: h.mailer.lastLinkToken('pg-party@b.example'),
      accessCode: sent.accessCodes[0]!.accessCode,
    }),
  );
  const party = (await second.resolvePartySession(opened.partyToken, '127.0.0.1'))!;
  const reviewed = await second.witnessConfirmation(party, envelopeId);
  await assert.rejects(
    second.act(party, envelopeId, 'witness', {
      confirmed: true,
      documentSha256: reviewed.documents.map((d) => d.sha256),
    }),
  );
}

/** Completed once: one completion version, one audit record, a PDF with the signature and its timestamp. */
async function assertCompletedOnce(envelopeId: string, documentId: string): Promise<void> {
  const db = h.contracts.context.db;
  const envelope = await db
    .selectFrom('contract_envelopes')
    .select('status')
    .where('id', '=', envelopeId)
    .executeTakeFirstOrThrow();
  assert.equal(envelope.status, 'completed');
  const versions = await db
    .selectFrom('contract_document_versions')
    .select('kind')
    .where('document_id', '=', documentId)
    .orderBy('version')
    .execute();
  assert.deepEqual(
    versions.map((v) => v.kind),
    ['original', 'signature', 'completion'],
  );
  const completions = (await h.shomei.audit.search({ type: 'envelope.complete', limit: 1000 })).filter(
    (r) => r.subject?.id === envelopeId && r.outcome === 'success',
  );
  assert.equal(completions.length, 1);
  const pdf = (await client.send('GET', `/api/envelopes/${envelopeId}/documents/${documentId}`)).rawPayload;
  assert.deepEqual(
    (await listSignatures(pdf)).map((s) => s.subFilter),
    ['ETSI.CAdES.detached', 'ETSI.RFC3161'],
  );
}

describe('a completion whose instance died, with two instances on PostgreSQL', () => {
  it('is finished after its lease by exactly one of them', async () => {
    const url = new URL(h.shomei.config.databaseUrl);
    url.searchParams.set('application_name', 'shomei-second-instance');
    const database = openDatabase(url.toString());
    const revocation = { down: true };
    const second = secondInstance(database, revocation);
    try {
      const { envelopeId, documentId } = await envelopeWithDocument('pg-resume');
      await signAndDieInCompletion(second, envelopeId);
      revocation.down = false;
      const claimedAt = new Date(Date.now() - 60_000).toISOString();
      await h.contracts.context.db
        .updateTable('contract_envelopes')
        .set({ status: 'completing', updated_at: claimedAt })
        .where('id', '=', envelopeId)
        .execute();
      // Within the lease nobody takes it.
      assert.equal((await h.contracts.resumeCompletions()).resumed, 0);
      const later = new Date(Date.now() + h.contracts.settings.completionLeaseSeconds * 1000);
      const outcomes = await Promise.all([
        h.contracts.resumeCompletions({ now: later }),
        second.resumeCompletions({ now: later }),
      ]);
      assert.equal(outcomes[0].resumed + outcomes[1].resumed, 1, JSON.stringify(outcomes));
      await assertCompletedOnce(envelopeId, documentId);
      assert.equal((await h.shomei.audit.verify()).ok, true);
    } finally {
      await database.close();
    }
  });
});
