/**
 * HTTP routes of templates, envelopes from templates, bulk send, reminders and internal approval.
 * Registered by the contracts plugin (routes.ts), which lends its authentication helpers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendEnvelope, viewEnvelope } from '../envelopes/envelopes.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import {
  fromTemplateSchema,
  templateListSchema,
  templateSchema,
  templateViewSchema,
} from '../model/template-model.ts';
import { parseWith, workflowErrors } from '../model/workflow-errors.ts';
import {
  approvalStatus,
  approveInternally,
  readForApproval,
  rejectInternally,
  requestApproval,
} from '../parties/internal-approval.ts';
import type { ContractService } from '../service.ts';
import { takeAccessCodes } from '../workflow/bulk-codes.ts';
import { getBulkJob, submitBulkSend } from '../workflow/bulk-send.ts';
import { instantiate } from '../workflow/from-template.ts';
import { remindNow, setEnvelopeReminders, setTenantReminders } from '../workflow/reminders.ts';
import {
  addTemplateDocument,
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplates,
  loadTemplate,
  readTemplateDocument,
  requireTemplateWrite,
  templateActor,
  updateTemplate,
} from '../workflow/templates.ts';

export interface RouteAuth {
  actorOf(request: FastifyRequest): Promise<ContractActor>;
  /** Acts through an account need an MFA (AAL2) session; API keys may not act. */
  requireMfa(request: FastifyRequest, actor: ContractActor): void;
}

type IdParams = { id: string };

/** Bulk bodies are larger than the server's default JSON limit (500 rows with fields). */
const BULK_BODY_LIMIT = 4 * 1024 * 1024;

export function registerWorkflowRoutes(
  app: FastifyInstance,
  contracts: ContractService,
  auth: RouteAuth,
): void {
  templateRoutes(app, contracts, auth);
  templateUseRoutes(app, contracts, auth);
  reminderRoutes(app, contracts, auth);
  approvalRoutes(app, contracts, auth);
}

/** Templates: create, list, read, replace and delete (shapes in model/template-model.ts). */
function templateRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const ctx = contracts.context;
  const api = app.withTypeProvider<ZodTypeProvider>();
  // Who acts is settled before the input is checked (401/403 before 400).
  const checked = {
    config: { invalidInput: workflowErrors.templateInvalid },
    preValidation: async (request: FastifyRequest) => void (await auth.actorOf(request)),
  };
  const params = z.object({ id: z.string() });
  const createSchema = { body: templateSchema, response: { 201: templateViewSchema } };
  api.post('/api/templates', { schema: createSchema, ...checked }, async (request, reply) =>
    reply.status(201).send(await createTemplate(ctx, await auth.actorOf(request), request.body)),
  );
  api.get(
    '/api/templates',
    { schema: { response: { 200: templateListSchema } }, ...checked },
    async (request) => listTemplates(ctx, await auth.actorOf(request)),
  );
  const readSchema = { params, response: { 200: templateViewSchema } };
  api.get('/api/templates/:id', { schema: readSchema, ...checked }, async (request) =>
    getTemplate(ctx, await auth.actorOf(request), request.params.id),
  );
  const replaceSchema = { params, body: templateSchema, response: { 200: templateViewSchema } };
  // Who may change this template is settled before the new definition is checked (403 before 400).
  const editor = async (request: FastifyRequest) =>
    requireTemplateWrite(ctx, await auth.actorOf(request), (request.params as { id: string }).id);
  const replace = { schema: replaceSchema, ...checked, preValidation: editor };
  api.put('/api/templates/:id', replace, async (request) =>
    updateTemplate(ctx, await auth.actorOf(request), request.params.id, request.body),
  );
  const deleteSchema = { params, response: { 204: z.null().describe('No content') } };
  api.delete('/api/templates/:id', { schema: deleteSchema, ...checked }, async (request, reply) => {
    await deleteTemplate(ctx, await auth.actorOf(request), request.params.id);
    return reply.status(204).send(null);
  });
}

/** A template's documents, envelopes made from it and bulk send. */
function templateUseRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const ctx = contracts.context;
  app.post<{ Params: IdParams; Querystring: { name?: string } }>(
    '/api/templates/:id/documents',
    async (request, reply) => {
      const actor = await auth.actorOf(request);
      if (!Buffer.isBuffer(request.body)) {
        throw contractErrors.notPdf('send the file with Content-Type: application/pdf');
      }
      const name = typeof request.query.name === 'string' ? request.query.name : 'document.pdf';
      return reply
        .status(201)
        .send(await addTemplateDocument(ctx, actor, request.params.id, name, request.body));
    },
  );
  app.post<{ Params: IdParams }>('/api/templates/:id/envelopes', async (request, reply) => {
    const actor = await auth.actorOf(request);
    const sender = templateActor(actor, 'write');
    const input = parseWith(fromTemplateSchema, request.body, contractErrors.invalid);
    const template = await loadTemplate(ctx, sender.tenantId, request.params.id);
    const plaintexts = [];
    for (const document of template.documents) plaintexts.push(await readTemplateDocument(ctx, document));
    const { parties, reminders, send, ...fields } = input;
    const envelopeId = await instantiate(ctx, actor, sender, template, plaintexts, {
      fields,
      parties,
      reminders,
    });
    const approvers = template.definition.internalApprovers ?? [];
    if (approvers.length > 0) {
      // 社内承認: the template makes every envelope wait for its approvers before anyone outside sees it.
      const approval = await requestApproval(ctx, actor, envelopeId, { approvers });
      return reply.status(201).send({ envelope: approval.envelope, approval, accessCodes: [] });
    }
    if (send) return reply.status(201).send(await sendEnvelope(ctx, actor, envelopeId));
    return reply.status(201).send({ envelope: await viewEnvelope(ctx, actor, envelopeId), accessCodes: [] });
  });
  app.post<{ Params: IdParams }>(
    '/api/templates/:id/bulk-send',
    { bodyLimit: BULK_BODY_LIMIT },
    async (request, reply) => {
      const submitted = await submitBulkSend(
        ctx,
        await auth.actorOf(request),
        request.params.id,
        request.body,
      );
      contracts.bulk.kick();
      return reply.status(202).send(submitted);
    },
  );
  app.get<{ Params: IdParams }>('/api/bulk-jobs/:id', async (request) =>
    getBulkJob(ctx, await auth.actorOf(request), request.params.id),
  );
  // Served once to the job's sender (a POST: it changes the job — the codes are gone afterwards).
  app.post<{ Params: IdParams }>('/api/bulk-jobs/:id/access-codes', async (request) =>
    takeAccessCodes(ctx, await auth.actorOf(request), request.params.id),
  );
}

/** Reminders now, per envelope and the tenant's default. */
function reminderRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const ctx = contracts.context;
  app.post<{ Params: IdParams }>('/api/envelopes/:id/remind', async (request) =>
    remindNow(ctx, await auth.actorOf(request), request.params.id),
  );
  app.put<{ Params: IdParams }>('/api/envelopes/:id/reminders', async (request) =>
    setEnvelopeReminders(ctx, await auth.actorOf(request), request.params.id, request.body),
  );
  app.put('/api/contracts/reminders', async (request) =>
    setTenantReminders(ctx, await auth.actorOf(request), request.body),
  );
}

/** 社内承認: request, status, the document for the approvers, approve and reject. */
function approvalRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const ctx = contracts.context;
  app.post<{ Params: IdParams }>('/api/envelopes/:id/internal-approval', async (request, reply) =>
    reply
      .status(201)
      .send(await requestApproval(ctx, await auth.actorOf(request), request.params.id, request.body)),
  );
  app.get<{ Params: IdParams }>('/api/envelopes/:id/internal-approval', async (request) =>
    approvalStatus(ctx, await auth.actorOf(request), request.params.id),
  );
  app.get<{ Params: IdParams & { documentId: string } }>(
    '/api/envelopes/:id/internal-approval/documents/:documentId',
    async (request, reply) => {
      const document = await readForApproval(
        ctx,
        await auth.actorOf(request),
        request.params.id,
        request.params.documentId,
      );
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(document.name)}`)
        .header('cache-control', 'no-store')
        .send(document.bytes);
    },
  );
  app.post<{ Params: IdParams }>('/api/envelopes/:id/internal-approval/approve', async (request) => {
    const actor = await auth.actorOf(request);
    auth.requireMfa(request, actor);
    return approveInternally(ctx, actor, request.params.id, request.body);
  });
  app.post<{ Params: IdParams }>('/api/envelopes/:id/internal-approval/reject', async (request) => {
    const actor = await auth.actorOf(request);
    auth.requireMfa(request, actor);
    return rejectInternally(ctx, actor, request.params.id, request.body);
  });
}
