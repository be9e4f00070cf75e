/**
 * The contract routes whose input Fastify now checks with their zod schemas (issue #21): who calls is
 * still settled before what they sent (401/403 before 400), refusals keep their typed codes, and a
 * refused request changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setPermission } from '../../src/contracts/index.ts';
import { Client, type ContractsHarness, createUser, json, login, openContractsHarness } from './harness.ts';

let h: ContractsHarness;
let admin: Client;
let member: Client;
let draftId: string;

const code = (response: { body: string }) => json<{ error: { code: string } }>(response).error.code;

before(async () => {
  h = await openContractsHarness();
  const adminUser = await createUser(h, { email: 'admin@shapes.example.jp', tenantSlug: 'shapes' });
  await createUser(h, { email: 'member@shapes.example.jp', tenantSlug: 'shapes' });
  await setPermission(h.contracts.context, { kind: 'operator', id: 'test' }, adminUser.tenantId, {
    userId: adminUser.id,
    permission: 'tenant.admin',
    granted: true,
  });
  admin = await login(h.app, 'admin@shapes.example.jp');
  member = await login(h.app, 'member@shapes.example.jp');
  const party = { role: 'signer', signingMode: 'witness-type', email: 'b@example.jp', name: '乙 花子' };
  const draft = { title: '業務委託契約', counterparty: '乙株式会社', parties: [party] };
  const created = await admin.send('POST', '/api/envelopes', draft);
  assert.equal(created.statusCode, 201, created.body);
  draftId = json<{ id: string }>(created).id;
});
after(() => h.close());

describe('contract routes checked by their schemas', () => {
  it('a tenant setting refuses a member before it looks at the body (403, not 400)', async () => {
    const bad = [
      ['PUT', '/api/contracts/reminders', { intervalDays: 0 }],
      ['PUT', '/api/contracts/permissions', { permission: 'root' }],
      ['PUT', '/api/contracts/signing-policy', { allowedModes: [] }],
      ['POST', '/api/contracts/webhooks', { url: 42 }],
      ['PUT', '/api/contracts/retention', { years: 'forever' }],
    ] as const;
    for (const [method, url, body] of bad) {
      const refused = await member.send(method, url, body);
      assert.equal(refused.statusCode, 403, `${method} ${url}: ${refused.body}`);
      const invalid = await admin.send(method, url, body);
      assert.equal(invalid.statusCode, 400, `${method} ${url}: ${invalid.body}`);
      assert.equal(code(invalid), 'SHOMEI_ENVELOPE_INVALID');
    }
    const policy = await admin.send('GET', '/api/contracts/signing-policy');
    assert.deepEqual(json(policy), {
      allowedModes: ['signer-type', 'witness-type'],
      signingFactor: 'credential-otp',
    });
    assert.deepEqual(json(await admin.send('GET', '/api/contracts/webhooks')), { webhooks: [] });
  });

  it('an upload that is not a PDF body: 401 for nobody, the typed not-a-PDF error for a sender', async () => {
    const url = `/api/envelopes/${draftId}/documents?name=a.pdf`;
    const anonymous = await new Client(h.app).send('POST', url, { pdf: 'JVBERi0=' });
    assert.equal(anonymous.statusCode, 401);
    const asJson = await admin.send('POST', url, { pdf: 'JVBERi0=' });
    assert.equal(asJson.statusCode, 400);
    assert.equal(code(asJson), 'SHOMEI_DOCUMENT_NOT_PDF');
    const envelope = await admin.send('GET', `/api/envelopes/${draftId}`);
    assert.deepEqual(JSON.parse(envelope.body).documents, [], 'no document was added');
  });

  it('cancel without a reason and a malformed signing link are refused and change nothing', async () => {
    for (const body of [{}, { reason: '   ' }, { reason: 'x'.repeat(1001) }]) {
      const refused = await admin.send('POST', `/api/envelopes/${draftId}/cancel`, body);
      assert.equal(code(refused), 'SHOMEI_ENVELOPE_INVALID', JSON.stringify(body));
    }
    const envelope = JSON.parse((await admin.send('GET', `/api/envelopes/${draftId}`)).body);
    assert.equal(envelope.status, 'draft');

    const before = h.audit.ofType('party.authenticate').length;
    const anonymous = new Client(h.app);
    for (const body of [{ token: 'a'.repeat(201), accessCode: '12345678' }, { token: 'a' }, []]) {
      const refused = await anonymous.send('POST', '/api/sign/open', body);
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal(code(refused), 'SHOMEI_ENVELOPE_INVALID');
    }
    const unknown = await anonymous.send('POST', '/api/sign/open', { token: 'nope', accessCode: '12345678' });
    assert.equal(unknown.statusCode >= 400 && unknown.statusCode < 500, true);
    const after = h.audit.ofType('party.authenticate');
    assert.equal(after.length, before + 1, 'only the well-formed attempt is recorded');
    assert.doesNotMatch(JSON.stringify(after), /nope|12345678/, 'neither the token nor the code is kept');
  });
});
