/**
 * Signer-type (当事者型) between two companies over HTTP: credentials applied for and approved by an
 * operator with the identity check recorded; parties named by e-mail; the signer chooses a credential
 * of their own at signing (another person's is refused and audited); the counterparty's company lists
 * and reads the envelope but cannot change it; each party's timeline hides the others' addresses and
 * failed attempts; withdrawal notifies the parties and kills links; a deleted draft is gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import { setPermission } from '../../src/contracts/index.ts';
import type { User } from '../../src/identity/index.ts';
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
before(async () => {
  h = await openContractsHarness();
});
after(async () => {
  await h?.close();
});

const code = (response: { body: string }): string => json<{ error: { code: string } }>(response).error.code;

interface Entry {
  type: string;
  outcome: string;
  ip: string | null;
  actor: { name: string | null };
}

/** A credential applied for by the user, approved by the operator, with PIN and TOTP. */
async function credentialOf(user: User, operator: User, name: string) {
  const rssp = h.shomei.rssp;
  const application = await rssp.applications.apply(
    { userId: user.id, tenantId: user.tenantId },
    { commonName: name, organisation: 'Example KK' },
  );
  assert.equal((await rssp.credentials.require(application.credentialId)).status, 'pending-certificate');
  await assert.rejects(
    rssp.applications.approve(application.id, user.id, {
      identityCheck: { method: 'in-person', reference: 'self' },
    }),
    { code: 'SHOMEI_RSSP_APPLICATION_SAME_PERSON' },
  );
  await assert.rejects(
    rssp.applications.approve(application.id, operator.id, { identityCheck: { method: 'guess' } }),
    {
      code: 'SHOMEI_BAD_REQUEST',
    },
  );
  const approved = await rssp.applications.approve(application.id, operator.id, {
    identityCheck: { method: 'identity-document-copy', reference: 'RA-2026-0042' },
  });
  assert.deepEqual(approved.identityCheck, { method: 'identity-document-copy', reference: 'RA-2026-0042' });
  const credential = await rssp.credentials.require(application.credentialId);
  assert.equal(credential.status, 'active');
  assert.match(credential.cert_subject_dn ?? '', new RegExp(`CN=${name}`));
  await rssp.credentials.setPin(credential.credential_id, user.id, '135790');
  const { secret } = await rssp.credentials.enrolTotp(credential.credential_id, user.id);
  return { id: credential.credential_id, secret };
}

async function signAs(client: Client, envelopeId: string, credentialId: string, secret: string) {
  const envelope = json<{ documents: { sha256: string }[] }>(
    await client.send('GET', `/api/envelopes/${envelopeId}`),
  );
  return client.send('POST', `/api/envelopes/${envelopeId}/sign/signer`, {
    credentialId,
    pin: '135790',
    otp: await generate({ secret }),
    documentSha256: envelope.documents.map((d) => d.sha256),
  });
}

async function newEnvelope(client: Client, parties: unknown[], title = '共同開発契約書') {
  const created = await client.send('POST', '/api/envelopes', {
    title,
    counterparty: 'B株式会社',
    transactionDate: '2026-11-20',
    amount: 3_300_000,
    parties,
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = json<{ id: string }>(created).id;
  const added = await client.send('POST', `/api/envelopes/${id}/documents?name=kyodo.pdf`, undefined, {
    contentType: 'application/pdf',
    raw: samplePdf(1, 'kyodo kaihatsu'),
  });
  assert.equal(added.statusCode, 201, added.body);
  return id;
}

/** B's company: its reader lists and searches the envelope (電帳法), but cannot cancel or change it. */
async function assertCompanyReadsOnly(clientReader: Client, clientB: Client, id: string): Promise<void> {
  const found = json<{ items: { id: string }[] }>(
    await clientReader.send(
      'GET',
      '/api/envelopes?transactionDateFrom=2026-11-01&transactionDateTo=2026-11-30&amountMin=3000000&counterparty=B株式会社',
    ),
  );
  assert.deepEqual(
    found.items.map((i) => i.id),
    [id],
  );
  assert.equal((await clientReader.send('GET', `/api/envelopes/${id}`)).statusCode, 200);
  const cancel = await clientReader.send('POST', `/api/envelopes/${id}/cancel`, { reason: 'no' });
  assert.equal(cancel.statusCode, 403);
  assert.equal((await clientB.send('POST', `/api/envelopes/${id}/cancel`, { reason: 'no' })).statusCode, 403);
}

/** Timelines: A (sender) sees every address and the refused attempts; B sees neither of A's. */
async function assertTimelinesApart(clientA: Client, clientB: Client, id: string): Promise<void> {
  const timeline = async (client: Client) =>
    json<{ events: Entry[] }>(await client.send('GET', `/api/envelopes/${id}/timeline`)).events;
  const ofA = await timeline(clientA);
  assert.ok(ofA.some((e) => e.type === 'envelope.sign' && e.outcome === 'failure'));
  assert.ok(
    ofA.filter((e) => e.type === 'envelope.sign' && e.outcome === 'success').every((e) => e.ip !== null),
  );
  const ofB = await timeline(clientB);
  const signs = ofB.filter((e) => e.type === 'envelope.sign');
  assert.equal(signs.length, 3, 'both signatures and B’s own refused attempt');
  const aSigned = signs.find((e) => e.outcome === 'success' && e.actor.name !== '佐藤 花子');
  assert.ok(aSigned, 'A’s signature is a milestone B sees');
  assert.equal(aSigned.ip, null, 'without A’s address');
  assert.ok(
    ofB.filter((e) => e.ip !== null).every((e) => e.actor.name === '佐藤 花子'),
    'the only addresses B sees are B’s own',
  );
  assert.equal(
    ofB.filter((e) => e.outcome === 'failure' && e.actor.name !== '佐藤 花子').length,
    0,
    'no failed attempts of others',
  );
}

describe('signer-type parties of two companies', () => {
  it('B is named by e-mail, signs with its own credential only; B’s company reads but cannot change', async () => {
    const a = await createUser(h, {
      email: 'yamada@a.example',
      tenantSlug: 'tenant-a',
      company: 'A株式会社',
    });
    const b = await createUser(h, {
      email: 'Sato@B.example',
      tenantSlug: 'tenant-b',
      company: 'B株式会社',
      familyName: '佐藤',
      givenName: '花子',
    });
    const bReader = await createUser(h, { email: 'keiri@b.example', tenantSlug: 'tenant-b' });
    const operator = await createUser(h, { email: 'ra@ops.example', tenantSlug: 'ops' });
    const credA = await credentialOf(a, operator, 'Yamada Taro');
    const credB = await credentialOf(b, operator, 'Sato Hanako');
    await setPermission(h.contracts.context, { kind: 'operator', id: 'test' }, b.tenantId, {
      userId: bReader.id,
      permission: 'documents.read_all',
      granted: true,
    });
    const clientA = await login(h.app, a.email);
    const clientB = await login(h.app, b.email);
    const clientReader = await login(h.app, bReader.email);

    // Naming B's credential for A's own party is refused at creation (the reported bug).
    const wrong = await clientA.send('POST', '/api/envelopes', {
      title: 'x',
      counterparty: 'B株式会社',
      parties: [{ role: 'signer', signingMode: 'signer-type', userId: a.id, credentialId: credB.id }],
    });
    assert.equal(wrong.statusCode, 400);
    assert.equal(code(wrong), 'SHOMEI_ENVELOPE_INVALID');

    const id = await newEnvelope(clientA, [
      { role: 'signer', signingMode: 'signer-type', userId: a.id },
      {
        role: 'signer',
        signingMode: 'signer-type',
        email: 'sato@b.example',
        name: '佐藤 花子',
        company: 'B株式会社',
      },
    ]);
    const sent = json<{ accessCodes: unknown[] }>(await clientA.send('POST', `/api/envelopes/${id}/send`));
    assert.deepEqual(sent.accessCodes, [], 'signer-type parties log in: no access codes');

    // A submits B's credential: refused with a typed error, and the attempt is in the audit trail.
    const stolen = await signAs(clientA, id, credB.id, credB.secret);
    assert.equal(stolen.statusCode, 403);
    assert.equal(code(stolen), 'SHOMEI_CREDENTIAL_NOT_OWNED');
    const refusals = h.audit.ofType('envelope.sign').filter((e) => e.outcome === 'failure');
    assert.equal(refusals.length, 1);
    assert.equal(refusals[0]!.details?.reason, 'credential-not-owned');
    const signedA = await signAs(clientA, id, credA.id, credA.secret);
    assert.equal(signedA.statusCode, 200, signedA.body);

    // B lists it before opening (named by e-mail, case aside), then opening binds the party to B.
    const listedB = json<{ items: { id: string }[] }>(await clientB.send('GET', '/api/envelopes'));
    assert.deepEqual(
      listedB.items.map((i) => i.id),
      [id],
    );
    const viewB = json<{ parties: { userId: string | null; email: string }[] }>(
      await clientB.send('GET', `/api/envelopes/${id}`),
    );
    assert.equal(viewB.parties[1]!.userId, b.id);
    // B cannot use A's credential either; B signs with its own.
    assert.equal(code(await signAs(clientB, id, credA.id, credA.secret)), 'SHOMEI_CREDENTIAL_NOT_OWNED');
    const signedB = await signAs(clientB, id, credB.id, credB.secret);
    assert.equal(signedB.statusCode, 200, signedB.body);

    await assertCompanyReadsOnly(clientReader, clientB, id);
    await assertTimelinesApart(clientA, clientB, id);
  });

  it('withdrawal mails the parties and needs a reason; a deleted draft is gone; another tenant gets 404', async () => {
    const a = await createUser(h, { email: 'suzuki@a.example', tenantSlug: 'tenant-a' });
    const clientA = await login(h.app, a.email);
    const id = await newEnvelope(
      clientA,
      [{ role: 'signer', signingMode: 'witness-type', email: 'kimura@c.example', name: '木村 一郎' }],
      '覚書',
    );
    await clientA.send('POST', `/api/envelopes/${id}/send`);
    assert.equal(
      code(await clientA.send('POST', `/api/envelopes/${id}/cancel`, { reason: ' ' })),
      'SHOMEI_ENVELOPE_INVALID',
    );
    const withdrawn = await clientA.send('POST', `/api/envelopes/${id}/cancel`, { reason: '条件変更のため' });
    assert.equal(withdrawn.statusCode, 204);
    const mail = h.mailer.messages.filter(
      (m) => m.to === 'kimura@c.example' && m.subject.startsWith('【取消】'),
    );
    assert.equal(mail.length, 1);
    assert.match(mail[0]!.text, /条件変更のため/);
    const link = h.mailer.messages.find(
      (m) => m.to === 'kimura@c.example' && m.subject.startsWith('【署名依頼】'),
    );
    const token = /\/sign\/([A-Za-z0-9_-]+)/.exec(link?.text ?? '')?.[1];
    assert.ok(token);
    const open = await clientA.send('POST', '/api/sign/open', { token, accessCode: 'whatever-123' });
    assert.equal(open.statusCode >= 400, true, 'the link died with the withdrawal');

    // A signer-type party without an account: invited to apply, then switched to witness-type.
    const pending = await newEnvelope(
      clientA,
      [{ role: 'signer', signingMode: 'signer-type', email: 'nobody@d.example', name: '堀 二郎' }],
      '業務提携契約書',
    );
    const sentPending = json<{
      accessCodes: unknown[];
      envelope: { parties: { id: string; userId: string | null }[] };
    }>(await clientA.send('POST', `/api/envelopes/${pending}/send`));
    assert.deepEqual(sentPending.accessCodes, []);
    const invitation = h.mailer.to('nobody@d.example').at(-1)?.text ?? '';
    assert.match(invitation, new RegExp(`/contracts/${pending}`));
    assert.match(invitation, /電子証明書/);
    assert.doesNotMatch(invitation, /\/sign\//, 'no link that would bypass the account');
    const partyId = sentPending.envelope.parties[0]!.id;
    assert.equal(sentPending.envelope.parties[0]!.userId, null, 'the sender sees the party is not bound');
    const switched = json<{ accessCode: string }>(
      await clientA.send('POST', `/api/envelopes/${pending}/parties/${partyId}/witness-type`, {}),
    );
    const opened = await clientA.send('POST', '/api/sign/open', {
      token: h.mailer.lastLinkToken('nobody@d.example'),
      accessCode: switched.accessCode,
    });
    assert.equal(opened.statusCode, 200, opened.body);

    const draft = await newEnvelope(
      clientA,
      [{ role: 'signer', signingMode: 'witness-type', email: 'kimura@c.example', name: '木村 一郎' }],
      '下書き',
    );
    const stranger = await login(
      h.app,
      (await createUser(h, { email: 'x@x.example', tenantSlug: 'tenant-x' })).email,
    );
    assert.equal((await stranger.send('GET', `/api/envelopes/${id}`)).statusCode, 404);
    assert.equal((await stranger.send('GET', `/api/envelopes/${id}/timeline`)).statusCode, 404);
    const deleted = await clientA.send('POST', `/api/envelopes/${draft}/delete`, { reason: '作成し直し' });
    assert.equal(deleted.statusCode, 204, deleted.body);
    assert.equal((await clientA.send('GET', `/api/envelopes/${draft}`)).statusCode, 404);
    const rows = await h.contracts.context.db
      .selectFrom('contract_parties')
      .select('id')
      .where('envelope_id', '=', draft)
      .execute();
    assert.equal(rows.length, 0, 'nothing of the draft stays');
  });
});
