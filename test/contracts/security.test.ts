/**
 * The outside review's findings against the contracts API (issue #16 F1, F2, F4–F12, F14, F15),
 * each written as the attack it describes: member-made keys, keys outliving their creator, parallel
 * access-code guesses, webhooks into loopback and metadata in every spelling, retention cut to one
 * year, bulk jobs read by colleagues, another's template edited, a dead envelope's link opened,
 * tokens in logs, cacheable secrets, and inline styles allowed by the CSP.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { setPermission } from '../../src/contracts/index.ts';
import type { User } from '../../src/identity/index.ts';
import { createLogger } from '../../src/log/index.ts';
import type { OutboxMailer } from '../../src/mail/index.ts';
import { guardedLookup, guardedPost } from '../../src/net/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { makeTeam } from '../helpers/operators.ts';
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
let adminUser: User;
let memberUser: User;
let admin: Client;
let member: Client;
let colleague: Client;
let offsetMs = 0;

const code = (r: { body: string }) => json<{ error: { code: string } }>(r).error.code;
const operator = { kind: 'operator' as const, id: 'test' };

before(async () => {
  h = await openContractsHarness({ clock: () => new Date(Date.now() + offsetMs) });
  adminUser = await createUser(h, { email: 'admin@sec.example', tenantSlug: 'sec' });
  memberUser = await createUser(h, { email: 'member@sec.example', tenantSlug: 'sec' });
  await createUser(h, { email: 'colleague@sec.example', tenantSlug: 'sec' });
  await setPermission(h.contracts.context, operator, adminUser.tenantId, {
    userId: adminUser.id,
    permission: 'tenant.admin',
    granted: true,
  });
  admin = await login(h.app, 'admin@sec.example');
  member = await login(h.app, 'member@sec.example');
  colleague = await login(h.app, 'colleague@sec.example');
});
after(async () => {
  await h?.close();
});

/** A sent envelope of `client` to one outside party; returns its id and the party's access code. */
async function sentEnvelope(client: Client, email: string, expiresAt?: string) {
  const created = await client.send('POST', '/api/envelopes', {
    title: '秘密保持契約',
    counterparty: '相手方株式会社',
    ...(expiresAt === undefined ? {} : { expiresAt }),
    parties: [{ role: 'signer', signingMode: 'witness-type', email, name: '相手 一郎' }],
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = json<{ id: string }>(created).id;
  const upload = await client.send('POST', `/api/envelopes/${id}/documents`, undefined, {
    contentType: 'application/pdf',
    raw: samplePdf(),
  });
  assert.equal(upload.statusCode, 201, upload.body);
  const sent = await client.send('POST', `/api/envelopes/${id}/send`);
  assert.equal(sent.statusCode, 200, sent.body);
  const accessCode = json<{ accessCodes: { accessCode: string }[] }>(sent).accessCodes[0]!.accessCode;
  return { id, accessCode, documentId: '' };
}

function keyClient(key: string): Client {
  const client = new Client(h.app);
  client.headers.authorization = `Bearer ${key}`;
  return client;
}

describe('F1/F2 API keys', () => {
  it('a member cannot make a key; an administrator’s key never does more than the administrator', async () => {
    const refused = await member.send('POST', '/api/contracts/api-keys', {
      scopes: ['envelopes:read', 'envelopes:write'],
    });
    assert.equal(refused.statusCode, 403);
    assert.equal(code(refused), 'SHOMEI_ENVELOPE_FORBIDDEN');

    const theirs = await sentEnvelope(member, 'party-f1@outside.example');
    const made = await admin.send('POST', '/api/contracts/api-keys', {
      scopes: ['envelopes:read', 'envelopes:write'],
    });
    assert.equal(made.statusCode, 201, made.body);
    const key = keyClient(json<{ key: string }>(made).key);
    // The administrator reads the tenant's records, so the key does — but manages only its own.
    assert.equal((await key.send('GET', `/api/envelopes/${theirs.id}`)).statusCode, 200);
    for (const [method, url, body] of [
      ['POST', `/api/envelopes/${theirs.id}/legal-hold`, { hold: true }],
      ['POST', `/api/envelopes/${theirs.id}/cancel`, { reason: '攻撃' }],
      ['POST', `/api/envelopes/${theirs.id}/delete`, { reason: '攻撃' }],
    ] as const) {
      const response = await key.send(method, url, body);
      assert.equal(response.statusCode, 403, `${url}: ${response.body}`);
    }
    assert.equal(
      json<{ status: string }>(await member.send('GET', `/api/envelopes/${theirs.id}`)).status,
      'sent',
    );
    // Without the administrator's read permission the key reads only what its creator sent.
    await setPermission(h.contracts.context, operator, adminUser.tenantId, {
      userId: memberUser.id,
      permission: 'tenant.admin',
      granted: true,
    });
    await setPermission(h.contracts.context, operator, adminUser.tenantId, {
      userId: adminUser.id,
      permission: 'tenant.admin',
      granted: false,
    });
    try {
      assert.equal((await key.send('GET', `/api/envelopes/${theirs.id}`)).statusCode, 404);
      assert.equal(json<{ items: unknown[] }>(await key.send('GET', '/api/envelopes')).items.length, 0);
      for (const [method, url, body] of [
        ['POST', `/api/envelopes/${theirs.id}/legal-hold`, { hold: true }],
        ['POST', `/api/envelopes/${theirs.id}/cancel`, { reason: '攻撃' }],
        ['POST', `/api/envelopes/${theirs.id}/delete`, { reason: '攻撃' }],
        ['POST', '/api/corrections', { recordId: theirs.id, reason: '攻撃', changes: { amount: 1 } }],
      ] as const) {
        const response = await key.send(method, url, body);
        assert.equal(response.statusCode, 404, `${url}: ${response.body}`);
      }
    } finally {
      await setPermission(h.contracts.context, operator, adminUser.tenantId, {
        userId: adminUser.id,
        permission: 'tenant.admin',
        granted: true,
      });
      await setPermission(h.contracts.context, operator, adminUser.tenantId, {
        userId: memberUser.id,
        permission: 'tenant.admin',
        granted: false,
      });
    }
  });

  it('keys are listed without secrets and revoked by route and CLI; a closed account’s keys die', async () => {
    const one = json<{ id: string; key: string }>(
      await admin.send('POST', '/api/contracts/api-keys', { scopes: ['envelopes:read'] }),
    );
    const two = json<{ id: string; key: string }>(
      await admin.send('POST', '/api/contracts/api-keys', { scopes: ['envelopes:read'] }),
    );
    const listed = await admin.send('GET', '/api/contracts/api-keys');
    assert.equal(listed.statusCode, 200);
    // The secret is everything after `shk_<id>_` (base64url, so it may itself contain '_').
    const secret = one.key.slice(`shk_${one.id}_`.length);
    assert.equal(secret.length, 43);
    assert.ok(!listed.body.includes(secret), 'no secret in the list');
    const ids = json<{ keys: { id: string; revokedAt: string | null }[] }>(listed).keys.map((k) => k.id);
    assert.ok(ids.includes(one.id) && ids.includes(two.id));
    assert.deepEqual(json<{ keys: unknown[] }>(await member.send('GET', '/api/contracts/api-keys')).keys, []);
    assert.equal((await member.send('DELETE', `/api/contracts/api-keys/${one.id}`)).statusCode, 404);

    assert.equal((await keyClient(one.key).send('GET', '/api/envelopes')).statusCode, 200);
    assert.equal((await admin.send('DELETE', `/api/contracts/api-keys/${one.id}`)).statusCode, 204);
    assert.equal((await keyClient(one.key).send('GET', '/api/envelopes')).statusCode, 401);
    assert.equal(h.audit.ofType('contracts.api-key.revoke').at(-1)?.subject?.id, one.id);

    // The operator's revocation goes through the one door (ADR 019): refused without a named operator.
    const revoke = ['contracts', 'api-keys', 'revoke', '--id', two.id, '--reason', '漏えいの疑い'];
    const anonymous = runShomei(revoke, { ...h.shomei.env, SHOMEI_OPERATOR_SESSION: `${h.dir}/none` });
    assert.match(anonymous.stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/);
    assert.equal((await keyClient(two.key).send('GET', '/api/envelopes')).statusCode, 200);
    const team = await makeTeam(h.shomei, ['security_officer']);
    const cli = runShomei(revoke, team.security_officer.env);
    assert.equal(cli.status, 0, cli.stderr);
    const audited = (await h.shomei.audit.search({ type: 'contracts.api-key.revoke' })).at(-1);
    assert.equal(audited?.actor.id, team.security_officer.userId);
    assert.equal((await keyClient(two.key).send('GET', '/api/envelopes')).statusCode, 401);

    // The creator's account is suspended, then closed: the key stops at once and is revoked.
    const user = await createUser(h, { email: 'leaver@sec.example', tenantSlug: 'sec' });
    await setPermission(h.contracts.context, operator, user.tenantId, {
      userId: user.id,
      permission: 'tenant.admin',
      granted: true,
    });
    const leaver = await login(h.app, 'leaver@sec.example');
    const keys = [];
    for (let i = 0; i < 2; i++) {
      keys.push(
        json<{ id: string; key: string }>(
          await leaver.send('POST', '/api/contracts/api-keys', { scopes: ['envelopes:read'] }),
        ),
      );
    }
    await h.shomei.identity.lifecycle.suspend(user.id, operator, 'investigation');
    assert.equal((await keyClient(keys[0]!.key).send('GET', '/api/envelopes')).statusCode, 401);
    await h.shomei.identity.lifecycle.resume(user.id, operator, 'cleared');
    assert.equal(
      (await keyClient(keys[0]!.key).send('GET', '/api/envelopes')).statusCode,
      401,
      'stays revoked',
    );
    const closure = await h.shomei.identity.lifecycle.close(user.id, operator, 'left the company');
    assert.deepEqual(closure.hookFailures, []);
    const rows = await h.contracts.context.db
      .selectFrom('contract_api_keys')
      .select(['id', 'revoked_at'])
      .where('acting_user_id', '=', user.id)
      .execute();
    assert.equal(rows.length, 2);
    assert.ok(
      rows.every((r) => r.revoked_at !== null),
      'every key of the closed account is revoked',
    );
    assert.equal((await keyClient(keys[1]!.key).send('GET', '/api/envelopes')).statusCode, 401);
  });
});

describe('F4 access codes', () => {
  it('60 parallel guesses (the right code 46th) compare at most 5 codes and do not open the link', async () => {
    const envelope = await sentEnvelope(member, 'guess@outside.example');
    const token = h.mailer.lastLinkToken('guess@outside.example');
    const before = h.audit.ofType('party.authenticate').length;
    const guesses = Array.from({ length: 60 }, (_, i) =>
      i === 45 ? envelope.accessCode : `wrong-code-${String(i).padStart(4, '0')}`,
    );
    const responses = await Promise.all(
      guesses.map((accessCode) => new Client(h.app).send('POST', '/api/sign/open', { token, accessCode })),
    );
    const events = h.audit.ofType('party.authenticate').slice(before);
    const reasons = events.map((e) => (e.outcome === 'success' ? 'success' : String(e.details?.reason)));
    // attempts-exhausted: refused before any comparison.
    const compared = reasons.filter((r) => r !== 'attempts-exhausted');
    assert.ok(compared.length <= 5, `compared ${compared.length}: ${reasons.join(',')}`);
    assert.equal(
      responses.filter((r) => r.statusCode === 200).length,
      reasons.filter((r) => r === 'success').length,
    );
    assert.notEqual(responses[45]!.statusCode, 200, 'the 46th guess is never compared');
    const after = await new Client(h.app).send('POST', '/api/sign/open', {
      token,
      accessCode: envelope.accessCode,
    });
    assert.equal(after.statusCode, 423, 'the link is locked after the limit (until the sender re-issues it)');
    assert.equal(code(after), 'SHOMEI_SIGNING_LINK_LOCKED');
  });
});

describe('F5 webhooks', () => {
  it('refuse loopback, private, link-local and metadata addresses in every spelling; members register none', async () => {
    assert.equal(
      (await member.send('POST', '/api/contracts/webhooks', { url: 'https://hooks.example.com/x' }))
        .statusCode,
      403,
    );
    for (const url of [
      'http://127.0.0.1/hook',
      'http://127.1/hook',
      'http://0x7f000001/hook',
      'http://2130706433/hook',
      'http://0177.0.0.1/hook',
      'http://017700000001/hook',
      'http://localhost:8080/hook',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[::ffff:7f00:1]/hook',
      'http://[::127.0.0.1]/hook',
      'http://0.0.0.0/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://0xa9fea9fe/latest/meta-data/',
      'http://[fe80::1]/hook',
      'http://[fd00:ec2::254]/hook',
      'http://10.0.0.1/hook',
      'http://172.16.0.1/hook',
      'http://192.168.0.1/hook',
      'http://100.100.100.200/hook',
    ]) {
      const response = await admin.send('POST', '/api/contracts/webhooks', { url });
      assert.equal(response.statusCode, 400, url);
      assert.equal(code(response), 'SHOMEI_OUTBOUND_ADDRESS_REFUSED', url);
    }
    assert.equal(
      code(await admin.send('POST', '/api/contracts/webhooks', { url: 'http://u:p@1.1.1.1/' })),
      'SHOMEI_OUTBOUND_URL_INVALID',
    );
    assert.deepEqual(
      json<{ webhooks: unknown[] }>(await admin.send('GET', '/api/contracts/webhooks')).webhooks,
      [],
    );
  });

  it('checks again at connect time: a host that now resolves to loopback is never reached', async () => {
    let reached = 0;
    const server: Server = createServer((_request, response) => {
      reached += 1;
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      // The socket's own lookup refuses localhost, whatever was checked before.
      const error = await new Promise<Error>((resolve) => {
        const socket = connect({ host: 'localhost', port, lookup: guardedLookup() });
        socket.on('error', resolve);
        socket.on('connect', () => resolve(new Error('connected')));
      });
      assert.match(error.message, /SHOMEI_OUTBOUND_ADDRESS_REFUSED/);
      // Registered while its host was public; now the name points at loopback (DNS rebinding,
      // played here by changing the stored URL): the delivery does not go out.
      const registered = await admin.send('POST', '/api/contracts/webhooks', {
        url: 'http://93.184.215.14/hook',
      });
      assert.equal(registered.statusCode, 201, registered.body);
      const hookId = json<{ id: string }>(registered).id;
      await h.contracts.context.db
        .updateTable('contract_webhooks')
        .set({ url: `http://localhost:${port}/hook` })
        .where('id', '=', hookId)
        .execute();
      await sentEnvelope(admin, 'hook-party@outside.example');
      assert.equal(await h.contracts.webhooks.deliverDue(), 0);
      assert.equal(reached, 0);
      // Administrators list and delete webhooks.
      const listed = json<{ webhooks: { id: string }[] }>(await admin.send('GET', '/api/contracts/webhooks'));
      assert.deepEqual(
        listed.webhooks.map((w) => w.id),
        [hookId],
      );
      const failed = await h.contracts.context.db
        .selectFrom('contract_webhook_deliveries')
        .select('last_error')
        .where('webhook_id', '=', hookId)
        .executeTakeFirstOrThrow();
      assert.match(String(failed.last_error), /SHOMEI_OUTBOUND_ADDRESS_REFUSED/);
      assert.equal((await member.send('DELETE', `/api/contracts/webhooks/${hookId}`)).statusCode, 403);
      assert.equal((await admin.send('DELETE', `/api/contracts/webhooks/${hookId}`)).statusCode, 204);
      assert.deepEqual(
        json<{ webhooks: unknown[] }>(await admin.send('GET', '/api/contracts/webhooks')).webhooks,
        [],
      );
    } finally {
      server.close();
    }
  });
});

describe('F5 webhooks: slow receivers', () => {
  it('a receiver that trickles its answer is cut off by the delivery deadline', async () => {
    const server: Server = createServer((request, response) => {
      request.resume();
      response.writeHead(200);
      const drip = setInterval(() => response.write('x'), 100);
      response.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      await assert.rejects(guardedPost(url, '{}', {}, { allowLoopback: true, timeoutMs: 500 }), /timed out/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('F6 retention', () => {
  it('only a tenant administrator sets it, never below 7 years; keys cannot', async () => {
    assert.equal((await member.send('PUT', '/api/contracts/retention', { years: 1 })).statusCode, 403);
    const key = json<{ key: string }>(
      await admin.send('POST', '/api/contracts/api-keys', { scopes: ['envelopes:write'] }),
    ).key;
    assert.equal(
      (await keyClient(key).send('PUT', '/api/contracts/retention', { years: 10 })).statusCode,
      403,
    );
    for (const years of [1, 6, 6.5, 101, '10']) {
      const response = await admin.send('PUT', '/api/contracts/retention', { years });
      assert.equal(code(response), 'SHOMEI_ENVELOPE_INVALID', String(years));
    }
    assert.equal((await admin.send('PUT', '/api/contracts/retention', { years: 7 })).statusCode, 204);
    const row = await h.contracts.context.db
      .selectFrom('contract_tenant_settings')
      .select('retention_years')
      .where('tenant_id', '=', adminUser.tenantId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(row.retention_years), 7);
  });
});

describe('F7/F9/F14 templates and bulk jobs', () => {
  it('another member cannot change a template; a bulk job of 400 bad rows and 1 good one is audited in a small summary and read only by its creator and administrators', async () => {
    const definition = {
      name: '一括テンプレート',
      title: '申込書',
      slots: [{ label: '乙', role: 'signer', signingMode: 'witness-type', order: 1 }],
    };
    const created = await member.send('POST', '/api/templates', definition);
    assert.equal(created.statusCode, 201, created.body);
    const id = json<{ id: string }>(created).id;
    const upload = await member.send('POST', `/api/templates/${id}/documents`, undefined, {
      contentType: 'application/pdf',
      raw: samplePdf(),
    });
    assert.equal(upload.statusCode, 201, upload.body);
    const changed = { name: '書き換え', title: '別物', slots: [{ label: '乙', role: 'viewer', order: 1 }] };
    assert.equal((await colleague.send('PUT', `/api/templates/${id}`, changed)).statusCode, 403);
    assert.equal((await colleague.send('DELETE', `/api/templates/${id}`)).statusCode, 403);
    assert.equal(
      (
        await colleague.send('POST', `/api/templates/${id}/documents`, undefined, {
          contentType: 'application/pdf',
          raw: samplePdf(),
        })
      ).statusCode,
      403,
    );
    assert.equal(
      (await colleague.send('GET', `/api/templates/${id}`)).statusCode,
      200,
      'colleagues still use it',
    );

    const rows = [
      ...Array.from({ length: 400 }, (_, i) => ({ email: `not-an-address-${i}`, name: `行 ${i}` })),
      { email: 'bulk-ok@outside.example', name: '一括 花子' },
    ];
    const bulk = await member.send('POST', `/api/templates/${id}/bulk-send`, { rows });
    assert.equal(bulk.statusCode, 202, bulk.body);
    const { jobId } = json<{ jobId: string }>(bulk);
    await h.contracts.bulk.idle();
    const result = {
      jobId,
      ...json<{ created: number; failed: number }>(await member.send('GET', `/api/bulk-jobs/${jobId}`)),
    };
    assert.deepEqual([result.created, result.failed], [1, 400]);
    const audited = h.audit.ofType('envelope.bulk-send').filter((e) => e.subject?.id === result.jobId);
    assert.equal(audited.length, 1);
    assert.deepEqual(audited[0]!.details?.errors, { SHOMEI_ENVELOPE_INVALID: 400 });
    assert.ok(JSON.stringify(audited[0]!.details).length < 1024);

    assert.equal((await colleague.send('GET', `/api/bulk-jobs/${result.jobId}`)).statusCode, 404);
    const byAdmin = await admin.send('GET', `/api/bulk-jobs/${result.jobId}`);
    assert.equal(byAdmin.statusCode, 200);
    assert.equal(json<{ rows: unknown[] }>(byAdmin).rows.length, 401);
    assert.equal(
      (await admin.send('PUT', `/api/templates/${id}`, { ...definition, name: '管理者の改訂' })).statusCode,
      200,
    );
  });
});

describe('F12 expired envelopes', () => {
  it('a signing link and its party session stop at the envelope’s expiry, before the sweep', async () => {
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const envelope = await sentEnvelope(member, 'late@outside.example', expiresAt);
    const token = h.mailer.lastLinkToken('late@outside.example');
    const opened = await new Client(h.app).send('POST', '/api/sign/open', {
      token,
      accessCode: envelope.accessCode,
    });
    assert.equal(opened.statusCode, 200, opened.body);
    const party = new Client(h.app);
    party.headers['x-shomei-party'] = json<{ partyToken: string }>(opened).partyToken;
    const view = json<{ documents: { id: string }[] }>(
      await party.send('GET', `/api/envelopes/${envelope.id}`),
    );
    const documentUrl = `/api/envelopes/${envelope.id}/documents/${view.documents[0]!.id}`;
    assert.equal((await party.send('GET', documentUrl)).statusCode, 200);
    offsetMs = 2 * 3600_000;
    try {
      assert.equal((await party.send('GET', documentUrl)).statusCode, 401);
      assert.equal((await party.send('GET', `/api/envelopes/${envelope.id}`)).statusCode, 401);
    } finally {
      offsetMs = 0;
    }
    // A second party link, opened only after expiry, is refused too.
    const other = await sentEnvelope(member, 'later@outside.example', expiresAt);
    offsetMs = 2 * 3600_000;
    try {
      const late = await new Client(h.app).send('POST', '/api/sign/open', {
        token: h.mailer.lastLinkToken('later@outside.example'),
        accessCode: other.accessCode,
      });
      assert.equal(late.statusCode, 401);
      assert.equal(h.audit.ofType('party.authenticate').at(-1)?.details?.reason, 'envelope-expired');
    } finally {
      offsetMs = 0;
    }
  });
});

describe('F8, F10, F15 on the real server', () => {
  it('no signing-link token or authorisation code in the request log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = Fastify({ loggerInstance: createLogger({ level: 'info' }, sink) });
    app.get('/sign/:token', async () => 'ok');
    app.get('/api/auth/oidc/callback', async () => 'ok');
    try {
      await app.inject({ method: 'GET', url: '/sign/SECRETlinkTOKEN123456' });
      await app.inject({ method: 'GET', url: '/api/auth/oidc/callback?code=SECRETcode987&state=s1' });
    } finally {
      await app.close();
    }
    const log = lines.join('');
    assert.ok(log.includes('/sign/[redacted]'), log);
    assert.ok(log.includes('state=s1'), 'what is not secret stays');
    assert.ok(!log.includes('SECRETlinkTOKEN123456') && !log.includes('SECRETcode987'), log);
  });

  it('F11: applications mail nothing the applicant typed, a few per address and per source', async () => {
    const app = await buildServer(h.shomei);
    const apply = (email: string, displayName: string) =>
      app.inject({
        method: 'POST',
        url: '/api/applications',
        payload: {
          organisationName: '攻撃者株式会社',
          user: { email, displayName, familyName: '攻撃', givenName: '太郎' },
        },
      });
    try {
      const lure = 'Your account is locked, log in at https://evil.example/now';
      for (let i = 0; i < 3; i++) assert.equal((await apply('victim@outside.example', lure)).statusCode, 201);
      const fourth = await apply('victim@outside.example', lure);
      assert.equal(fourth.statusCode, 429);
      assert.equal(code(fourth), 'SHOMEI_RATE_LIMITED');
      const mails = (await (h.shomei.mailer as OutboxMailer).list()).filter(
        (m) => m.to === 'victim@outside.example',
      );
      assert.equal(mails.length, 3);
      assert.ok(mails.every((m) => !m.text.includes('evil.example') && !m.text.includes('Your account')));
      // Other addresses from the same source: 10 requests an hour from one source, refused ones included.
      const statuses = [];
      for (let i = 0; i < 8; i++)
        statuses.push((await apply(`spray${i}@outside.example`, '名前')).statusCode);
      assert.deepEqual(statuses, [201, 201, 201, 201, 201, 201, 429, 429]);
    } finally {
      await app.close();
    }
  });

  it('API answers are no-store and the CSP allows no inline styles and fonts from this origin only', async () => {
    const app = await buildServer(h.shomei);
    try {
      const login = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'nobody@sec.example', password: 'x'.repeat(12) },
      });
      assert.equal(login.headers['cache-control'], 'no-store');
      const openapi = await app.inject({ method: 'GET', url: '/api/openapi.json' });
      assert.equal(openapi.headers['cache-control'], 'no-store');
      const signOpen = await app.inject({ method: 'POST', url: '/api/sign/open', payload: {} });
      assert.equal(signOpen.headers['cache-control'], 'no-store');
      const csp = String(
        (await app.inject({ method: 'GET', url: '/healthz' })).headers['content-security-policy'],
      );
      assert.match(csp, /style-src 'self'(;|$)/);
      assert.match(csp, /font-src 'self' data:(;|$)/);
      assert.ok(!csp.includes('unsafe-inline') && !csp.includes('https:'), csp);
    } finally {
      await app.close();
    }
  });
});
