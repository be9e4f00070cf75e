/**
 * Over HTTP: the envelope timeline from the audit trail (who, when, from which IP; readable by the
 * sender and the counterparty through their link session, not by another tenant; no secrets), the
 * seal placements a counterparty sees, and the certificate of completion as a PDF of its own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setPermission } from '../../src/contracts/index.ts';
import { runShomei } from '../helpers/run.ts';
import {
  Client,
  type ContractsHarness,
  createUser,
  json,
  login,
  openContractsHarness,
  samplePdf,
} from './harness.ts';

let h: ContractsHarness;
before(async () => {
  h = await openContractsHarness();
});
after(async () => {
  await h?.close();
});

interface Entry {
  type: string;
  outcome: string;
  time: string;
  ip: string | null;
  actor: { kind: string; name: string | null; company: string | null };
  party: { name: string } | null;
  document: string | null;
  reason: string | null;
}

const code = (response: { body: string }): string => json<{ error: { code: string } }>(response).error.code;

const PLACEMENT = { document: 0, page: 0, rect: [300, 100, 460, 164] };

/** The sender's NDA to B (witness-type, B's seal placed), sent: its id, B's access code and link token. */
async function sendNda(clientA: Client, placement: typeof PLACEMENT) {
  const created = await clientA.send('POST', '/api/envelopes', {
    title: '秘密保持契約書',
    counterparty: 'B株式会社',
    amount: 1650000,
    transactionDate: '2026-11-20',
    parties: [
      {
        role: 'signer',
        signingMode: 'witness-type',
        email: 'sato@b.example',
        name: '佐藤 花子',
        company: 'B株式会社',
        placement,
      },
    ],
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = json<{ id: string }>(created).id;
  await clientA.send(
    'POST',
    `/api/envelopes/${id}/documents?name=${encodeURIComponent('秘密保持契約書.pdf')}`,
    undefined,
    { contentType: 'application/pdf', raw: samplePdf() },
  );
  const sent = json<{ accessCodes: { accessCode: string }[] }>(
    await clientA.send('POST', `/api/envelopes/${id}/send`),
  );
  const accessCode = sent.accessCodes[0]!.accessCode;
  const token = h.mailer.lastLinkToken('sato@b.example');
  return { id, accessCode, token };
}

/** B opens the link: one wrong access code, then the right one, from its own address. */
async function openAsB(token: string, accessCode: string): Promise<Client> {
  const wrong = await new Client(h.app).send('POST', '/api/sign/open', {
    token,
    accessCode: 'wrong-code-123',
  });
  assert.equal(wrong.statusCode, 401, wrong.body);
  const opened = await new Client(h.app).send('POST', '/api/sign/open', { token, accessCode });
  assert.equal(opened.statusCode, 200, opened.body);
  const clientB = new Client(h.app);
  clientB.headers['x-shomei-party'] = json<{ partyToken: string }>(opened).partyToken;
  return clientB;
}

/** B sees where the sender placed B's seal, reads the PDF, and finds both log-in attempts on the timeline. */
async function assertBBeforeSigning(clientB: Client, id: string): Promise<void> {
  const viewB = json<{ parties: { email: string; placement: unknown }[]; documents: { id: string }[] }>(
    await clientB.send('GET', `/api/envelopes/${id}`),
  );
  assert.deepEqual(viewB.parties.find((p) => p.email === 'sato@b.example')?.placement, PLACEMENT);
  const read = await clientB.send('GET', `/api/envelopes/${id}/documents/${viewB.documents[0]!.id}`);
  assert.equal(read.statusCode, 200);

  const timelineB = await clientB.send('GET', `/api/envelopes/${id}/timeline`);
  assert.equal(timelineB.statusCode, 200, timelineB.body);
  const beforeSigning = json<{ events: Entry[] }>(timelineB).events;
  const auth = beforeSigning.filter((e) => e.type === 'party.authenticate');
  assert.deepEqual(
    auth.map((e) => e.outcome),
    ['failure', 'success'],
  );
  assert.equal(auth[0]!.reason, 'access-code');
  assert.deepEqual(auth[1]!.actor, { kind: 'party', name: '佐藤 花子', company: 'B株式会社' });
  assert.equal(auth[1]!.ip, '127.0.0.1');
}

/**
 * Another tenant's account, and an outsider without any session, learn nothing; a colleague in the
 * sender's tenant reads it only with the tenant's read permission (閲覧権限).
 */
async function assertOnlyPermittedRead(
  id: string,
  sender: { tenantId: string },
  outsider: { email: string },
) {
  const clientX = await login(h.app, outsider.email);
  for (const url of [`/api/envelopes/${id}/timeline`, `/api/envelopes/${id}/certificate-of-completion`]) {
    const refused = await clientX.send('GET', url);
    assert.equal(refused.statusCode, 404, refused.body);
    assert.equal(code(refused), 'SHOMEI_ENVELOPE_NOT_FOUND');
    const anonymous = await new Client(h.app).send('GET', url);
    assert.equal(anonymous.statusCode, 401, anonymous.body);
  }

  const colleague = await createUser(h, { email: 'kimura@t.example', tenantSlug: 'tenant-t' });
  const clientC = await login(h.app, colleague.email);
  const unpermitted = await clientC.send('GET', `/api/envelopes/${id}/timeline`);
  assert.equal(unpermitted.statusCode, 404, unpermitted.body);
  assert.equal(code(unpermitted), 'SHOMEI_ENVELOPE_NOT_FOUND');
  await setPermission(h.contracts.context, { kind: 'operator', id: 'test' }, sender.tenantId, {
    userId: colleague.id,
    permission: 'documents.read_all',
    granted: true,
  });
  assert.equal((await clientC.send('GET', `/api/envelopes/${id}/timeline`)).statusCode, 200);
}

/** B signs (witness-type); the envelope completes. */
async function signAsB(clientB: Client, id: string): Promise<void> {
  const confirmation = json<{ documents: { sha256: string }[] }>(
    await clientB.send('GET', `/api/envelopes/${id}/witness-confirmation`),
  );
  const signed = await clientB.send('POST', `/api/envelopes/${id}/sign/witness`, {
    confirmed: true,
    documentSha256: confirmation.documents.map((d) => d.sha256),
  });
  assert.equal(signed.statusCode, 200, signed.body);
  assert.equal(json<{ status: string }>(signed).status, 'completed');
}

/** The sender's timeline: every step in order, who and from where, and no secrets nor hashes. */
async function assertTimeline(clientA: Client, id: string, secrets: { accessCode: string; token: string }) {
  const { accessCode, token } = secrets;
  const timeline = await clientA.send('GET', `/api/envelopes/${id}/timeline`);
  assert.equal(timeline.statusCode, 200, timeline.body);
  const events = json<{ events: Entry[] }>(timeline).events;
  const types = events.map((e) => e.type);
  for (const type of [
    'envelope.create',
    'document.upload',
    'envelope.send',
    'envelope.notify',
    'party.authenticate',
    'document.read',
    'envelope.sign',
    'envelope.complete',
  ]) {
    assert.ok(types.includes(type), `${type} is in the timeline: ${types.join(', ')}`);
  }
  assert.deepEqual(
    [...events].sort((a, b) => a.time.localeCompare(b.time)).map((e) => e.type),
    types,
    'in order',
  );
  const create = events.find((e) => e.type === 'envelope.create')!;
  assert.deepEqual(create.actor, { kind: 'user', name: 'tanaka', company: null });
  assert.equal(events.find((e) => e.type === 'envelope.notify')?.party?.name, '佐藤 花子');
  assert.equal(events.find((e) => e.type === 'document.upload')?.document, '秘密保持契約書.pdf');
  const viewed = events.find((e) => e.type === 'document.read')!;
  assert.equal(viewed.actor.name, '佐藤 花子', 'B opening the document is on the timeline');
  const sign = events.find((e) => e.type === 'envelope.sign')!;
  assert.equal(sign.actor.name, '佐藤 花子');
  assert.equal(sign.ip, '127.0.0.1');
  // No secrets, nor hashes of anything: not the access code, the link token, ids of keys, digests.
  const text = timeline.body;
  assert.ok(!text.includes(accessCode), 'no access code');
  assert.ok(!text.includes(token), 'no link token');
  assert.ok(!/[0-9a-f]{40,}/i.test(text), 'no hashes');
  assert.ok(!/hsmKeyId|credentialId|sha256|hash/i.test(text), 'no key ids or hash fields');
}

/** The certificate of completion on its own: a PDF naming the parties, written for people. */
async function assertCertificate(clientB: Client, id: string): Promise<void> {
  const certificate = await clientB.send('GET', `/api/envelopes/${id}/certificate-of-completion`);
  assert.equal(certificate.statusCode, 200, certificate.body);
  assert.equal(certificate.headers['content-type'], 'application/pdf');
  const disposition = String(certificate.headers['content-disposition']);
  assert.ok(disposition.includes(`filename="certificate-of-completion-${id}.pdf"`), disposition);
  assert.ok(
    disposition.includes(`filename*=UTF-8''${encodeURIComponent('合意締結証明書')}-${id}.pdf`),
    disposition,
  );
  const file = path.join(h.dir, 'certificate.pdf');
  writeFileSync(file, certificate.rawPayload);
  const qpdf = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
  assert.equal(qpdf.status, 0, qpdf.stdout + qpdf.stderr);
  const pdftotext = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  assert.equal(pdftotext.status, 0, pdftotext.stderr);
  for (const expected of [
    '合意締結証明書',
    '秘密保持契約書',
    '佐藤 花子',
    'B株式会社',
    'sato@b.example',
    id,
  ]) {
    assert.ok(pdftotext.stdout.includes(expected), `the certificate names ${expected}:\n${pdftotext.stdout}`);
  }
  // Issue #19: written for people — Japan time, 円, statuses and methods in words, hashes in an appendix.
  const words = pdftotext.stdout.replace(/\s+/g, ' ');
  for (const expected of [
    '1,650,000円',
    '2026年11月20日',
    '(日本時間)',
    '署名済み',
    'メールのリンクとアクセスコード',
    '付録: 文書のハッシュ値と監査記録',
  ]) {
    assert.ok(words.includes(expected), `the certificate shows ${expected}:\n${pdftotext.stdout}`);
  }
  assert.doesNotMatch(words, /1650000 JPY|Status: signed|email-link\+access-code|\d{4}-\d{2}-\d{2}T/);
}

/** The same certificate travels inside the final PDF as an attached PDF; the final PDF still validates. */
async function assertFinalPdf(clientA: Client, id: string): Promise<void> {
  const documentId = json<{ documents: { id: string }[] }>(await clientA.send('GET', `/api/envelopes/${id}`))
    .documents[0]!.id;
  const finalPdf = path.join(h.dir, 'final.pdf');
  writeFileSync(
    finalPdf,
    (await clientA.send('GET', `/api/envelopes/${id}/documents/${documentId}`)).rawPayload,
  );
  assert.equal(spawnSync('qpdf', ['--check', finalPdf]).status, 0);
  const attached = spawnSync('qpdf', ['--show-attachment=certificate-of-completion.pdf', finalPdf]);
  assert.equal(attached.status, 0, String(attached.stderr));
  const attachedPdf = path.join(h.dir, 'attached-certificate.pdf');
  writeFileSync(attachedPdf, attached.stdout);
  assert.equal(spawnSync('qpdf', ['--check', attachedPdf]).status, 0);
  const attachedText = spawnSync('pdftotext', ['-enc', 'UTF-8', attachedPdf, '-'], { encoding: 'utf8' });
  assert.ok(attachedText.stdout.replace(/\s+/g, ' ').includes('1,650,000円'), attachedText.stdout);
  const pdfsig = spawnSync('pdfsig', [finalPdf], { encoding: 'utf8' });
  assert.match(pdfsig.stdout, /Signature Validation: Signature is Valid\./, pdfsig.stdout + pdfsig.stderr);
  const verified = runShomei(['verify', finalPdf, '--json'], h.shomei.env);
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  assert.equal(JSON.parse(verified.stdout).indication, 'TOTAL_PASSED');
}

describe('envelope timeline and certificate of completion', () => {
  it('parties read the timeline and download the certificate; another tenant cannot', async () => {
    const sender = await createUser(h, {
      email: 'tanaka@t.example',
      tenantSlug: 'tenant-t',
      company: 'T株式会社',
      familyName: '田中',
    });
    const outsider = await createUser(h, { email: 'kato@x.example', tenantSlug: 'tenant-x' });
    const clientA = await login(h.app, sender.email);
    const { id, accessCode, token } = await sendNda(clientA, PLACEMENT);

    // Not finished yet: no certificate, with a code that says why.
    const early = await clientA.send('GET', `/api/envelopes/${id}/certificate-of-completion`);
    assert.equal(early.statusCode, 409, early.body);
    assert.equal(code(early), 'SHOMEI_CERTIFICATE_NOT_AVAILABLE');

    const clientB = await openAsB(token, accessCode);
    await assertBBeforeSigning(clientB, id);
    await assertOnlyPermittedRead(id, sender, outsider);
    await signAsB(clientB, id);
    await assertTimeline(clientA, id, { accessCode, token });
    await assertCertificate(clientB, id);
    await assertFinalPdf(clientA, id);
  });
});
