/**
 * Archive timestamp renewal: a completed document whose newest timestamp comes from a TSA whose
 * certificate expires within the window (a 30-day TSA certificate issued here) gets validation data
 * and a new document timestamp; a document timestamped by the long-lived TSA is left untouched;
 * the renewed PDF still passes the outside validators.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type EmbeddedSigning, openEmbeddedSigning, type TimestampAuthority } from '../../src/ades/index.ts';
import { listSignatures } from '../../src/pdf/index.ts';
import { applyMigrations, foundationMigrations, openDatabase } from '../../src/store/index.ts';
import { EmbeddedTsa, loadTsaSettings, tsaMigrations } from '../../src/tsa/index.ts';
import {
  adminApiKey,
  Client,
  type ContractsHarness,
  createUser,
  json,
  openContractsHarness,
  samplePdf,
} from './harness.ts';
import { opensslVerifySignature, pem, qpdfCheck } from './validators.ts';

let h: ContractsHarness;
let base: EmbeddedSigning;
let current: TimestampAuthority;
let shortLived: EmbeddedTsa;
let closeTsaDb: () => Promise<void>;

before(async () => {
  h = await openContractsHarness({
    provider: async () => ({
      ...base,
      tsa: { timestamp: (digest, algorithm) => current.timestamp(digest, algorithm) },
    }),
  });
  const { config, database, crypto, keys } = h.shomei;
  base = await openEmbeddedSigning({ config, database, crypto, keys });
  current = base.tsa;
  // A second TSA unit (its own small database) whose certificate from the embedded CA lasts 30 days.
  const tsaDb = openDatabase(`sqlite:${path.join(h.dir, 'short-tsa.db')}`);
  closeTsaDb = () => tsaDb.close();
  await applyMigrations(tsaDb.db, [foundationMigrations('sqlite'), tsaMigrations('sqlite')]);
  const settings = loadTsaSettings();
  await EmbeddedTsa.setup({
    database: tsaDb,
    crypto,
    keys,
    settings,
    issueCertificate: async (csr) => ({
      certificate: (
        await h.shomei.ca.issue({
          csr,
          profile: 'tsa',
          validityDays: 30,
          actor: { kind: 'process', id: 'test' },
        })
      ).der,
      chain: await h.shomei.ca.chain(),
    }),
  });
  shortLived = new EmbeddedTsa({ database: tsaDb, crypto, settings });
});
after(async () => {
  await closeTsaDb?.();
  await h?.close();
});

async function completedEnvelope(
  client: Client,
  email: string,
): Promise<{ envelopeId: string; documentId: string }> {
  const created = json<{ id: string }>(
    await client.send('POST', '/api/envelopes', {
      title: '賃貸借契約書',
      counterparty: 'D株式会社',
      parties: [{ role: 'signer', signingMode: 'witness-type', email, name: '高橋 一郎' }],
    }),
  );
  const uploaded = json<{ documents: { id: string }[] }>(
    await client.send('POST', `/api/envelopes/${created.id}/documents`, undefined, {
      contentType: 'application/pdf',
      raw: samplePdf(),
    }),
  );
  const sent = json<{ accessCodes: { accessCode: string }[] }>(
    await client.send('POST', `/api/envelopes/${created.id}/send`),
  );
  const opened = json<{ partyToken: string }>(
    await new Client(h.app).send('POST', '/api/sign/open', {
      token: h.mailer.lastLinkToken(email),
      accessCode: sent.accessCodes[0]!.accessCode,
    }),
  );
  const party = new Client(h.app);
  party.headers['x-shomei-party'] = opened.partyToken;
  const confirmation = json<{ documents: { sha256: string }[] }>(
    await party.send('GET', `/api/envelopes/${created.id}/witness-confirmation`),
  );
  const signed = await party.send('POST', `/api/envelopes/${created.id}/sign/witness`, {
    confirmed: true,
    documentSha256: confirmation.documents.map((d) => d.sha256),
  });
  assert.equal(json<{ status: string }>(signed).status, 'completed', signed.body);
  return { envelopeId: created.id, documentId: uploaded.documents[0]!.id };
}

describe('renewArchiveTimestamps', () => {
  it('renews only the document whose TSA certificate nears expiry, and it still validates', async () => {
    const user = await createUser(h, { email: 'archive@a.example', tenantSlug: 'tenant-archive' });
    const key = await adminApiKey(h, user, ['envelopes:read', 'envelopes:write']);
    const client = new Client(h.app);
    client.headers.authorization = `Bearer ${key.key}`;

    current = shortLived;
    const nearing = await completedEnvelope(client, 'near@d.example');
    current = base.tsa;
    const lasting = await completedEnvelope(client, 'far@d.example');
    const download = async (e: { envelopeId: string; documentId: string }) =>
      (await client.send('GET', `/api/envelopes/${e.envelopeId}/documents/${e.documentId}`)).rawPayload;
    const nearingBefore = await download(nearing);
    const lastingBefore = await download(lasting);

    const outcomes = await h.contracts.renewArchiveTimestamps({ windowDays: 365 });
    const byDocument = new Map(outcomes.map((o) => [o.documentId, o]));
    assert.equal(byDocument.get(nearing.documentId)?.action, 'renewed', JSON.stringify(outcomes));
    assert.equal(byDocument.get(lasting.documentId)?.action, 'current');

    const lastingAfter = await download(lasting);
    assert.ok(lastingAfter.equals(lastingBefore), 'the other document is untouched');
    const renewed = await download(nearing);
    assert.ok(
      renewed.subarray(0, nearingBefore.length).equals(nearingBefore),
      'renewal appends revisions only',
    );
    const before = await listSignatures(nearingBefore);
    const afterRenewal = await listSignatures(renewed);
    assert.equal(afterRenewal.length, before.length + 1);
    assert.equal(afterRenewal.at(-1)!.subFilter, 'ETSI.RFC3161');
    assert.equal(afterRenewal.at(-1)!.coversWholeFile, true);

    const file = path.join(h.dir, 'renewed.pdf');
    writeFileSync(file, renewed);
    const checked = qpdfCheck(file);
    assert.equal(checked.status, 0, checked.output);
    const [issuing, root] = await h.shomei.ca.chain();
    const caFile = path.join(h.dir, 'ca.pem');
    writeFileSync(caFile, pem(issuing!) + pem(root!));
    const verified = await opensslVerifySignature(file, 0, h.dir, caFile);
    assert.equal(verified.status, 0, verified.output);

    // The new timestamp comes from the long-lived TSA: a second run leaves everything as it is.
    const again = await h.contracts.renewArchiveTimestamps({ windowDays: 365 });
    assert.ok(
      again.every((o) => o.action === 'current'),
      JSON.stringify(again),
    );
    assert.ok(
      h.audit.ofType('document.archive-timestamp.renew').some((e) => e.subject?.id === nearing.documentId),
    );
    await assert.rejects(h.contracts.renewArchiveTimestamps({ windowDays: -1 }), /SHOMEI_ENVELOPE_INVALID/);
  });
});
