/**
 * HTTP routes under /api/admin. Every request must come from a registered maintenance terminal
 * (checked before anything else, refusals audited), from an authenticated principal holding the
 * privilege the route needs (refusals audited). Reading the audit trail is for auditors only.
 * Requests and answers are declared with zod (shapes.ts, audit's shapes): Fastify validates and
 * serialises with them and the OpenAPI document is generated from them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type AuditServices,
  alertSchema,
  auditExportBody,
  auditPageSchema,
  auditSearchQuery,
  chainVerificationSchema,
  parseSearchFilter,
} from '../audit/index.ts';
import type { Principal } from '../identity/index.ts';
import type { ConsoleRoutes } from './console.ts';
import { adminInput, consoleGuard, type GuardedApp, withZod } from './console-guard.ts';
import type { AdminServices } from './service.ts';
import {
  approvalBody,
  approvalListQuery,
  approvalListSchema,
  approvalRequestSchema,
  idParams,
  roleGrantBody,
  roleGrantSchema,
  terminalBody,
  terminalSchema,
  trainingBody,
  trainingParams,
  trainingRecordSchema,
} from './shapes.ts';
import { clientCertificateOf } from './terminals.ts';
import { identifier } from './validate.ts';

export interface AdminRoutesOptions {
  readonly admin: AdminServices;
  readonly audit: AuditServices;
  /** Console routes of other modules (credentials, certificates, backups), given by the composition root. */
  readonly consoleRoutes?: readonly ConsoleRoutes[];
}

const BODY_LIMIT = 16 * 1024;
const opts = { bodyLimit: BODY_LIMIT, config: adminInput };

export const adminRoutes: FastifyPluginAsync<AdminRoutesOptions> = async (app: FastifyInstance, options) => {
  // Also on a bare Fastify (tests): the declared shapes validate and serialise.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const { admin } = options;
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/admin')) return;
    await admin.terminals.require({
      remoteAddress: request.socket.remoteAddress,
      clientCertificate: clientCertificateOf(request.socket),
      route: request.url.split('?')[0] ?? request.url,
      userId: (request as { principal?: Principal }).principal?.userId,
    });
  });
  const guard = consoleGuard(admin, options.audit.trail);
  for (const routes of options.consoleRoutes ?? []) await routes(app, guard);
  const guarded: GuardedApp = { api: withZod(app), guard };
  auditRoutes(guarded, options.audit);
  approvalRoutes(guarded, admin);
  peopleRoutes(guarded, admin);
};

/** The audit trail: search, chain check, signed export (auditors), and the alerts raised over it. */
function auditRoutes({ api, guard }: GuardedApp, audit: AuditServices): void {
  const events = { querystring: auditSearchQuery, response: { 200: auditPageSchema } };
  const read = { config: adminInput, preValidation: guard.before('audit.read') };
  api.get('/api/admin/audit/events', { ...read, schema: events }, async (request) => {
    const principal = await guard.require(request, 'audit.read');
    const filter = parseSearchFilter(request.query);
    const found = await audit.search(filter);
    await guard.record(request, principal, 'audit.read', { filter: { ...filter }, returned: found.length });
    return { events: found, next: found.length > 0 ? found[found.length - 1]!.seq : null };
  });

  const verify = { response: { 200: chainVerificationSchema } };
  api.get('/api/admin/audit/verify', { ...read, schema: verify }, async () => audit.verify());

  const exportSchema = {
    body: auditExportBody,
    response: {
      200: {
        description: 'The signed, timestamped archive of the range (JSON lines)',
        content: { 'application/x-ndjson': { schema: z.string() } },
      },
    },
  };
  const exporting = { ...opts, preValidation: guard.before('audit.export'), schema: exportSchema };
  api.post('/api/admin/audit/export', exporting, async (request, reply) => {
    const principal = await guard.require(request, 'audit.export');
    const dir = mkdtempSync(path.join(tmpdir(), 'shomei-export-'));
    try {
      const file = path.join(dir, 'audit-archive.jsonl');
      const result = await audit.exportArchive(file, request.body, principal.userId);
      const { fromSeq, throughSeq } = result.manifest.range;
      return reply
        .header('content-type', 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="audit-${fromSeq}-${throughSeq}.jsonl"`)
        .send(readFileSync(file) as unknown as string); // a Buffer goes out as it is, never serialised
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const alertsQuery = z.object({
    since: z.string().optional().describe('ISO-8601'),
    rule: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  });
  const alerts = { querystring: alertsQuery, response: { 200: z.object({ alerts: z.array(alertSchema) }) } };
  const alerting = { config: adminInput, preValidation: guard.before('alerts.read'), schema: alerts };
  api.get('/api/admin/alerts', alerting, async (request) => {
    await guard.require(request, 'alerts.read');
    const { since, rule, limit } = request.query;
    const filter: { since?: string; rule?: string; limit?: number } = {};
    if (since !== undefined) filter.since = parseSearchFilter({ from: since }).from!;
    if (rule !== undefined) filter.rule = identifier(rule, 'rule', 40);
    if (limit !== undefined) filter.limit = limit;
    return { alerts: await audit.alerts.list(filter) };
  });
}

/** Dual control: the list, a request of any kind, its approval or rejection by another person. */
function approvalRoutes({ api, guard }: GuardedApp, admin: AdminServices): void {
  const list = { querystring: approvalListQuery, response: { 200: approvalListSchema } };
  const reading = { config: adminInput, preValidation: guard.before('approvals.read'), schema: list };
  api.get('/api/admin/approvals', reading, async (request) => {
    await guard.require(request, 'approvals.read');
    const { status } = request.query;
    return {
      approvals: await admin.dualControl.list(status === undefined ? {} : { status }),
      kinds: admin.dualControl.kinds(),
    };
  });

  const requested = { 202: approvalRequestSchema };
  const create = { body: approvalBody, response: requested };
  api.post(
    '/api/admin/approvals',
    { ...opts, preValidation: guard.signedIn, schema: create },
    async (request, reply) => {
      const principal = await guard.principal(request);
      const { kind, payload } = request.body;
      return reply
        .status(202)
        .send(await admin.dualControl.request(kind, payload, principal.userId, request.ip));
    },
  );

  const decide = { params: idParams, response: { 200: approvalRequestSchema } };
  const deciding = { ...opts, preValidation: guard.signedIn, schema: decide };
  api.post('/api/admin/approvals/:id/approve', deciding, async (request) => {
    const principal = await guard.principal(request);
    return admin.dualControl.approve(request.params.id, principal.userId, request.ip);
  });
  api.post('/api/admin/approvals/:id/reject', deciding, async (request) => {
    const principal = await guard.principal(request);
    return admin.dualControl.reject(request.params.id, principal.userId, request.ip);
  });
}

/** Role grants (dual control), training records and maintenance terminals. */
function peopleRoutes({ api, guard }: GuardedApp, admin: AdminServices): void {
  const grants = { response: { 200: z.object({ grants: z.array(roleGrantSchema) }) } };
  const reading = { config: adminInput, preValidation: guard.before('approvals.read'), schema: grants };
  api.get('/api/admin/roles', reading, async (request) => {
    await guard.require(request, 'approvals.read');
    return { grants: await admin.grants.list() };
  });

  const grant = { body: roleGrantBody, response: { 202: approvalRequestSchema } };
  api.post(
    '/api/admin/roles/grants',
    { ...opts, preValidation: guard.signedIn, schema: grant },
    async (request, reply) => {
      const { userId, role } = request.body;
      return reply.status(202).send(await guard.requestApproval(request, 'role.grant', { userId, role }));
    },
  );

  const training = { preValidation: guard.before('training.record') };
  const record = { body: trainingBody, response: { 201: trainingRecordSchema } };
  api.post('/api/admin/training', { ...opts, ...training, schema: record }, async (request, reply) => {
    const principal = await guard.require(request, 'training.record');
    return reply.status(201).send(await admin.grants.recordTraining(request.body, principal.userId));
  });

  const history = {
    params: trainingParams,
    response: { 200: z.object({ training: z.array(trainingRecordSchema) }) },
  };
  api.get(
    '/api/admin/training/:userId',
    { ...training, config: adminInput, schema: history },
    async (request) => {
      await guard.require(request, 'training.record');
      return { training: await admin.grants.trainingOf(identifier(request.params.userId, 'userId')) };
    },
  );

  const terminals = { preValidation: guard.before('terminals.manage'), config: adminInput };
  const listed = { response: { 200: z.object({ terminals: z.array(terminalSchema) }) } };
  api.get('/api/admin/terminals', { ...terminals, schema: listed }, async (request) => {
    await guard.require(request, 'terminals.manage');
    return { terminals: await admin.terminals.list() };
  });
  const register = { body: terminalBody, response: { 201: terminalSchema } };
  api.post('/api/admin/terminals', { ...opts, ...terminals, schema: register }, async (request, reply) => {
    const principal = await guard.require(request, 'terminals.manage');
    return reply.status(201).send(await admin.terminals.register(request.body, principal.userId));
  });
}
