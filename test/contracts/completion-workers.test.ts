/**
 * Envelope PDF work on the work pool's threads (ADR 016, ADR 034, issue #20): with the real server, a
 * witness-type party's act prepares its signature revision and embeds the CMS on a worker while the
 * HSM signs the digest on the main thread; the act completes the envelope, and the certificate of
 * completion, validation data and document timestamp are assembled on a worker while the revocation
 * answers and the timestamp (HSM keys) come from the main thread over the job's port. Judged by pdfsig
 * and qpdf, not by our own reader. A worker killed in the middle of a completion leaves the envelope
 * `sent` with nothing of the completion written, and a retry completes it.
 */
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { DocumentWork } from '../../src/app/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { openTestShomei } from '../helpers/home.ts';
import { type Client, type ContractsHarness, createUser, json, login, samplePdf } from './harness.ts';
import { pdfsigReport, pem, qpdfCheck, trustingNssDb } from './validators.ts';

type PooledJobs = Pick<DocumentWork, 'assembleCompleted' | 'prepareSignature' | 'completeSignature'>;

// The pool's worker threads, seen when Piscina sends each its start-up message: the test kills them.
const poolWorkers: Worker[] = [];
const postMessage = Worker.prototype.postMessage;
Worker.prototype.postMessage = function (this: Worker, message: unknown, transfer?: never) {
  const filename = (message as { filename?: unknown } | null)?.filename;
  if (typeof filename === 'string' && filename.endsWith('worker.mjs')) poolWorkers.push(this);
  return postMessage.call(this, message, transfer);
};

let shomei: Awaited<ReturnType<typeof openTestShomei>>;
let app: FastifyInstance;
let sender: Client;
let nss: string;
const pooled = { assembleCompleted: 0, prepareSignature: 0, completeSignature: 0 };
/** Set when a completion starts on the pool: the next HSM signature (its OCSP or timestamp) kills it. */
let killDuringCompletion = false;
let killed = 0;

before(async () => {
  shomei = await openTestShomei();
  const work = shomei.work as { -readonly [K in keyof PooledJobs]: PooledJobs[K] };
  for (const job of ['assembleCompleted', 'prepareSignature', 'completeSignature'] as const) {
    const run = work[job] as ((...args: unknown[]) => Promise<Buffer>) | undefined;
    assert.ok(run !== undefined, `the default settings run ${job} on workers`);
    (work as Record<string, unknown>)[job] = (...args: unknown[]) => {
      pooled[job] += 1;
      return run(...args);
    };
  }
  // The worker asks the main thread for OCSP answers and the timestamp mid-job; both sign in the HSM.
  const signDigest = shomei.crypto.signDigest.bind(shomei.crypto);
  shomei.crypto.signDigest = (keyId, digest, options) => {
    if (killDuringCompletion && pooled.assembleCompleted > 0) {
      killDuringCompletion = false;
      for (const worker of poolWorkers.splice(0)) {
        killed += 1;
        void worker.terminate();
      }
    }
    return signDigest(keyId, digest, options);
  };
  app = await buildServer(shomei);
  const user = await createUser({ shomei } as unknown as ContractsHarness, {
    email: 'sender@workers.example',
    tenantSlug: 'workers',
  });
  sender = await login(app, user.email);
  const rootPem = path.join(shomei.home, 'root.pem');
  writeFileSync(rootPem, pem(await shomei.ca.certificate('root')));
  nss = trustingNssDb(path.join(shomei.home, 'nss'), rootPem);
});
after(async () => {
  Worker.prototype.postMessage = postMessage;
  await app?.close();
  await shomei?.close();
});

interface Viewed {
  status: string;
  documents: { id: string; version: number }[];
}
const view = async (id: string): Promise<Viewed> =>
  json<Viewed>(await sender.send('GET', `/api/envelopes/${id}`));

/** An envelope with one witness-type party, sent; returns its id and the party's act's response. */
async function witnessSigns(witness: string): Promise<{ id: string; signed: LightMyRequestResponse }> {
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
  const uploaded = await sender.send('POST', `/api/envelopes/${created.id}/documents?name=c.pdf`, undefined, {
    contentType: 'application/pdf',
    raw: samplePdf(),
  });
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
  return { id: created.id, signed };
}

/** The envelope's document as downloaded, checked by qpdf; pdfsig's signature blocks. */
async function downloaded(id: string, documentId: string, name: string): Promise<string[]> {
  const download = await sender.send('GET', `/api/envelopes/${id}/documents/${documentId}`);
  assert.equal(download.statusCode, 200);
  const file = path.join(shomei.home, name);
  writeFileSync(file, download.rawPayload);
  const checked = qpdfCheck(file);
  assert.equal(checked.status, 0, checked.output);
  return pdfsigReport(file, nss).blocks;
}

describe('envelope PDF work on worker threads', () => {
  it('a witness-type act signs and completes the envelope on workers; pdfsig and qpdf accept the B-LTA document', async () => {
    const { id, signed } = await witnessSigns('witness@workers.example');
    assert.equal(signed.statusCode, 200, signed.body);
    const viewed = await view(id);
    assert.equal(viewed.status, 'completed');
    assert.deepEqual(pooled, { assembleCompleted: 1, prepareSignature: 1, completeSignature: 1 });
    const blocks = await downloaded(id, viewed.documents[0]!.id, 'completed.pdf');
    assert.equal(blocks.length, 2, blocks.join('\n'));
    assert.match(blocks[0]!, /Signature Validation: Signature is Valid\./);
    assert.match(blocks[0]!, /Signature Field Name: shomei-/);
    assert.match(blocks[1]!, /Signature Field Name: shomei-archive-0-1/);
    assert.match(blocks[1]!, /Total document signed/);
  });

  it('a worker killed mid-completion leaves the envelope sent with nothing written; a retry completes it', async () => {
    killDuringCompletion = true;
    pooled.assembleCompleted = 0;
    const { id, signed } = await witnessSigns('crash@workers.example');
    assert.ok(killed > 0, 'a pool worker was terminated during the completion');
    assert.equal(signed.statusCode, 422, signed.body);
    assert.equal(json<{ error: { code: string } }>(signed).error.code, 'SHOMEI_WORK_FAILED', signed.body);

    // The act committed; the completion did not: still sent, the signed version is current, one
    // signature and no certificate or archive timestamp, no completion work files left.
    const failed = await view(id);
    assert.equal(failed.status, 'sent');
    const signedVersion = failed.documents[0]!.version;
    const before = await downloaded(id, failed.documents[0]!.id, 'after-crash.pdf');
    assert.equal(before.length, 1, before.join('\n'));
    assert.match(before[0]!, /Signature Validation: Signature is Valid\./);
    assert.deepEqual(readdirSync(path.join(shomei.home, 'contracts', 'work')), []);

    const retried = await sender.send('POST', `/api/envelopes/${id}/complete`);
    assert.equal(retried.statusCode, 200, retried.body);
    const completed = await view(id);
    assert.equal(completed.status, 'completed');
    assert.equal(completed.documents[0]!.version, signedVersion + 1, 'exactly one completion version');
    const blocks = await downloaded(id, completed.documents[0]!.id, 'retried.pdf');
    assert.equal(blocks.length, 2, blocks.join('\n'));
    assert.match(blocks[0]!, /Signature Validation: Signature is Valid\./);
    assert.match(blocks[1]!, /Signature Field Name: shomei-archive-0-1/);
  });
});
