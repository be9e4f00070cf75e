/**
 * HTTP routes of templates, envelopes from templates, bulk send, reminders and internal approval.
 * Registered by the contracts plugin (routes.ts), which lends its authentication helpers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendEnvelope, viewEnvelope } from '../envelopes/envelopes.ts';
import {
  approvalViewSchema,
  bulkJobViewSchema,
  bulkSubmittedSchema,
  fromTemplateAnswerSchema,
  reminderRunSchema,
  takenCodesSchema,
} from '../model/answers.ts';
import type { ContractActor } from '../model/model.ts';
import {
  type FromTemplateInput,
  fromTemplateSchema,
  remindersSchema,
  templateListSchema,
  templateSchema,
  templateViewSchema,
} from '../model/template-model.ts';
import { workflowErrors } from '../model/workflow-errors.ts';
import {
  approvalRejectionSchema,
  approvalRequestSchema,
  approvalStatus,
  approveInternally,
  readForApproval,
  rejectInternally,
  requestApproval,
} from '../parties/internal-approval.ts';
import type { ContractService } from '../service.ts';
import { approveSchema } from '../signing/signing.ts';
import { takeAccessCodes } from '../workflow/bulk-codes.ts';
import { bulkSendSchema, getBulkJob, submitBulkSend } from '../workflow/bulk-send.ts';
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
import {
  envelopeInput,
  gatesOf,
  idParams,
  pdfUpload,
  pdfUploadInput,
  type RouteAuth,
  security,
} from './route-auth.ts';

/** Bulk bodies are larger than the server's default JSON limit (500 rows with fields). */
const BULK_BODY_LIMIT = 4 * 1024 * 1024;

export function registerWorkflowRoutes(
  app: FastifyInstance,
  contracts: ContractService,
  auth: RouteAuth,
): void {
  templateRoutes(app, contracts, auth);
  templateUseRoutes(app, contracts, auth);
  bulkRoutes(app, contracts, auth);
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

/** A template's documents and envelopes made from it. */
function templateUseRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const ctx = contracts.context;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const gates = gatesOf(contracts, auth);
  const upload = {
    summary: 'Add a PDF to a template (Content-Type: application/pdf; ?name= its file name)',
    security,
    params: idParams,
    ...pdfUpload,
    response: { 201: templateViewSchema },
  };
  api.post(
    '/api/templates/:id/documents',
    { schema: upload, config: pdfUploadInput, preValidation: gates.authenticated },
    async (request, reply) => {
      const { params, query, body } = request;
      const view = await addTemplateDocument(ctx, await auth.actorOf(request), params.id, query.name, body);
      return reply.status(201).send(view);
    },
  );
  const create = {
    summary: 'Make an envelope from a template (sent, a draft, or waiting for internal approval)',
    security,
    params: idParams,
    body: fromTemplateSchema,
    response: { 201: fromTemplateAnswerSchema },
  };
  api.post(
    '/api/templates/:id/envelopes',
    { schema: create, config: envelopeInput, preValidation: gates.templateWriter },
    async (request, reply) => {
      const actor = await auth.actorOf(request);
      const made = await envelopeFromTemplate(ctx, actor, request.params.id, request.body);
      return reply.status(201).send(made);
    },
  );
}

/** An envelope from a template: sent when asked, else a draft, unless internal approval comes first. */
async function envelopeFromTemplate(
  ctx: ContractService['context'],
  actor: ContractActor,
  templateId: string,
  input: FromTemplateInput,
) {
  const sender = templateActor(actor, 'write');
  const template = await loadTemplate(ctx, sender.tenantId, templateId);
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
    return { envelope: approval.envelope, approval, accessCodes: [] };
  }
  if (send) return sendEnvelope(ctx, actor, envelopeId);
  return { envelope: await viewEnvelope(ctx, actor, envelopeId), accessCodes: [] };
}

/** Bulk send from a template: the job, its progress and its access codes (once). */
function bulkRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const ctx = contracts.context;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const gates = gatesOf(contracts, auth);
  const submit = {
    summary: 'Queue a bulk send: one envelope per row (一括送信)',
    security,
    params: idParams,
    body: bulkSendSchema,
    response: { 202: bulkSubmittedSchema },
  };
  api.post(
    '/api/templates/:id/bulk-send',
    {
      bodyLimit: BULK_BODY_LIMIT,
      schema: submit,
      config: envelopeInput,
      preValidation: gates.templateWriter,
    },
    async (request, reply) => {
      const actor = await auth.actorOf(request);
      const submitted = await submitBulkSend(ctx, actor, request.params.id, request.body);
      contracts.bulk.kick();
      return reply.status(202).send(submitted);
    },
  );
  const checked = { config: envelopeInput, preValidation: gates.authenticated };
  const job = {
    summary: "A bulk job's progress and rows",
    security,
    params: idParams,
    response: { 200: bulkJobViewSchema },
  };
  api.get('/api/bulk-jobs/:id', { schema: job, ...checked }, async (request) =>
    getBulkJob(ctx, await auth.actorOf(request), request.params.id),
  );
  // Served once to the job's sender (a POST: it changes the job — the codes are gone afterwards).
  const codes = {
    summary: "The job's access codes, once, to its sender",
    security,
    params: idParams,
    response: { 200: takenCodesSchema },
  };
  api.post('/api/bulk-jobs/:id/access-codes', { schema: codes, ...checked }, async (request) =>
    takeAccessCodes(ctx, await auth.actorOf(request), request.params.id),
  );
}

/** Reminders now, per envelope and the tenant's default. */
function reminderRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const ctx = contracts.context;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const gates = gatesOf(contracts, auth);
  const checked = { config: envelopeInput, preValidation: gates.authenticated };
  const now = {
    summary: 'Remind now every party whose turn it is (リマインド)',
    security,
    params: idParams,
    response: { 200: reminderRunSchema },
  };
  api.post('/api/envelopes/:id/remind', { schema: now, ...checked }, async (request) =>
    remindNow(ctx, await auth.actorOf(request), request.params.id),
  );
  const settings = { security, body: remindersSchema, response: { 200: remindersSchema } };
  const envelope = { summary: "The envelope's reminder settings", params: idParams, ...settings };
  api.put('/api/envelopes/:id/reminders', { schema: envelope, ...checked }, async (request) =>
    setEnvelopeReminders(ctx, await auth.actorOf(request), request.params.id, request.body),
  );
  const tenant = { summary: "The tenant's default reminder settings (tenant administrators)", ...settings };
  api.put(
    '/api/contracts/reminders',
    { schema: tenant, config: envelopeInput, preValidation: gates.tenantAdmin },
    async (request) => setTenantReminders(ctx, await auth.actorOf(request), request.body),
  );
}

/** 社内承認: request, status, the document for the approvers, approve and reject. */
function approvalRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const ctx = contracts.context;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const gates = gatesOf(contracts, auth);
  const checked = { config: envelopeInput, preValidation: gates.authenticated };
  const answer = { security, params: idParams, response: { 200: approvalViewSchema } };
  const ask = { summary: 'Ask for internal approval (社内承認)', ...answer, body: approvalRequestSchema };
  api.post(
    '/api/envelopes/:id/internal-approval',
    { schema: { ...ask, response: { 201: approvalViewSchema } }, ...checked },
    async (request, reply) => {
      const approval = await requestApproval(
        ctx,
        await auth.actorOf(request),
        request.params.id,
        request.body,
      );
      return reply.status(201).send(approval);
    },
  );
  api.get(
    '/api/envelopes/:id/internal-approval',
    { schema: { summary: 'The internal approval round', ...answer }, ...checked },
    async (request) => approvalStatus(ctx, await auth.actorOf(request), request.params.id),
  );
  const document = { security, params: idParams.extend({ documentId: z.string() }) };
  api.get(
    '/api/envelopes/:id/internal-approval/documents/:documentId',
    { schema: document },
    async (request, reply) => {
      const { id, documentId } = request.params;
      const file = await readForApproval(ctx, await auth.actorOf(request), id, documentId);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
        .header('cache-control', 'no-store')
        .send(file.bytes);
    },
  );
  const signing = { config: envelopeInput, preValidation: gates.signing };
  const approve = {
    summary: 'Approve internally, naming the documents reviewed',
    ...answer,
    body: approveSchema,
  };
  api.post('/api/envelopes/:id/internal-approval/approve', { schema: approve, ...signing }, async (request) =>
    approveInternally(ctx, await auth.actorOf(request), request.params.id, request.body),
  );
  const reject = { summary: 'Reject internally, with a reason', ...answer, body: approvalRejectionSchema };
  api.post('/api/envelopes/:id/internal-approval/reject', { schema: reject, ...signing }, async (request) =>
    rejectInternally(ctx, await auth.actorOf(request), request.params.id, request.body),
  );
}
