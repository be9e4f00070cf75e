/**
 * Completion on the work pool's threads (ADR 016, issue #20): with the real server, a witness-type
 * party's act completes the envelope, the certificate of completion, validation data and document
 * timestamp are assembled on a worker while the revocation answers and the timestamp (HSM keys)
 * come from the main thread over the job's port. Judged by pdfsig and qpdf, not by our own reader.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { DocumentWork } from '../../src/app/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { openTestShomei } from '../helpers/home.ts';
import { type Client, type ContractsHarness, createUser, json, login, samplePdf } from './harness.ts';
import { pdfsigReport, pem, qpdfCheck, trustingNssDb } from './validators.ts';

let shomei: Awaited<ReturnType<typeof openTestShomei>>;
let app: FastifyInstance;
let sender: Client;
let assembled = 0;

before(async () => {
  shomei = await openTestShomei();
  const work = shomei.work as { assembleCompleted?: DocumentWork['assembleCompleted'] };
  const assemble = work.assembleCompleted;
  assert.ok(assemble !== undefined, 'the default settings run completion on workers');
  work.assembleCompleted = (assembly, provider) => {
    assembled += 1;
    return assemble(assembly, provider);
  };
  app = await buildServer(shomei);
  const user = await createUser({ shomei } as unknown as ContractsHarness, {
    email: 'sender@workers.example',
    tenantSlug: 'workers',
  });
  sender = await login(app, user.email);
});
after(async () => {
  await app?.close();
  await shomei?.close();
});

describe('completion on worker threads', () => {
  it('a witness-type act completes the envelope; pdfsig and qpdf accept the B-LTA document', async () => {
    const witness = 'witness@workers.example';
    const created = json<{ id: string }>(
      await sender.send('POST', '/api/envelopes', {
        title: '業務委託契約書',
        counterparty: 'W株式会社',
        signingOrder: 'parallel',
        parties: [
          {
            role: 'signer',
            signingMode: 'witness-type',
            email: witness,
            name: '佐藤 花子',
            placement: { page: 0, rect: [60, 60, 260, 140] },
          },
        ],
      }),
    );
    const uploaded = await sender.send(
      'POST',
      `/api/envelopes/${created.id}/documents?name=c.pdf`,
      undefined,
      {
        contentType: 'application/pdf',
        raw: samplePdf(),
      },
    );
    assert.equal(uploaded.statusCode, 201, uploaded.body);
    const sent = json<{ accessCodes: { accessCode: string }[] }>(
      await sender.send('POST', `/api/envelopes/${created.id}/send`),
    );
    const outbox = json<{ messages: { to: string; text: string }[] }>(
      await sender.send('GET', '/dev/outbox?format=json&limit=100'),
    );
    const token = /\/sign\/([A-Za-z0-9_-]+)/.exec(outbox.messages.find((m) => m.to === witness)!.text)![1]!;
    const party = new (sender.constructor as new (app: FastifyInstance) => Client)(app);
    const opened = await party.send('POST', '/api/sign/open', {
      token,
      accessCode: sent.accessCodes[0]!.accessCode,
    });
    assert.equal(opened.statusCode, 200, opened.body);
    party.headers['x-shomei-party'] = json<{ partyToken: string }>(opened).partyToken;
    const confirmation = json<{ documents: { sha256: string }[] }>(
      await party.send('GET', `/api/envelopes/${created.id}/witness-confirmation`),
    );
    const signed = await party.send('POST', `/api/envelopes/${created.id}/sign/witness`, {
      confirmed: true,
      lang: 'ja',
      documentSha256: confirmation.documents.map((d) => d.sha256),
    });
    assert.equal(signed.statusCode, 200, signed.body);

    const view = json<{ status: string; documents: { id: string }[] }>(
      await sender.send('GET', `/api/envelopes/${created.id}`),
    );
    assert.equal(view.status, 'completed');
    assert.equal(assembled, 1, 'the completion was assembled through the work pool');
    const download = await sender.send(
      'GET',
      `/api/envelopes/${created.id}/documents/${view.documents[0]!.id}`,
    );
    assert.equal(download.statusCode, 200);
    const file = path.join(shomei.home, 'completed.pdf');
    writeFileSync(file, download.rawPayload);
    assert.equal(qpdfCheck(file).status, 0, qpdfCheck(file).output);
    const rootPem = path.join(shomei.home, 'root.pem');
    writeFileSync(rootPem, pem(await shomei.ca.certificate('root')));
    const report = pdfsigReport(file, trustingNssDb(path.join(shomei.home, 'nss'), rootPem));
    assert.equal(report.blocks.length, 2, report.raw);
    assert.match(report.blocks[0]!, /Signature Validation: Signature is Valid\./);
    assert.match(report.blocks[1]!, /Signature Field Name: shomei-archive-0-1/);
    assert.match(report.blocks[1]!, /Total document signed/);
  });
});
