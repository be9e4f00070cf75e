/**
 * Reminders (リマインド) and internal approval before sending (社内承認) over the API. Reminders:
 * due after the interval to parties whose turn it is, each mailed once even when the job runs twice at
 * the same time, never to parties who acted or on expired envelopes, at most N times, plus "remind
 * now". Internal approval: until every approver approved, sending is refused, no outside party is
 * mailed and no signing link exists; a rejection is recorded and needs a new round.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setPermission } from '../../src/contracts/index.ts';
import type { User } from '../../src/identity/index.ts';
import {
  Client,
  type ContractsHarness,
  createUser,
  json,
  login,
  openContractsHarness,
  samplePdf,
} from './harness.ts';

const DAY = 86_400_000;
let offsetMs = 0;
let h: ContractsHarness;
let sender: Client;
let senderUser: User;
let outsider: Client;

before(async () => {
  h = await openContractsHarness({ clock: () => new Date(Date.now() + offsetMs) });
  senderUser = await createUser(h, { email: 'sender@r.example', tenantSlug: 'tenant-r' });
  await createUser(h, { email: 'outsider@q.example', tenantSlug: 'tenant-q' });
  sender = await login(h.app, 'sender@r.example');
  outsider = await login(h.app, 'outsider@q.example');
});
after(async () => {
  await h?.close();
});

type Party = { role: string; email: string; name: string; signingMode?: string; label?: string };

async function draft(
  parties: Party[],
  extra: Record<string, unknown> = {},
): Promise<{ id: string; parties: { id: string; email: string }[] }> {
  const created = await sender.send('POST', '/api/envelopes', {
    title: '保守契約',
    counterparty: 'R取引先',
    signingOrder: 'parallel',
    parties,
    ...extra,
  });
  assert.equal(created.statusCode, 201, created.body);
  const envelope = json<{ id: string; parties: { id: string; email: string }[] }>(created);
  const upload = await sender.send('POST', `/api/envelopes/${envelope.id}/documents`, undefined, {
    contentType: 'application/pdf',
    raw: samplePdf(),
  });
  assert.equal(upload.statusCode, 201, upload.body);
  return envelope;
}

async function send(id: string): Promise<Map<string, string>> {
  const sent = await sender.send('POST', `/api/envelopes/${id}/send`);
  assert.equal(sent.statusCode, 200, sent.body);
  return new Map(
    json<{ accessCodes: { email: string; accessCode: string }[] }>(sent).accessCodes.map((c) => [
      c.email,
      c.accessCode,
    ]),
  );
}

const reminders = (address: string) =>
  h.mailer.to(address).filter((m) => m.subject.startsWith('【リマインド】'));
const code = (response: { body: string }) => json<{ error: { code: string } }>(response).error.code;

describe('reminders', () => {
  it('go once per interval to waiting parties only, never after expiry, at most N times, even with two runs at once', async () => {
    const main = await draft([
      { role: 'approver', email: 'approver@p.example', name: '承認 一郎' },
      { role: 'signer', signingMode: 'witness-type', email: 'signer@p.example', name: '署名 二郎' },
    ]);
    const settings = await sender.send('PUT', `/api/envelopes/${main.id}/reminders`, {
      intervalDays: 3,
      maxReminders: 2,
    });
    assert.equal(settings.statusCode, 200, settings.body);
    assert.equal(
      code(
        await sender.send('PUT', `/api/envelopes/${main.id}/reminders`, { intervalDays: 0, maxReminders: 2 }),
      ),
      'SHOMEI_ENVELOPE_INVALID',
    );
    assert.equal(
      code(await sender.send('PUT', `/api/envelopes/${main.id}/reminders`, { intervalDays: 3 })),
      'SHOMEI_ENVELOPE_INVALID',
    );
    const codes = await send(main.id);
    const expiring = await draft(
      [{ role: 'signer', signingMode: 'witness-type', email: 'late@p.example', name: '期限 三郎' }],
      {
        expiresAt: new Date(Date.now() + 4 * DAY).toISOString(),
      },
    );
    await send(expiring.id);

    offsetMs = 0;
    assert.equal((await h.contracts.remindDue()).sent, 0);
    assert.equal(reminders('approver@p.example').length, 0);

    // Three days later: both runs of the job at once mail each waiting party exactly once.
    offsetMs = 3 * DAY + 60_000;
    const runs = await Promise.all([h.contracts.remindDue(), h.contracts.remindDue()]);
    assert.equal(runs[0].sent + runs[1].sent, 3);
    assert.equal((await h.contracts.remindDue()).sent, 0, 'a later run in the same interval sends nothing');
    assert.equal(reminders('approver@p.example').length, 1);
    assert.equal(reminders('signer@p.example').length, 1);
    assert.equal(reminders('late@p.example').length, 1);
    assert.match(reminders('signer@p.example')[0]!.text, /\/sign\//);

    // The approver acts (through the fresh link of the reminder); the signer does not.
    const opened = await new Client(h.app).send('POST', '/api/sign/open', {
      token: h.mailer.lastLinkToken('approver@p.example'),
      accessCode: codes.get('approver@p.example'),
    });
    assert.equal(opened.statusCode, 200, opened.body);
    const party = new Client(h.app);
    party.headers['x-shomei-party'] = json<{ partyToken: string }>(opened).partyToken;
    const view = json<{ documents: { sha256: string }[] }>(
      await party.send('GET', `/api/envelopes/${main.id}`),
    );
    const approved = await party.send('POST', `/api/envelopes/${main.id}/approve`, {
      documentSha256: view.documents.map((d) => d.sha256),
    });
    assert.equal(approved.statusCode, 200, approved.body);

    offsetMs = 6 * DAY + 120_000;
    assert.equal((await h.contracts.remindDue()).sent, 1);
    assert.equal(reminders('approver@p.example').length, 1, 'no reminder after acting');
    assert.equal(reminders('signer@p.example').length, 2);
    assert.equal(reminders('late@p.example').length, 1, 'no reminder once expired');

    offsetMs = 12 * DAY;
    assert.equal((await h.contracts.remindDue()).sent, 0, 'at most maxReminders');
    assert.equal(reminders('signer@p.example').length, 2);
    const recorded = h.audit.ofType('envelope.remind').filter((e) => e.subject?.id === main.id);
    assert.equal(recorded.length, 3);

    // Remind now: the sender only, waiting parties only, not on an expired envelope.
    const now = await sender.send('POST', `/api/envelopes/${main.id}/remind`);
    assert.equal(now.statusCode, 200, now.body);
    assert.deepEqual(
      json<{ reminded: { email: string }[] }>(now).reminded.map((r) => r.email),
      ['signer@p.example'],
    );
    assert.equal(reminders('signer@p.example').length, 3);
    assert.equal((await outsider.send('POST', `/api/envelopes/${main.id}/remind`)).statusCode, 404);
    const expired = await sender.send('POST', `/api/envelopes/${expiring.id}/remind`);
    assert.equal(expired.statusCode, 409);
    assert.equal(code(expired), 'SHOMEI_REMINDER_NOT_POSSIBLE');
    offsetMs = 0;
  });

  it('take the tenant defaults, set by a tenant administrator and validated', async () => {
    const member = await sender.send('PUT', '/api/contracts/reminders', { intervalDays: 7, maxReminders: 1 });
    assert.equal(member.statusCode, 403, 'a tenant setting: not for every member');
    await setPermission(h.contracts.context, { kind: 'operator', id: 'test' }, senderUser.tenantId, {
      userId: senderUser.id,
      permission: 'tenant.admin',
      granted: true,
    });
    assert.equal(
      (await sender.send('PUT', '/api/contracts/reminders', { intervalDays: 7, maxReminders: 1 })).statusCode,
      200,
    );
    const bad = await sender.send('PUT', '/api/contracts/reminders', { intervalDays: 7, maxReminders: 1000 });
    assert.equal(code(bad), 'SHOMEI_ENVELOPE_INVALID');
    const malformed = await sender.send('PUT', '/api/contracts/reminders', undefined, {
      contentType: 'application/json',
      raw: '{"intervalDays": ',
    });
    assert.equal(code(malformed), 'SHOMEI_BAD_REQUEST');
  });
});

/** Approvers are members of the sender's tenant other than the sender, and at least one. */
async function assertApproversChecked(url: string, ownMember: string, foreignMember: string): Promise<void> {
  assert.equal(
    code(await sender.send('POST', url, { approvers: [ownMember, foreignMember] })),
    'SHOMEI_ENVELOPE_INVALID',
  );
  assert.equal(
    code(await sender.send('POST', url, { approvers: [senderUser.id] })),
    'SHOMEI_ENVELOPE_INVALID',
  );
  assert.equal(code(await sender.send('POST', url, { approvers: [] })), 'SHOMEI_ENVELOPE_INVALID');
}

/**
 * Before approval: no sending, no mail and no link for the outside party, no access for others; pending
 * approval is not "unprocessed input": the sweep leaves the draft alone.
 */
async function assertHeldBeforeApproval(envelopeId: string, url: string, approver1: Client): Promise<void> {
  const early = await sender.send('POST', `/api/envelopes/${envelopeId}/send`);
  assert.equal(early.statusCode, 409);
  assert.equal(code(early), 'SHOMEI_APPROVAL_PENDING');
  assert.equal(h.mailer.to('ext@client.example').length, 0);
  const link = await h.contracts.context.db
    .selectFrom('contract_parties')
    .select('link_token_hash')
    .where('envelope_id', '=', envelopeId)
    .executeTakeFirstOrThrow();
  assert.equal(link.link_token_hash, null);
  assert.equal((await outsider.send('GET', url)).statusCode, 404);
  assert.equal(
    (await approver1.send('GET', `/api/envelopes/${envelopeId}`)).statusCode,
    404,
    'the draft itself stays hidden',
  );
  await h.contracts.sweep(new Date(Date.now() + 48 * 3600_000));
  assert.equal(
    json<{ status: string }>(await sender.send('GET', `/api/envelopes/${envelopeId}`)).status,
    'draft',
  );
}

/** Round 1: the first approver approves the reviewed hashes, the second rejects with a reason; no sending. */
async function firstRoundRejected(envelopeId: string, url: string, approver1: Client, approver2: Client) {
  const status = json<{ envelope: { documents: { id: string; sha256: string }[] } }>(
    await approver1.send('GET', url),
  );
  const hashes = status.envelope.documents.map((d) => d.sha256);
  const pdf = await approver1.send('GET', `${url}/documents/${status.envelope.documents[0]!.id}`);
  assert.equal(pdf.statusCode, 200);
  assert.equal(pdf.headers['content-type'], 'application/pdf');
  assert.equal(
    code(await approver1.send('POST', `${url}/approve`, { documentSha256: ['0'.repeat(64)] })),
    'SHOMEI_ENVELOPE_CONFLICT',
  );
  assert.equal(
    code(await approver1.send('POST', `${url}/approve`, { documentSha256: 'all' })),
    'SHOMEI_ENVELOPE_INVALID',
  );
  const first = await approver1.send('POST', `${url}/approve`, { documentSha256: hashes });
  assert.equal(first.statusCode, 200, first.body);
  assert.equal(json<{ status: string }>(first).status, 'pending');
  assert.equal(
    code(await approver1.send('POST', `${url}/approve`, { documentSha256: hashes })),
    'SHOMEI_APPROVAL_NOT_REQUESTED',
  );
  assert.equal(
    code(await sender.send('POST', `/api/envelopes/${envelopeId}/send`)),
    'SHOMEI_APPROVAL_PENDING',
  );

  assert.equal(code(await approver2.send('POST', `${url}/reject`, {})), 'SHOMEI_ENVELOPE_INVALID');
  const rejected = await approver2.send('POST', `${url}/reject`, { reason: '金額を再確認してください' });
  assert.equal(rejected.statusCode, 200, rejected.body);
  assert.equal(json<{ status: string }>(rejected).status, 'rejected');
  const refused = await sender.send('POST', `/api/envelopes/${envelopeId}/send`);
  assert.equal(code(refused), 'SHOMEI_APPROVAL_REJECTED');
  assert.equal(h.mailer.to('sender@r.example').at(-1)?.subject, '【承認却下】保守契約');
  const audited = h.audit
    .ofType('envelope.internal-approval.reject')
    .filter((e) => e.subject?.id === envelopeId);
  assert.equal(audited[0]?.details?.reason, '金額を再確認してください');
  assert.equal(h.mailer.to('ext@client.example').length, 0);

  return hashes;
}

/** Round 2: both approve, then the sender sends and the outside party can open the link. */
async function secondRoundSent(
  envelopeId: string,
  url: string,
  approvers: { clients: readonly [Client, Client]; ids: readonly string[] },
  hashes: string[],
) {
  const [approver1, approver2] = approvers.clients;
  const approverIds = approvers.ids;
  assert.equal((await sender.send('POST', url, { approvers: approverIds })).statusCode, 201);
  assert.equal((await approver1.send('POST', `${url}/approve`, { documentSha256: hashes })).statusCode, 200);
  const last = await approver2.send('POST', `${url}/approve`, { documentSha256: hashes });
  assert.equal(json<{ status: string; round: number }>(last).status, 'approved');
  assert.equal(json<{ round: number }>(last).round, 2);
  assert.equal(h.mailer.to('sender@r.example').at(-1)?.subject, '【承認完了】保守契約');
  const codes = await send(envelopeId);
  assert.equal(h.mailer.to('ext@client.example').length, 1);
  const opened = await new Client(h.app).send('POST', '/api/sign/open', {
    token: h.mailer.lastLinkToken('ext@client.example'),
    accessCode: codes.get('ext@client.example'),
  });
  assert.equal(opened.statusCode, 200, opened.body);
  assert.match(h.mailer.to('ext@client.example')[0]!.text, /^乙 外部 花子 様/);

  return opened;
}

/** The party signs; the certificate of completion names the party by its label. */
async function signByLabel(envelopeId: string, opened: { body: string }): Promise<void> {
  const party = new Client(h.app);
  party.headers['x-shomei-party'] = json<{ partyToken: string }>(opened).partyToken;
  const confirmation = json<{ documents: { sha256: string }[] }>(
    await party.send('GET', `/api/envelopes/${envelopeId}/witness-confirmation`),
  );
  const signed = await party.send('POST', `/api/envelopes/${envelopeId}/sign/witness`, {
    confirmed: true,
    documentSha256: confirmation.documents.map((d) => d.sha256),
  });
  assert.equal(signed.statusCode, 200, signed.body);
  assert.equal(json<{ status: string }>(signed).status, 'completed');
  const evidence = json<{ certificateOfCompletion: { parties: { label?: string | null }[] } | null }>(
    await sender.send('GET', `/api/envelopes/${envelopeId}/evidence`),
  );
  assert.deepEqual(
    evidence.certificateOfCompletion?.parties.map((p) => p.label),
    ['乙'],
  );
}

describe('internal approval before sending', () => {
  it('keeps everything from outside parties until every approver approved; a rejection needs a new round', async () => {
    const ap1 = await createUser(h, { email: 'ap1@r.example', tenantSlug: 'tenant-r', familyName: '承認' });
    const ap2 = await createUser(h, { email: 'ap2@r.example', tenantSlug: 'tenant-r', familyName: '課長' });
    const foreign = await createUser(h, { email: 'foreign@q.example', tenantSlug: 'tenant-q' });
    const approver1 = await login(h.app, 'ap1@r.example');
    const approver2 = await login(h.app, 'ap2@r.example');
    const envelope = await draft([
      {
        role: 'signer',
        signingMode: 'witness-type',
        email: 'ext@client.example',
        name: '外部 花子',
        label: '乙',
      },
    ]);
    const url = `/api/envelopes/${envelope.id}/internal-approval`;

    await assertApproversChecked(url, ap1.id, foreign.id);
    const requested = await sender.send('POST', url, { approvers: [ap1.id, ap2.id] });
    assert.equal(requested.statusCode, 201, requested.body);
    assert.equal(json<{ status: string }>(requested).status, 'pending');
    assert.equal(h.mailer.to('ap1@r.example').at(-1)?.subject, '【承認依頼】保守契約');

    await assertHeldBeforeApproval(envelope.id, url, approver1);
    const hashes = await firstRoundRejected(envelope.id, url, approver1, approver2);
    const opened = await secondRoundSent(
      envelope.id,
      url,
      { clients: [approver1, approver2], ids: [ap1.id, ap2.id] },
      hashes,
    );
    await signByLabel(envelope.id, opened);
  });
});
