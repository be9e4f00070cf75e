/**
 * Completion after a crash (issue #10), without anyone calling POST …/complete: an envelope left
 * `completing` by a killed process — with the blob files and plaintext work files its completion had
 * written — is finished at start-up, once (one completion version, one envelope.complete record); an
 * envelope whose last act committed but whose completion never ran (or failed) is finished by the
 * sweep after the lease. The result passes pdfsig and the audit chain verifies.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type EmbeddedSigning, openEmbeddedSigning } from '../../src/ades/index.ts';
import {
  adminApiKey,
  Client,
  type ContractsHarness,
  createUser,
  json,
  openContractsHarness,
  samplePdf,
} from './harness.ts';
import { pdfsigReport, pem, trustingNssDb } from './validators.ts';

let h: ContractsHarness;
let client: Client;
let nss: string;
/** While true revocation data cannot be fetched, so completion fails after the act commits. */
let providerDown = false;
let provider: Promise<EmbeddedSigning> | undefined;

before(async () => {
  h = await openContractsHarness({
    // The real provider, whose revocation source (asked only by completion) can be made unreachable.
    provider: async () => {
      provider ??= openEmbeddedSigning({
        config: h.shomei.config,
        database: h.shomei.database,
        crypto: h.shomei.crypto,
        keys: h.shomei.keys,
      });
      const real = await provider;
      return {
        ...real,
        revocationSource: {
          ...real.revocationSource,
          revocationFor: (certificate, issuer) =>
            providerDown
              ? Promise.reject(new Error('OCSP responder unreachable'))
              : real.revocationSource.revocationFor(certificate, issuer),
        },
      };
    },
  });
  const user = await createUser(h, { email: 'owner@crash.example', tenantSlug: 'crash' });
  const key = await adminApiKey(h, user, ['envelopes:read', 'envelopes:write']);
  client = new Client(h.app);
  client.headers.authorization = `Bearer ${key.key}`;
  const [, root] = await h.shomei.ca.chain();
  const rootPem = path.join(h.dir, 'root.pem');
  writeFileSync(rootPem, pem(root!));
  nss = trustingNssDb(path.join(h.dir, 'nss'), rootPem);
});
after(async () => {
  await h?.close();
});

const contractsHome = (): string => path.join(h.shomei.config.home, 'contracts');

/** A sent one-party witness envelope whose act committed while completion failed: sent, v2. */
async function signedButNotCompleted(title: string): Promise<{ envelopeId: string; documentId: string }> {
  const created = await client.send('POST', '/api/envelopes', {
    title,
    counterparty: 'B株式会社',
    parties: [{ role: 'signer', signingMode: 'witness-type', email: 'b@crash.example', name: '佐藤 花子' }],
  });
  const envelopeId = json<{ id: string }>(created).id;
  const uploaded = await client.send('POST', `/api/envelopes/${envelopeId}/documents?name=a.pdf`, undefined, {
    contentType: 'application/pdf',
    raw: samplePdf(1, title),
  });
  const documentId = json<{ documents: { id: string }[] }>(uploaded).documents[0]!.id;
  const sent = json<{ accessCodes: { accessCode: string }[] }>(
    await client.send('POST', `/api/envelopes/${envelopeId}/send`),
  );
  const opened = json<{ partyToken: string }>(
    await new Client(h.app).send('POST', '/api/sign/open', {
      token: h.mailer.lastLinkToken('b@crash.example'),
      accessCode: sent.accessCodes[0]!.accessCode,
    }),
  );
  const party = new Client(h.app);
  party.headers['x-shomei-party'] = opened.partyToken;
  const confirmation = json<{ documents: { sha256: string }[] }>(
    await party.send('GET', `/api/envelopes/${envelopeId}/witness-confirmation`),
  );
  providerDown = true;
  try {
    const signed = await party.send('POST', `/api/envelopes/${envelopeId}/sign/witness`, {
      confirmed: true,
      documentSha256: confirmation.documents.map((d) => d.sha256),
    });
    assert.notEqual(signed.statusCode, 200, 'completion failed after the act');
  } finally {
    providerDown = false;
  }
  assert.equal(await statusOf(envelopeId), 'sent');
  assert.deepEqual(await versionKinds(documentId), ['original', 'signature']);
  return { envelopeId, documentId };
}

async function statusOf(envelopeId: string): Promise<string | undefined> {
  const row = await h.contracts.context.db
    .selectFrom('contract_envelopes')
    .select('status')
    .where('id', '=', envelopeId)
    .executeTakeFirst();
  return row?.status;
}

async function versionKinds(documentId: string): Promise<string[]> {
  const rows = await h.contracts.context.db
    .selectFrom('contract_document_versions')
    .select(['version', 'kind'])
    .where('document_id', '=', documentId)
    .orderBy('version')
    .execute();
  assert.deepEqual(
    rows.map((r) => r.version),
    rows.map((_, i) => i + 1),
  );
  return rows.map((r) => r.kind);
}

async function successfulCompletions(envelopeId: string): Promise<Record<string, unknown>[]> {
  const records = await h.shomei.audit.search({ type: 'envelope.complete', limit: 1000 });
  return records.filter((r) => r.subject?.id === envelopeId && r.outcome === 'success').map((r) => r.details);
}

/** The final PDF: the witness e-seal, valid for pdfsig, then the document timestamp. */
async function assertValidates(envelopeId: string, documentId: string): Promise<void> {
  const pdf = (await client.send('GET', `/api/envelopes/${envelopeId}/documents/${documentId}`)).rawPayload;
  const file = path.join(h.dir, `${envelopeId}.pdf`);
  writeFileSync(file, pdf);
  const report = pdfsigReport(file, nss);
  assert.equal(report.blocks.length, 2, report.raw);
  assert.match(report.blocks[0]!, /Signature Validation: Signature is Valid\./, report.raw);
  // pdfsig does not validate RFC 3161 document timestamps; it must be the one archive timestamp.
  assert.match(report.blocks[1]!, /Signature Field Name: shomei-archive-0-1/, report.raw);
}

describe('a completion killed half-way', () => {
  it('is finished once at start-up, and what the dead process wrote is removed', async () => {
    const { envelopeId, documentId } = await signedButNotCompleted('killed while completing');
    // What a process SIGKILLed inside completeEnvelope leaves: the claim, the encrypted blob of the
    // completion version it had prepared (and a half-written one), and its plaintext work files.
    const ctx = h.contracts.context;
    const claimedAt = new Date(Date.now() - 60_000);
    await ctx.db
      .updateTable('contract_envelopes')
      .set({ status: 'completing', updated_at: claimedAt.toISOString() })
      .where('id', '=', envelopeId)
      .execute();
    const document = await ctx.db
      .selectFrom('contract_documents')
      .selectAll()
      .where('id', '=', documentId)
      .executeTakeFirstOrThrow();
    const orphan = await ctx.vault.prepareVersion(
      documentId,
      3,
      'completion',
      await ctx.vault.contentKeyOf(document),
      samplePdf(1, 'never recorded'),
    );
    writeFileSync(`${orphan.file!.replace(/\.bin$/, '')}.x.bin.tmp`, 'half written');
    const work = path.join(ctx.workDirectory, 'dead-process');
    mkdirSync(work);
    writeFileSync(path.join(work, '0.attached.pdf'), 'plaintext of the signed contract');
    utimesSync(work, claimedAt, claimedAt);

    const outcome = await h.contracts.resumeCompletions({ startup: true });
    assert.deepEqual(outcome, { resumed: 1, returned: 0, failed: 0 });
    assert.equal(await statusOf(envelopeId), 'completed');
    assert.deepEqual(await versionKinds(documentId), ['original', 'signature', 'completion']);
    const recorded = await ctx.db
      .selectFrom('contract_document_versions')
      .select('blob_ref')
      .where('document_id', '=', documentId)
      .execute();
    const blobs = readdirSync(path.join(contractsHome(), 'blobs')).filter((n) => n.startsWith(documentId));
    assert.deepEqual(blobs.sort(), recorded.map((r) => r.blob_ref).sort(), 'no unrecorded blob is left');
    assert.deepEqual(readdirSync(ctx.workDirectory), [], 'the dead process’s work files are gone');
    const completions = await successfulCompletions(envelopeId);
    assert.equal(completions.length, 1);
    assert.equal(completions[0]!.resumed, true);
    await assertValidates(envelopeId, documentId);

    // Once more (a second start, or the sweep): nothing is added.
    assert.deepEqual(await h.contracts.resumeCompletions({ startup: true }), {
      resumed: 0,
      returned: 0,
      failed: 0,
    });
    assert.deepEqual(await versionKinds(documentId), ['original', 'signature', 'completion']);
    assert.equal((await successfulCompletions(envelopeId)).length, 1);
    const verified = await h.shomei.audit.verify();
    assert.equal(verified.ok, true, JSON.stringify(verified));
  });

  it('the sweep finishes an envelope every party acted on but whose completion never ran', async () => {
    const { envelopeId, documentId } = await signedButNotCompleted('killed after the act');
    // Within the lease the sweep leaves it alone (its own instance may still be completing it).
    assert.equal((await h.contracts.sweep()).resumed, 0);
    assert.equal(await statusOf(envelopeId), 'sent');
    const later = new Date(Date.now() + (h.contracts.settings.completionLeaseSeconds + 1) * 1000);
    // Past its expiry it is still completed, not expired: every party has signed.
    await h.contracts.context.db
      .updateTable('contract_envelopes')
      .set({ expires_at: new Date(Date.now() + 1000).toISOString() })
      .where('id', '=', envelopeId)
      .execute();
    const swept = await h.contracts.sweep(later);
    assert.equal(swept.resumed, 1);
    assert.equal(await statusOf(envelopeId), 'completed');
    assert.deepEqual(await versionKinds(documentId), ['original', 'signature', 'completion']);
    assert.equal((await successfulCompletions(envelopeId)).length, 1);
    await assertValidates(envelopeId, documentId);
  });
});
