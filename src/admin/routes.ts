/**
 * HTTP routes under /api/admin. Every request must come from a registered maintenance terminal
 * (checked before anything else, refusals audited), from an authenticated principal holding the
 * privilege the route needs (refusals audited). Reading the audit trail is for auditors only.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { type AuditServices, parseSearchFilter } from '../audit/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { Principal } from '../identity/index.ts';
import type { ConsoleGuard, ConsoleRoutes } from './console.ts';
import type { ApprovalStatus } from './dual-control.ts';
import { invalidInput, notAuthorised } from './errors.ts';
import { PRIVILEGE_ROLES, type Privilege } from './privileges.ts';
import type { AdminServices } from './service.ts';
import { clientCertificateOf } from './terminals.ts';
import { identifier } from './validate.ts';

export interface AdminRoutesOptions {
  readonly admin: AdminServices;
  readonly audit: AuditServices;
  /** Console routes of other modules (credentials, certificates, backups), given by the composition root. */
  readonly consoleRoutes?: readonly ConsoleRoutes[];
}

const BODY_LIMIT = 16 * 1024;
const APPROVAL_STATUSES: readonly ApprovalStatus[] = [
  'pending',
  'executing',
  'approved',
  'rejected',
  'expired',
  'failed',
];

function body(request: FastifyRequest): Record<string, unknown> {
  const value = request.body;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalidInput('body', 'must be a JSON object');
  return value as Record<string, unknown>;
}

function query(request: FastifyRequest): Record<string, unknown> {
  const raw = (request.query ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw invalidInput(key, 'must be given once');
  }
  return raw;
}

export const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app: FastifyInstance, options) => {
  const { admin, audit } = options;
  const trail = audit.trail;

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/admin')) return;
    await admin.terminals.require({
      remoteAddress: request.socket.remoteAddress,
      clientCertificate: clientCertificateOf(request.socket),
      route: request.url.split('?')[0] ?? request.url,
      userId: (request as { principal?: Principal }).principal?.userId,
    });
  });

  /** The logged-in user; an anonymous attempt on an admin route is audited and refused. */
  const principalOf = async (request: FastifyRequest): Promise<Principal> => {
    const principal = (request as { principal?: Principal }).principal;
    if (principal !== undefined) return principal;
    await trail.append({
      type: 'admin.access.denied',
      actor: { kind: 'anonymous', id: 'unauthenticated' },
      outcome: 'failure',
      source: request.ip,
      details: { route: request.routeOptions.url ?? request.url.slice(0, 200), reason: 'not-authenticated' },
    });
    throw shomeiError('SHOMEI_AUTH_REQUIRED', 'ログインが必要です。', 'You need to log in.', { status: 401 });
  };

  const require = async (request: FastifyRequest, privilege: Privilege): Promise<Principal> => {
    const principal = await principalOf(request);
    if (!(await admin.hasPrivilege(principal.userId, privilege))) {
      await trail.append({
        type: 'admin.access.denied',
        actor: { kind: 'user', id: principal.userId, tenantId: principal.tenantId },
        outcome: 'failure',
        ...(request.ip === undefined ? {} : { source: request.ip }),
        details: { route: request.routeOptions.url ?? request.url.slice(0, 200), privilege },
      });
      throw notAuthorised(privilege, PRIVILEGE_ROLES[privilege]);
    }
    return principal;
  };

  const guard: ConsoleGuard = {
    require,
    async requestApproval(request, kind, payload) {
      const principal = await principalOf(request);
      return admin.dualControl.request(kind, payload, principal.userId, request.ip);
    },
    async record(request, principal, type, details) {
      await trail.append({
        type,
        actor: { kind: 'user', id: principal.userId, tenantId: principal.tenantId },
        outcome: 'success',
        source: request.ip,
        details: { ...details },
      });
    },
  };
  for (const routes of options.consoleRoutes ?? []) await routes(app, guard);

  app.get('/api/admin/audit/events', async (request) => {
    const principal = await require(request, 'audit.read');
    const filter = parseSearchFilter(query(request));
    const events = await audit.search(filter);
    await trail.append({
      type: 'audit.read',
      actor: { kind: 'user', id: principal.userId, tenantId: principal.tenantId },
      outcome: 'success',
      source: request.ip,
      details: { filter: { ...filter }, returned: events.length },
    });
    return { events, next: events.length > 0 ? events[events.length - 1]!.seq : null };
  });

  app.get('/api/admin/audit/verify', async (request) => {
    await require(request, 'audit.read');
    return audit.verify();
  });

  app.post('/api/admin/audit/export', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const principal = await require(request, 'audit.export');
    const b = body(request);
    const range: { from?: string; to?: string; fromSeq?: number; throughSeq?: number } = {};
    if (b.from !== undefined) range.from = String(b.from);
    if (b.to !== undefined) range.to = String(b.to);
    for (const key of ['fromSeq', 'throughSeq'] as const) {
      const v = b[key];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
        throw invalidInput(key, 'must be a positive integer');
      range[key] = v;
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'shomei-export-'));
    try {
      const file = path.join(dir, 'audit-archive.jsonl');
      const result = await audit.exportArchive(file, range, principal.userId);
      const content = readFileSync(file);
      return reply
        .header('content-type', 'application/x-ndjson')
        .header(
          'content-disposition',
          `attachment; filename="audit-${result.manifest.range.fromSeq}-${result.manifest.range.throughSeq}.jsonl"`,
        )
        .send(content);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  app.get('/api/admin/alerts', async (request) => {
    await require(request, 'alerts.read');
    const q = query(request);
    const filter: { since?: string; rule?: string; limit?: number } = {};
    if (q.since !== undefined) filter.since = parseSearchFilter({ from: q.since }).from!;
    if (q.rule !== undefined) filter.rule = identifier(q.rule, 'rule', 40);
    if (q.limit !== undefined) {
      const n = Number(q.limit);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw invalidInput('limit', 'must be 1–1000');
      filter.limit = n;
    }
    return { alerts: await audit.alerts.list(filter) };
  });

  app.get('/api/admin/approvals', async (request) => {
    await require(request, 'approvals.read');
    const status = query(request).status;
    if (status !== undefined && !APPROVAL_STATUSES.includes(status as ApprovalStatus)) {
      throw invalidInput('status', `must be one of ${APPROVAL_STATUSES.join(', ')}`);
    }
    return {
      approvals: await admin.dualControl.list(
        status === undefined ? {} : { status: status as ApprovalStatus },
      ),
      kinds: admin.dualControl.kinds(),
    };
  });

  app.post('/api/admin/approvals', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const principal = await principalOf(request);
    const b = body(request);
    const created = await admin.dualControl.request(b.kind, b.payload, principal.userId, request.ip);
    return reply.status(202).send(created);
  });

  app.post('/api/admin/approvals/:id/approve', { bodyLimit: BODY_LIMIT }, async (request) => {
    const principal = await principalOf(request);
    return admin.dualControl.approve((request.params as { id: string }).id, principal.userId, request.ip);
  });

  app.post('/api/admin/approvals/:id/reject', { bodyLimit: BODY_LIMIT }, async (request) => {
    const principal = await principalOf(request);
    return admin.dualControl.reject((request.params as { id: string }).id, principal.userId, request.ip);
  });

  app.get('/api/admin/roles', async (request) => {
    await require(request, 'approvals.read');
    return { grants: await admin.grants.list() };
  });

  app.post('/api/admin/roles/grants', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const principal = await principalOf(request);
    const b = body(request);
    const created = await admin.dualControl.request(
      'role.grant',
      { userId: b.userId, role: b.role },
      principal.userId,
      request.ip,
    );
    return reply.status(202).send(created);
  });

  app.post('/api/admin/training', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const principal = await require(request, 'training.record');
    const b = body(request);
    const record = await admin.grants.recordTraining(
      { userId: b.userId, topic: b.topic, trainer: b.trainer, trainedOn: b.trainedOn },
      principal.userId,
    );
    return reply.status(201).send(record);
  });

  app.get('/api/admin/training/:userId', async (request) => {
    await require(request, 'training.record');
    const userId = identifier((request.params as { userId: string }).userId, 'userId');
    return { training: await admin.grants.trainingOf(userId) };
  });

  app.get('/api/admin/terminals', async (request) => {
    await require(request, 'terminals.manage');
    return { terminals: await admin.terminals.list() };
  });

  app.post('/api/admin/terminals', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
    const principal = await require(request, 'terminals.manage');
    const b = body(request);
    return reply
      .status(201)
      .send(await admin.terminals.register({ label: b.label, certificate: b.certificate }, principal.userId));
  });
};
