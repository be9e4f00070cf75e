/**
 * /api/admin over HTTP: only registered maintenance terminals (TLS client certificate fingerprint, or
 * the development IP allow-list) get through, every refusal is audited, and only auditors read the
 * audit trail. Authentication itself is identity's; here a stand-in hook sets request.principal.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { type AdminServices, adminRoutes, openAdminServices } from '../../src/admin/index.ts';
import type { Shomei } from '../../src/app/index.ts';
import { verifyAuditArchive } from '../../src/audit/index.ts';
import type { Principal } from '../../src/identity/index.ts';
import { handleError } from '../../src/server/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';

const today = new Date().toISOString().slice(0, 10);

function principal(userId: string): Principal {
  return {
    kind: 'user',
    userId,
    tenantId: 'provider',
    email: `${userId}@example.jp`,
    displayName: userId,
    sessionRef: `session-${userId}`,
    assurance: 'aal2',
    methods: ['password', 'totp'],
    authenticatedAt: new Date().toISOString(),
    federation: null,
  };
}

async function buildApp(shomei: Shomei, admin: AdminServices, https?: object): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ...(https === undefined ? {} : { https }) });
  app.setErrorHandler(handleError);
  // Stand-in for identity's session hook: the test names the logged-in user.
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    const user = request.headers['x-test-user'];
    if (typeof user === 'string') (request as { principal?: Principal }).principal = principal(user);
  });
  await app.register(adminRoutes, { admin, audit: shomei.audit });
  return app;
}

/** A terminal CA and, issued by it, the server's certificate (127.0.0.1), a terminal's and a stranger's. */
function makeTerminalPki(dir: string): void {
  const ssl = (args: string[]) => {
    const r = run('openssl', args, { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
  };
  ssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Terminal CA',
  ]);
  for (const name of ['server', 'terminal', 'stranger']) {
    ssl([
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name === 'server' ? 'localhost' : name}`,
    ]);
    writeFileSync(
      path.join(dir, `${name}.ext`),
      name === 'server' ? 'subjectAltName=IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n',
    );
    ssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ]);
  }
}

describe('/api/admin routes', () => {
  let shomei: Shomei & TestHome;
  let app: FastifyInstance;

  before(async () => {
    shomei = await openTestShomei({ SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0' });
    for (const user of ['so-1', 'admin-1', 'auditor-1', 'operator-1']) {
      await shomei.admin.grants.recordTraining(
        { userId: user, topic: 'Operations', trainer: 'Trainer', trainedOn: today },
        'hr',
      );
    }
    await shomei.admin.bootstrap(
      [
        { userId: 'so-1', role: 'security_officer' },
        { userId: 'admin-1', role: 'system_administrator' },
        { userId: 'auditor-1', role: 'system_auditor' },
      ],
      'console',
    );
    app = await buildApp(shomei, shomei.admin);
  });
  after(async () => {
    await app.close();
    await shomei.close();
  });

  const get = (url: string, user?: string) =>
    app.inject({
      method: 'GET',
      url,
      remoteAddress: '127.0.0.1',
      headers: user === undefined ? {} : { 'x-test-user': user },
    });
  const post = (url: string, user: string, payload: unknown) =>
    app.inject({
      method: 'POST',
      url,
      remoteAddress: '127.0.0.1',
      headers: { 'x-test-user': user },
      payload: payload as object,
    });

  it('lets only auditors read the audit trail, with filters, and audits refusals and reads', async () => {
    const ok = await get('/api/admin/audit/events?type=admin.*&limit=50', 'auditor-1');
    assert.equal(ok.statusCode, 200, ok.body);
    const events = ok.json().events as { type: string }[];
    assert.ok(events.length > 0 && events.every((e) => e.type.startsWith('admin.')));
    const byActor = await get('/api/admin/audit/events?actor=console', 'auditor-1');
    assert.ok((byActor.json().events as { actor: { id: string } }[]).every((e) => e.actor.id === 'console'));

    for (const user of ['so-1', 'admin-1', 'someone']) {
      const refused = await get('/api/admin/audit/events', user);
      assert.equal(refused.statusCode, 403, user);
      assert.equal(refused.json().error.code, 'SHOMEI_FORBIDDEN');
    }
    assert.equal((await get('/api/admin/audit/events')).statusCode, 401);
    const denied = await shomei.audit.search({ type: 'admin.access.denied' });
    assert.deepEqual(denied.map((e) => e.actor.id).sort(), ['admin-1', 'so-1', 'someone', 'unauthenticated']);
    assert.ok((await shomei.audit.search({ type: 'audit.read', actor: 'auditor-1' })).length >= 2);
  });

  it('refuses malformed filters with a typed error', async () => {
    for (const query of [
      'from=yesterday',
      'limit=999999',
      'type=DROP%20TABLE',
      'afterSeq=-1',
      'type=a&type=b',
      `actor=${'x'.repeat(300)}`,
    ]) {
      const response = await get(`/api/admin/audit/events?${query}`, 'auditor-1');
      assert.equal(response.statusCode, 400, query);
      assert.match(response.json().error.code, /^SHOMEI_/);
    }
  });

  it('exports an archive over HTTP that verifies offline', async () => {
    const response = await post('/api/admin/audit/export', 'auditor-1', {});
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-type'], 'application/x-ndjson');
    const file = path.join(shomei.home, 'http-export.jsonl');
    writeFileSync(file, response.rawPayload);
    assert.equal(verifyAuditArchive(file).ok, true);
    assert.equal((await post('/api/admin/audit/export', 'so-1', {})).statusCode, 403);
    assert.equal((await post('/api/admin/audit/export', 'auditor-1', { throughSeq: 'all' })).statusCode, 400);
  });

  it('grants a privileged role over HTTP only after a second person approves', async () => {
    const requested = await post('/api/admin/roles/grants', 'so-1', {
      userId: 'operator-1',
      role: 'system_operator',
    });
    assert.equal(requested.statusCode, 202, requested.body);
    const id = requested.json().id as string;
    assert.deepEqual(await shomei.admin.grants.rolesOf('operator-1'), []);
    const self = await post(`/api/admin/approvals/${id}/approve`, 'so-1', {});
    assert.equal(self.statusCode, 403);
    assert.equal(self.json().error.code, 'SHOMEI_APPROVAL_SELF');
    const approved = await post(`/api/admin/approvals/${id}/approve`, 'admin-1', {});
    assert.equal(approved.statusCode, 200, approved.body);
    assert.deepEqual(await shomei.admin.grants.rolesOf('operator-1'), ['system_operator']);
    const conflicting = await post('/api/admin/roles/grants', 'so-1', {
      userId: 'operator-1',
      role: 'system_auditor',
    });
    assert.equal(conflicting.statusCode, 409);
    assert.equal(conflicting.json().error.code, 'SHOMEI_ROLE_CONFLICT');
  });

  it('refuses oversized and malformed bodies', async () => {
    const big = await post('/api/admin/approvals', 'so-1', {
      kind: 'role.grant',
      payload: { pad: 'x'.repeat(20_000) },
    });
    assert.equal(big.statusCode, 413);
    const notJson = await app.inject({
      method: 'POST',
      url: '/api/admin/approvals',
      remoteAddress: '127.0.0.1',
      headers: { 'x-test-user': 'so-1', 'content-type': 'application/json' },
      payload: '{"kind":',
    });
    assert.equal(notJson.statusCode, 400);
    const array = await post('/api/admin/approvals', 'so-1', [1, 2]);
    assert.equal(array.statusCode, 400);
  });

  it('settles who asks before what they sent; a field the declared shape refuses is named', async () => {
    const bad = { userId: 5, topic: 'Operations', trainer: 'Trainer', trainedOn: today };
    const anonymous = await app.inject({
      method: 'POST',
      url: '/api/admin/training',
      remoteAddress: '127.0.0.1',
      payload: bad,
    });
    assert.equal(anonymous.json().error.code, 'SHOMEI_AUTH_REQUIRED');
    assert.equal((await post('/api/admin/training', 'admin-1', bad)).json().error.code, 'SHOMEI_FORBIDDEN');
    const refusals = [
      await post('/api/admin/training', 'so-1', bad),
      await post('/api/admin/audit/export', 'auditor-1', { throughSeq: 'all' }),
      await get('/api/admin/approvals?status=granted', 'so-1'),
      await get('/api/admin/alerts?limit=0', 'auditor-1'),
    ];
    assert.deepEqual(
      refusals.map((r) => [r.statusCode, r.json().error.code, r.json().error.message.en.split(' ')[0]]),
      [
        [400, 'SHOMEI_ADMIN_INPUT_INVALID', 'userId'],
        [400, 'SHOMEI_ADMIN_INPUT_INVALID', 'throughSeq'],
        [400, 'SHOMEI_ADMIN_INPUT_INVALID', 'status'],
        [400, 'SHOMEI_ADMIN_INPUT_INVALID', 'limit'],
      ],
    );
    assert.deepEqual(await shomei.admin.grants.trainingOf('5'), []);
  });

  it('refuses an address outside the allow-list, and audits the attempt', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/admin/alerts',
      remoteAddress: '198.51.100.7',
      headers: { 'x-test-user': 'auditor-1' },
    });
    assert.equal(response.statusCode, 403);
    assert.equal(response.json().error.code, 'SHOMEI_TERMINAL_NOT_REGISTERED');
    const refused = await shomei.audit.search({ type: 'admin.terminal.refused' });
    assert.equal(refused.at(-1)?.source, '198.51.100.7');
    assert.equal(refused.at(-1)?.actor.id, 'auditor-1');
    assert.equal((await get('/api/admin/alerts', 'auditor-1')).statusCode, 200);
  });

  it('with TLS client certificates, admits only registered terminals (no IP allow-list outside development)', async () => {
    const dir = shomei.home;
    makeTerminalPki(dir);
    const read = (f: string) => readFileSync(path.join(dir, f));
    const production = openAdminServices({
      database: shomei.database,
      audit: shomei.audit.trail,
      settings: {
        approvalHours: 24,
        trainingValidityDays: 365,
        allowedIps: ['127.0.0.1'],
        allowIpList: false,
      },
    });
    await production.terminals.register(
      { label: 'Ops room PC 1', certificate: read('terminal.pem').toString() },
      'so-1',
    );
    const tlsApp = await buildApp(shomei, production, {
      key: read('server.key'),
      cert: read('server.pem'),
      ca: read('ca.pem'),
      requestCert: true,
      rejectUnauthorized: false,
    });
    await tlsApp.listen({ host: '127.0.0.1', port: 0 });
    const port = (tlsApp.server.address() as { port: number }).port;
    const call = (client?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/api/admin/alerts',
            method: 'GET',
            ca: read('ca.pem'),
            headers: { 'x-test-user': 'auditor-1' },
            ...(client === undefined ? {} : { key: read(`${client}.key`), cert: read(`${client}.pem`) }),
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => {
              body += c.toString();
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    try {
      assert.equal((await call('terminal')).status, 200);
      const stranger = await call('stranger');
      assert.equal(stranger.status, 403);
      assert.match(stranger.body, /SHOMEI_TERMINAL_NOT_REGISTERED/);
      // Loopback without a certificate: refused, the allow-list does not apply outside development.
      assert.equal((await call()).status, 403);
      const reasons = (await shomei.audit.search({ type: 'admin.terminal.refused' })).map(
        (e) => e.details.reason,
      );
      assert.ok(reasons.includes('certificate-not-registered'));
      assert.ok(reasons.includes('client-certificate-required'));
    } finally {
      await tlsApp.close();
    }
  });
});
