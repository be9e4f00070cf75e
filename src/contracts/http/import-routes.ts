/**
 * Routes for imported records, the correction and deletion log, tenant permissions and the tenant
 * export; registered by the contracts routes plugin, which passes in how a request's actor is found.
 */
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  correctionSchema,
  correctRecord,
  logSearchSchema,
  searchRecordLog,
} from '../envelopes/corrections.ts';
import {
  permissionChangeSchema,
  permissionListSchema,
  recordLogEntrySchema,
  recordLogPageSchema,
} from '../model/answers.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { importViewSchema } from '../model/shapes.ts';
import { auditActorOf } from '../parties/access.ts';
import { listPermissions, requireTenantAdmin, setPermission } from '../parties/permissions.ts';
import type { ContractService } from '../service.ts';
import { exportTenant } from '../tenants/tenant-export.ts';
import { importRecord, importView, splitJsonImport } from '../workflow/imports.ts';

export interface RecordRoutesOptions {
  readonly contracts: ContractService;
  readonly actorOf: (contracts: ContractService, request: FastifyRequest) => Promise<ContractActor>;
}

export const recordRoutes: FastifyPluginAsync<RecordRoutesOptions> = async (app, options) => {
  const { contracts } = options;
  const ctx = contracts.context;
  const actor = (request: FastifyRequest) => options.actorOf(contracts, request);
  const authenticated = async (request: FastifyRequest) => void (await actor(request));
  const limit = contracts.settings.maxDocumentBytes;
  // Base64 is 4/3 of the PDF, plus room for the metadata.
  const jsonLimit = Math.ceil((limit * 4) / 3) + 256 * 1024;

  const api = app.withTypeProvider<ZodTypeProvider>();
  // The body is the PDF itself (application/pdf, metadata in the query) or JSON with the PDF in
  // base64; importRecord checks both against importMetadataSchema, so only the answer is declared.
  api.post(
    '/api/imports',
    {
      bodyLimit: jsonLimit,
      schema: { summary: 'Import a signed or scanned record', response: { 201: importViewSchema } },
    },
    async (request, reply) => {
      const who = await actor(request);
      let metadata: unknown;
      let bytes: Buffer;
      if (Buffer.isBuffer(request.body)) {
        // application/pdf: the metadata comes as query parameters, as for document uploads.
        if (request.body.length > limit) throw contractErrors.tooLarge(limit);
        metadata = request.query;
        bytes = request.body;
      } else {
        ({ metadata, bytes } = splitJsonImport(request.body, limit));
      }
      return reply.status(201).send(await importRecord(ctx, who, metadata, bytes));
    },
  );
  api.get(
    '/api/imports/:id',
    {
      schema: { params: z.object({ id: z.string() }), response: { 200: importViewSchema } },
      config: { invalidInput: contractErrors.invalid },
      preValidation: authenticated,
    },
    async (request, reply) =>
      reply
        .header('cache-control', 'no-store')
        .send(await importView(ctx, await actor(request), request.params.id)),
  );

  // Who acts is settled before the input is checked (401/403 before 400); the same error code as before.
  const checked = { config: { invalidInput: contractErrors.invalid }, preValidation: authenticated };
  const correct = {
    summary: 'Correct a record’s metadata with a reason (訂正)',
    body: correctionSchema,
    response: { 201: recordLogEntrySchema },
  };
  api.post('/api/corrections', { schema: correct, ...checked }, async (request, reply) =>
    reply.status(201).send(await correctRecord(ctx, await actor(request), request.body)),
  );
  const log = {
    summary: 'The correction and deletion log',
    querystring: logSearchSchema,
    response: { 200: recordLogPageSchema },
  };
  api.get('/api/corrections', { schema: log, ...checked }, async (request, reply) =>
    reply
      .header('cache-control', 'no-store')
      .send(await searchRecordLog(ctx, await actor(request), request.query)),
  );

  // Tenant permissions: the tenant administrator is settled before the change is checked.
  const admin = {
    config: { invalidInput: contractErrors.invalid },
    preValidation: async (request: FastifyRequest) =>
      void (await requireTenantAdmin(ctx, await actor(request))),
  };
  const list = { summary: "The tenant's permission grants", response: { 200: permissionListSchema } };
  api.get('/api/contracts/permissions', { schema: list, ...admin }, async (request) => {
    const tenantId = await requireTenantAdmin(ctx, await actor(request));
    return { permissions: await listPermissions(ctx, tenantId) };
  });
  const change = { ...list, summary: 'Grant or revoke a permission', body: permissionChangeSchema };
  api.put('/api/contracts/permissions', { schema: change, ...admin }, async (request) => {
    const who = await actor(request);
    const tenantId = await requireTenantAdmin(ctx, who);
    return { permissions: await setPermission(ctx, auditActorOf(who), tenantId, request.body) };
  });

  app.get('/api/contracts/export', async (request, reply) => {
    const who = await actor(request);
    const tenantId = await requireTenantAdmin(ctx, who);
    const body = new PassThrough();
    // The ZIP streams to the client as it is written; a failure mid-way ends the response.
    exportTenant(ctx, tenantId, auditActorOf(who), body).catch((error: unknown) =>
      request.log.error({ err: error }, 'tenant export failed'),
    );
    const day = ctx.clock().toISOString().slice(0, 10);
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="shomei-export-${day}.zip"`)
      .header('cache-control', 'no-store')
      .send(body);
  });
};
