/**
 * HTTP routes of templates, envelopes from templates, bulk send, reminders and internal approval.
 * Registered by the contracts plugin (routes.ts), which lends its authentication helpers.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendEnvelope, viewEnvelope } from '../envelopes/envelopes.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { fromTemplateSchema } from '../model/template-model.ts';
import { parseWith } from '../model/workflow-errors.ts';
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
  const ctx = contracts.context;

  app.post('/api/templates', async (request, reply) =>
    reply.status(201).send(await createTemplate(ctx, await auth.actorOf(request), request.body)),
  );
  app.get('/api/templates', async (request) => listTemplates(ctx, await auth.actorOf(request)));
  app.get<{ Params: IdParams }>('/api/templates/:id', async (request) =>
    getTemplate(ctx, await auth.actorOf(request), request.params.id),
  );
  app.put<{ Params: IdParams }>('/api/templates/:id', async (request) =>
    updateTemplate(ctx, await auth.actorOf(request), request.params.id, request.body),
  );
  app.delete<{ Params: IdParams }>('/api/templates/:id', async (request, reply) => {
    await deleteTemplate(ctx, await auth.actorOf(request), request.params.id);
    return reply.status(204).send();
  });
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

  app.post<{ Params: IdParams }>('/api/envelopes/:id/remind', async (request) =>
    remindNow(ctx, await auth.actorOf(request), request.params.id),
  );
  app.put<{ Params: IdParams }>('/api/envelopes/:id/reminders', async (request) =>
    setEnvelopeReminders(ctx, await auth.actorOf(request), request.params.id, request.body),
  );
  app.put('/api/contracts/reminders', async (request) =>
    setTenantReminders(ctx, await auth.actorOf(request), request.body),
  );

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
