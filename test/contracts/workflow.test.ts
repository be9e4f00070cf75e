/**
 * Workflow over the API: sequential order, decline with a reason, cancellation, webhooks (HMAC,
 * retried with back-off), and two instances racing to sign and complete the same envelope.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ContractService, signPayload } from '../../src/contracts/index.ts';
import {
  adminApiKey,
  Client,
  type ContractsHarness,
  createUser,
  json,
  login,
  openContractsHarness,
  samplePdf,
} from './harness.ts';

let h: ContractsHarness;
let sender: Client;
let offsetMs = 0;

before(async () => {
  // The receiver below listens on 127.0.0.1: loopback is allowed by the explicit test setting.
  h = await openContractsHarness({
    clock: () => new Date(Date.now() + offsetMs),
    settings: { webhooksAllowLoopback: true },
  });
  const user = await createUser(h, { email: 'sender@w.example', tenantSlug: 'tenant-w' });
  const key = await adminApiKey(h, user, ['envelopes:read', 'envelopes:write']);
  sender = new Client(h.app);
  sender.headers.authorization = `Bearer ${key.key}`;
});
after(async () => {
  await h?.close();
});

async function sentEnvelope(
  parties: { email: string; name: string; order?: number }[],
  signingOrder: 'sequential' | 'parallel',
): Promise<{ id: string; codes: Map<string, string>; partyIds: Map<string, string> }> {
  const created = json<{ id: string; parties: { id: string; email: string }[] }>(
    await sender.send('POST', '/api/envelopes', {
      title: '覚書',
      counterparty: 'W株式会社',
      signingOrder,
      parties: parties.map((p) => ({ role: 'signer', signingMode: 'witness-type', ...p })),
    }),
  );
  await sender.send('POST', `/api/envelopes/${created.id}/documents`, undefined, {
    contentType: 'application/pdf',
    raw: samplePdf(),
  });
  const sent = json<{ accessCodes: { email: string; accessCode: string }[] }>(
    await sender.send('POST', `/api/envelopes/${created.id}/send`),
  );
  return {
    id: created.id,
    codes: new Map(sent.accessCodes.map((c) => [c.email, c.accessCode])),
    partyIds: new Map(created.parties.map((p) => [p.email, p.id])),
  };
}

async function partyClient(email: string, code: string): Promise<Client> {
  const opened = await new Client(h.app).send('POST', '/api/sign/open', {
    token: h.mailer.lastLinkToken(email),
    accessCode: code,
  });
  assert.equal(opened.statusCode, 200, opened.body);
  const client = new Client(h.app);
  client.headers['x-shomei-party'] = json<{ partyToken: string }>(opened).partyToken;
  return client;
}

async function reviewAndSign(client: Client, envelopeId: string) {
  const confirmation = json<{ documents: { sha256: string }[] }>(
    await client.send('GET', `/api/envelopes/${envelopeId}/witness-confirmation`),
  );
  return client.send('POST', `/api/envelopes/${envelopeId}/sign/witness`, {
    confirmed: true,
    documentSha256: confirmation.documents.map((d) => d.sha256),
  });
}

describe('order, decline and cancel', () => {
  it('tells the second party only after the first signed; a decline closes the envelope with its reason', async () => {
    const envelope = await sentEnvelope(
      [
        { email: 'first@w.example', name: '一番 太郎' },
        { email: 'second@w.example', name: '二番 花子' },
      ],
      'sequential',
    );
    assert.equal(h.mailer.to('second@w.example').length, 0);
    const first = await partyClient('first@w.example', envelope.codes.get('first@w.example')!);
    const notConfirmed = await first.send('POST', `/api/envelopes/${envelope.id}/sign/witness`, {
      confirmed: false,
      documentSha256: ['0'.repeat(64)],
    });
    assert.equal(notConfirmed.statusCode, 400, 'the explicit confirmation is required');
    const stale = await first.send('POST', `/api/envelopes/${envelope.id}/sign/witness`, {
      confirmed: true,
      documentSha256: ['0'.repeat(64)],
    });
    assert.equal(stale.statusCode, 409, 'a confirmation bound to other content is refused');
    assert.equal((await reviewAndSign(first, envelope.id)).statusCode, 200);
    assert.equal(h.mailer.to('second@w.example').length, 1, 'now it is the second party’s turn');
    const again = await reviewAndSign(first, envelope.id);
    assert.equal(again.statusCode, 409, 'no second signature by the same party');

    const second = await partyClient('second@w.example', envelope.codes.get('second@w.example')!);
    assert.equal((await second.send('POST', `/api/envelopes/${envelope.id}/decline`, {})).statusCode, 400);
    const declined = await second.send('POST', `/api/envelopes/${envelope.id}/decline`, {
      reason: '金額が違います',
    });
    assert.equal(declined.statusCode, 204);
    const view = json<{
      status: string;
      closedReason: string;
      parties: { status: string; declineReason: string | null }[];
    }>(await sender.send('GET', `/api/envelopes/${envelope.id}`));
    assert.equal(view.status, 'declined');
    assert.equal(view.parties[1]!.declineReason, '金額が違います');
    const after = await second.send('GET', `/api/envelopes/${envelope.id}/witness-confirmation`);
    assert.equal(after.statusCode, 401, 'sessions end with the envelope');
  });

  it('a cancelled envelope cannot be signed and its links stop working', async () => {
    const envelope = await sentEnvelope([{ email: 'c1@w.example', name: '取消 一郎' }], 'parallel');
    const cancelled = await sender.send('POST', `/api/envelopes/${envelope.id}/cancel`, {
      reason: '条件変更',
    });
    assert.equal(cancelled.statusCode, 204);
    const open = await new Client(h.app).send('POST', '/api/sign/open', {
      token: h.mailer.lastLinkToken('c1@w.example'),
      accessCode: envelope.codes.get('c1@w.example'),
    });
    assert.equal(open.statusCode, 401);
    assert.equal(
      (await sender.send('POST', `/api/envelopes/${envelope.id}/cancel`, { reason: 'twice' })).statusCode,
      409,
    );
  });
});

describe('approvers and viewers', () => {
  it('an approver approves before the signer; a viewer reads but cannot act', async () => {
    const created = json<{ id: string }>(
      await sender.send('POST', '/api/envelopes', {
        title: '稟議付き契約書',
        counterparty: 'W株式会社',
        signingOrder: 'sequential',
        parties: [
          { role: 'approver', email: 'approver@w.example', name: '承認 太郎', order: 1 },
          { role: 'viewer', email: 'viewer@w.example', name: '閲覧 花子', order: 1 },
          {
            role: 'signer',
            signingMode: 'witness-type',
            email: 'signer@w.example',
            name: '署名 次郎',
            order: 2,
          },
        ],
      }),
    );
    await sender.send('POST', `/api/envelopes/${created.id}/documents`, undefined, {
      contentType: 'application/pdf',
      raw: samplePdf(),
    });
    const sent = json<{ accessCodes: { email: string; accessCode: string }[] }>(
      await sender.send('POST', `/api/envelopes/${created.id}/send`),
    );
    const code = (email: string) => sent.accessCodes.find((c) => c.email === email)!.accessCode;
    assert.equal(h.mailer.to('signer@w.example').length, 0);
    const approver = await partyClient('approver@w.example', code('approver@w.example'));
    const hashes = json<{ documents: { sha256: string }[] }>(
      await approver.send('GET', `/api/envelopes/${created.id}/witness-confirmation`),
    ).documents.map((d) => d.sha256);
    assert.equal(
      (
        await approver.send('POST', `/api/envelopes/${created.id}/sign/witness`, {
          confirmed: true,
          documentSha256: hashes,
        })
      ).statusCode,
      403,
    );
    const approved = await approver.send('POST', `/api/envelopes/${created.id}/approve`, {
      documentSha256: hashes,
    });
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(h.mailer.to('signer@w.example').length, 1);
    const signer = await partyClient('signer@w.example', code('signer@w.example'));
    assert.equal((await reviewAndSign(signer, created.id)).statusCode, 200);
    const view = json<{ status: string; parties: { role: string; status: string }[] }>(
      await sender.send('GET', `/api/envelopes/${created.id}`),
    );
    assert.equal(view.status, 'completed');
    assert.deepEqual(
      view.parties.map((p) => [p.role, p.status]),
      [
        ['approver', 'approved'],
        ['viewer', 'waiting'],
        ['signer', 'signed'],
      ],
    );
  });
});

describe('webhooks', () => {
  it('delivers HMAC-signed events and retries failures with back-off', async () => {
    const received: { body: string; signature: string }[] = [];
    let failuresLeft = 1;
    const server: Server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.on('data', (c: Buffer) => {
        body += c.toString();
      });
      request.on('end', () => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          response.writeHead(500).end();
          return;
        }
        received.push({ body, signature: String(request.headers['x-shomei-signature']) });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      // Webhooks are a tenant setting: the administrator's own session registers them.
      const admin = await login(h.app, 'sender@w.example');
      const registered = json<{ id: string; secret: string }>(
        await admin.send('POST', '/api/contracts/webhooks', { url }),
      );
      assert.equal((await admin.send('POST', '/api/contracts/webhooks', { url: 'ftp://x' })).statusCode, 400);
      await sentEnvelope([{ email: 'hook@w.example', name: 'フック 三郎' }], 'parallel');
      assert.equal(await h.contracts.webhooks.deliverDue(), 0, 'the first attempt fails');
      assert.equal(await h.contracts.webhooks.deliverDue(), 0, 'not retried before the back-off elapsed');
      offsetMs = 31_000;
      try {
        assert.equal(await h.contracts.webhooks.deliverDue(), 1);
      } finally {
        offsetMs = 0;
      }
      assert.equal(received.length, 1);
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(received[0]!.signature) ?? [];
      assert.equal(v1, signPayload(registered.secret, Number(t), received[0]!.body));
      assert.equal(json<{ event: string }>(received[0]!).event, 'envelope.sent');
    } finally {
      server.close();
    }
  });
});

describe('two instances at once', () => {
  it('two parties signing at the same moment on two instances: one wins, the other retries, it completes once', async () => {
    const envelope = await sentEnvelope(
      [
        { email: 'p1@w.example', name: '並行 一' },
        { email: 'p2@w.example', name: '並行 二' },
      ],
      'parallel',
    );
    const second = new ContractService({
      config: h.shomei.config,
      database: h.shomei.database,
      crypto: h.shomei.crypto,
      keys: h.shomei.keys,
      audit: h.audit,
      mailer: h.mailer,
      users: (id) => h.shomei.identity.accounts.getUser(id),
    });
    const p1 = {
      kind: 'party' as const,
      partyId: envelope.partyIds.get('p1@w.example')!,
      envelopeId: envelope.id,
    };
    const p2 = {
      kind: 'party' as const,
      partyId: envelope.partyIds.get('p2@w.example')!,
      envelopeId: envelope.id,
    };
    const hashes = (await h.contracts.witnessConfirmation(p1, envelope.id)).documents.map((d) => d.sha256);
    const results = await Promise.allSettled([
      h.contracts.act(p1, envelope.id, 'witness', { confirmed: true, documentSha256: hashes }),
      second.act(p2, envelope.id, 'witness', { confirmed: true, documentSha256: hashes }),
    ]);
    const rejected = results.filter((r) => r.status === 'rejected');
    assert.equal(rejected.length, 1, 'exactly one of the two conflicting signatures is refused');
    assert.match(String((rejected[0] as PromiseRejectedResult).reason), /SHOMEI_ENVELOPE_CONFLICT/);
    const loser =
      results[0]!.status === 'rejected'
        ? { actor: p1, service: h.contracts }
        : { actor: p2, service: second };
    const fresh = (await loser.service.witnessConfirmation(loser.actor, envelope.id)).documents.map(
      (d) => d.sha256,
    );
    const done = await loser.service.act(loser.actor, envelope.id, 'witness', {
      confirmed: true,
      documentSha256: fresh,
    });
    assert.equal(done.status, 'completed');
    const completions = h.audit
      .ofType('envelope.complete')
      .filter((e) => e.subject?.id === envelope.id && e.outcome === 'success');
    assert.equal(completions.length, 1);
  });
});
