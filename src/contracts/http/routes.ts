/** HTTP routes of the contracts module (a Fastify plugin registered by src/server). */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { evidencePackage } from '../completion/evidence.ts';
import { contractErrors } from '../model/errors.ts';
import { type ContractActor, envelopeInputSchema, searchSchema } from '../model/model.ts';
import { envelopeViewSchema, searchPageSchema, timelineEntrySchema } from '../model/shapes.ts';
import type { ContractService } from '../service.ts';
import { registerEnvelopeActionRoutes } from './envelope-action-routes.ts';
import { recordRoutes } from './import-routes.ts';
import {
  envelopeInput,
  gatesOf,
  idParams,
  PARTY_HEADER,
  pdfUpload,
  pdfUploadInput,
  type RouteAuth,
  security,
} from './route-auth.ts';
import { registerSigningPolicyRoutes } from './signing-policy-routes.ts';
import { registerTenantRoutes } from './tenant-routes.ts';
import { registerWorkflowRoutes } from './workflow-routes.ts';

export interface ContractRoutesOptions {
  readonly contracts: ContractService;
  /** Run the sweep, webhook deliveries and archive renewal on timers while the server runs (default true). */
  readonly backgroundWork?: boolean;
}

export { PARTY_HEADER };

async function actorOf(contracts: ContractService, request: FastifyRequest): Promise<ContractActor> {
  const source = request.ip;
  const party = request.headers[PARTY_HEADER];
  if (typeof party === 'string') {
    const actor = await contracts.resolvePartySession(party, source);
    if (actor === undefined) throw contractErrors.linkInvalid();
    return actor;
  }
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const actor = await contracts.resolveApiKey(authorization, source);
    if (actor === undefined) throw contractErrors.unauthenticated();
    return actor;
  }
  const principal = request.principal;
  if (principal === undefined) throw contractErrors.unauthenticated();
  return {
    kind: 'user',
    userId: principal.userId,
    tenantId: principal.tenantId,
    email: principal.email,
    authentication: `${principal.methods.join('+')} (${principal.assurance})`,
    source,
  };
}

/** Signing through an account needs a session that passed MFA (AAL2). */
function requireMfa(request: FastifyRequest, actor: ContractActor): void {
  if (actor.kind === 'user' && request.principal?.assurance !== 'aal2') throw contractErrors.forbidden();
  if (actor.kind === 'api-key') throw contractErrors.forbidden();
}

const plugin: FastifyPluginAsync<ContractRoutesOptions> = async (app: FastifyInstance, options) => {
  const { contracts } = options;
  startBackgroundWork(app, contracts, options.backgroundWork !== false);
  app.addContentTypeParser(
    'application/pdf',
    { parseAs: 'buffer', bodyLimit: contracts.settings.maxDocumentBytes },
    (_request, body, done) => done(null, body),
  );
  // Also when the plugin runs on its own (tests): the routes' zod schemas validate and serialise.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Who acts is settled before the body is checked (401/403 before 400), once per request.
  const actors = new WeakMap<FastifyRequest, Promise<ContractActor>>();
  const actor = (request: FastifyRequest): Promise<ContractActor> => {
    const known = actors.get(request) ?? actorOf(contracts, request);
    actors.set(request, known);
    return known;
  };
  const auth: RouteAuth = { actorOf: actor, requireMfa };
  envelopeRoutes(app, contracts, auth);
  documentRoutes(app, contracts, auth);
  registerEnvelopeActionRoutes(app, contracts, auth);
  // Templates, bulk send, reminders and internal approval.
  registerWorkflowRoutes(app, contracts, auth);
  // Imports, the correction and deletion log, tenant permissions and the tenant export.
  await app.register(recordRoutes, { contracts, actorOf: (_contracts, request) => actor(request) });
  // API keys, webhooks, retention and the signing policy (allowed modes, signing factor).
  registerTenantRoutes(app, contracts, auth);
  registerSigningPolicyRoutes(app, contracts, auth);
};

function startBackgroundWork(app: FastifyInstance, contracts: ContractService, timers: boolean): void {
  if (timers) {
    let stop: (() => void) | undefined;
    app.addHook('onReady', async () => {
      stop = contracts.startBackgroundWork((task, error) =>
        app.log.error({ err: error, task }, 'background task failed'),
      );
    });
    app.addHook('onClose', async () => stop?.());
  }
  // A bulk job in progress stops after its current row; the next start goes on from there.
  app.addHook('onClose', async () => contracts.bulk.stop());
}

/** Create, search and read envelopes, their history and legal hold. */
function envelopeRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { authenticated } = gatesOf(contracts, auth);
  const checked = { config: envelopeInput, preValidation: authenticated };
  api.post(
    '/api/envelopes',
    {
      schema: {
        summary: 'Create a draft envelope (下書きの作成)',
        security,
        body: envelopeInputSchema,
        response: { 201: envelopeViewSchema },
      },
      ...checked,
    },
    async (request, reply) =>
      reply.status(201).send(await contracts.create(await auth.actorOf(request), request.body)),
  );
  api.get(
    '/api/envelopes',
    {
      schema: {
        summary: 'Search envelopes (電子帳簿保存法: transaction date, amount, counterparty)',
        security,
        querystring: searchSchema,
        response: { 200: searchPageSchema },
      },
      ...checked,
    },
    async (request) => contracts.search(await auth.actorOf(request), request.query),
  );
  const read = {
    summary: 'Read an envelope',
    security,
    params: idParams,
    response: { 200: envelopeViewSchema },
  };
  api.get('/api/envelopes/:id', { schema: read, ...checked }, async (request) =>
    contracts.get(await auth.actorOf(request), request.params.id),
  );
  const timeline = {
    summary: "The envelope's history (操作履歴)",
    security,
    params: idParams,
    response: { 200: z.object({ events: z.array(timelineEntrySchema) }) },
  };
  api.get('/api/envelopes/:id/timeline', { schema: timeline, ...checked }, async (request, reply) => {
    const events = await contracts.timeline(await auth.actorOf(request), request.params.id);
    return reply.header('cache-control', 'no-store').send({ events });
  });
  const hold = {
    summary: 'Place or lift a legal hold (retention cannot end while held)',
    security,
    params: idParams,
    body: z.object({ hold: z.boolean() }),
    response: { 200: envelopeViewSchema },
  };
  api.post('/api/envelopes/:id/legal-hold', { schema: hold, ...checked }, async (request) =>
    contracts.legalHold(await auth.actorOf(request), request.params.id, request.body.hold),
  );
}

/** The envelope's PDFs in and out, its certificate of completion and its evidence package. */
function documentRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { authenticated } = gatesOf(contracts, auth);
  const upload = {
    summary: 'Add a PDF (Content-Type: application/pdf; ?name= its file name)',
    security,
    params: idParams,
    ...pdfUpload,
    response: { 201: envelopeViewSchema },
  };
  api.post(
    '/api/envelopes/:id/documents',
    { schema: upload, config: pdfUploadInput, preValidation: authenticated },
    async (request, reply) => {
      const { id } = request.params;
      const view = await contracts.addDocument(
        await auth.actorOf(request),
        id,
        request.query.name,
        request.body,
      );
      return reply.status(201).send(view);
    },
  );
  const download = {
    summary: 'Download a document (PDF)',
    security,
    params: z.object({ id: z.string(), documentId: z.string() }),
  };
  api.get('/api/envelopes/:id/documents/:documentId', { schema: download }, async (request, reply) => {
    const { id, documentId } = request.params;
    const document = await contracts.readDocument(await auth.actorOf(request), id, documentId);
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(document.name)}`)
      .header('cache-control', 'no-store')
      .send(document.bytes);
  });
  api.get(
    '/api/envelopes/:id/certificate-of-completion',
    { schema: { security, params: idParams } },
    async (request, reply) => {
      const file = await contracts.certificateOfCompletion(await auth.actorOf(request), request.params.id);
      // RFC 6266: an ASCII filename for old clients, the Japanese one in filename* (RFC 8187).
      return reply
        .header('content-type', 'application/pdf')
        .header(
          'content-disposition',
          `attachment; filename="${file.asciiName}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
        )
        .header('cache-control', 'no-store')
        .send(file.bytes);
    },
  );
  api.get(
    '/api/envelopes/:id/evidence',
    { schema: { security, params: idParams } },
    async (request, reply) => {
      const pack = await evidencePackage(contracts.context, await auth.actorOf(request), request.params.id);
      return reply.header('cache-control', 'no-store').send(pack);
    },
  );
}

export const contractRoutes = plugin;
