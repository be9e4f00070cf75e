/** HTTP routes of the contracts module (a Fastify plugin registered by src/server). */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { evidencePackage } from '../completion/evidence.ts';
import { contractErrors } from '../model/errors.ts';
import { type ContractActor, envelopeInputSchema, searchSchema } from '../model/model.ts';
import { envelopeViewSchema, searchPageSchema, timelineEntrySchema } from '../model/shapes.ts';
import { switchToWitness } from '../parties/party-mode.ts';
import type { ContractService } from '../service.ts';
import { approveSchema, signerSchema, witnessSchema } from '../signing/signing.ts';
import { recordRoutes } from './import-routes.ts';
import { registerSigningPolicyRoutes } from './signing-policy-routes.ts';
import { registerWorkflowRoutes } from './workflow-routes.ts';

export interface ContractRoutesOptions {
  readonly contracts: ContractService;
  /** Run the sweep, webhook deliveries and archive renewal on timers while the server runs (default true). */
  readonly backgroundWork?: boolean;
}

export const PARTY_HEADER = 'x-shomei-party';

const idParams = z.object({ id: z.string() });
const partyParams = z.object({ id: z.string(), partyId: z.string() });
/** Schema refusals answer SHOMEI_ENVELOPE_INVALID naming the field, as the service's own parsing does. */
const config = { invalidInput: contractErrors.invalid };
const security: { [scheme: string]: string[] }[] = [{ session: [] }, { apiKey: [] }, { partySession: [] }];

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
  if (options.backgroundWork !== false) {
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
  const authenticated = async (request: FastifyRequest) => void (await actor(request));
  const signing = async (request: FastifyRequest) => requireMfa(request, await actor(request));
  const api = app.withTypeProvider<ZodTypeProvider>();
  // Templates, bulk send, reminders and internal approval.
  registerWorkflowRoutes(app, contracts, { actorOf: actor, requireMfa });
  // Imports, the correction and deletion log, tenant permissions and the tenant export.
  await app.register(recordRoutes, { contracts, actorOf: (_contracts, request) => actor(request) });

  api.post(
    '/api/envelopes',
    {
      schema: {
        summary: 'Create a draft envelope (下書きの作成)',
        security,
        body: envelopeInputSchema,
        response: { 201: envelopeViewSchema },
      },
      config,
      preValidation: authenticated,
    },
    async (request, reply) =>
      reply.status(201).send(await contracts.create(await actor(request), request.body)),
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
      config,
      preValidation: authenticated,
    },
    async (request) => contracts.search(await actor(request), request.query),
  );
  api.get(
    '/api/envelopes/:id',
    {
      schema: {
        summary: 'Read an envelope',
        security,
        params: idParams,
        response: { 200: envelopeViewSchema },
      },
    },
    async (request) => contracts.get(await actor(request), request.params.id),
  );
  api.post(
    '/api/envelopes/:id/documents',
    {
      schema: {
        summary: 'Add a PDF (Content-Type: application/pdf; ?name= its file name)',
        security,
        params: idParams,
      },
    },
    async (request, reply) => {
      const query = request.query as { name?: unknown };
      const who = await actor(request);
      if (!Buffer.isBuffer(request.body)) {
        throw contractErrors.notPdf('send the file with Content-Type: application/pdf');
      }
      const name = typeof query.name === 'string' ? query.name : 'document.pdf';
      return reply.status(201).send(await contracts.addDocument(who, request.params.id, name, request.body));
    },
  );
  api.get(
    '/api/envelopes/:id/documents/:documentId',
    {
      schema: {
        summary: 'Download a document (PDF)',
        security,
        params: z.object({ id: z.string(), documentId: z.string() }),
      },
    },
    async (request, reply) => {
      const document = await contracts.readDocument(
        await actor(request),
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
  api.get(
    '/api/envelopes/:id/timeline',
    {
      schema: {
        summary: "The envelope's history (操作履歴)",
        security,
        params: idParams,
        response: { 200: z.object({ events: z.array(timelineEntrySchema) }) },
      },
    },
    async (request, reply) => {
      const events = await contracts.timeline(await actor(request), request.params.id);
      return reply.header('cache-control', 'no-store').send({ events });
    },
  );
  api.get(
    '/api/envelopes/:id/certificate-of-completion',
    { schema: { security, params: idParams } },
    async (request, reply) => {
      const file = await contracts.certificateOfCompletion(await actor(request), request.params.id);
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
  api.post('/api/envelopes/:id/send', { schema: { security, params: idParams } }, async (request) =>
    contracts.send(await actor(request), request.params.id),
  );
  api.post(
    '/api/envelopes/:id/cancel',
    { schema: { security, params: idParams } },
    async (request, reply) => {
      await contracts.cancel(await actor(request), request.params.id, request.body);
      return reply.status(204).send();
    },
  );
  api.post(
    '/api/envelopes/:id/decline',
    { schema: { security, params: idParams } },
    async (request, reply) => {
      await contracts.decline(await actor(request), request.params.id, request.body);
      return reply.status(204).send();
    },
  );
  api.delete(
    '/api/envelopes/:id/parties/:partyId',
    { schema: { security, params: partyParams } },
    async (request) => contracts.removeParty(await actor(request), request.params.id, request.params.partyId),
  );
  api.post(
    '/api/envelopes/:id/parties/:partyId/witness-type',
    { schema: { security, params: partyParams } },
    async (request) =>
      switchToWitness(contracts.context, await actor(request), request.params.id, request.params.partyId),
  );
  api.post(
    '/api/envelopes/:id/parties/:partyId/reissue',
    { schema: { security, params: partyParams } },
    async (request) =>
      contracts.reissueAccess(await actor(request), request.params.id, request.params.partyId),
  );
  api.get(
    '/api/envelopes/:id/witness-confirmation',
    { schema: { security, params: idParams } },
    async (request) => contracts.witnessConfirmation(await actor(request), request.params.id),
  );
  api.post(
    '/api/envelopes/:id/sign/witness',
    {
      schema: {
        summary: 'Sign as a witness-type party (立会人型)',
        security,
        params: idParams,
        body: witnessSchema,
      },
      config,
      preValidation: signing,
    },
    async (request) => contracts.act(await actor(request), request.params.id, 'witness', request.body),
  );
  api.post(
    '/api/envelopes/:id/sign/signer',
    {
      schema: {
        summary: "Sign with the party's own certificate (当事者型)",
        security,
        params: idParams,
        body: signerSchema,
      },
      config,
      preValidation: signing,
    },
    async (request) => contracts.act(await actor(request), request.params.id, 'signer', request.body),
  );
  api.post(
    '/api/envelopes/:id/approve',
    {
      schema: { summary: 'Approve (承認)', security, params: idParams, body: approveSchema },
      config,
      preValidation: signing,
    },
    async (request) => contracts.act(await actor(request), request.params.id, 'approve', request.body),
  );
  api.post('/api/envelopes/:id/complete', { schema: { security, params: idParams } }, async (request) =>
    contracts.complete(await actor(request), request.params.id),
  );
  api.get(
    '/api/envelopes/:id/evidence',
    { schema: { security, params: idParams } },
    async (request, reply) => {
      const pack = await evidencePackage(contracts.context, await actor(request), request.params.id);
      return reply.header('cache-control', 'no-store').send(pack);
    },
  );
  api.post(
    '/api/envelopes/:id/delete',
    { schema: { security, params: idParams } },
    async (request, reply) => {
      await contracts.delete(await actor(request), request.params.id, request.body);
      return reply.status(204).send();
    },
  );
  api.post(
    '/api/envelopes/:id/legal-hold',
    {
      schema: {
        summary: 'Place or lift a legal hold (retention cannot end while held)',
        security,
        params: idParams,
        body: z.object({ hold: z.boolean() }),
        response: { 200: envelopeViewSchema },
      },
      config,
      preValidation: authenticated,
    },
    async (request) => contracts.legalHold(await actor(request), request.params.id, request.body.hold),
  );
  app.post('/api/sign/open', async (request) => {
    const session = await contracts.openLink(request.body, request.ip);
    return {
      partyToken: session.token,
      envelopeId: session.envelopeId,
      partyId: session.partyId,
      expiresAt: session.expiresAt,
      header: PARTY_HEADER,
    };
  });
  api.post(
    '/api/contracts/api-keys',
    {
      schema: {
        summary: 'Create a tenant API key (the secret is shown once)',
        security,
        body: z.object({ scopes: z.array(z.string()).max(5) }),
        response: { 201: z.object({ id: z.string(), key: z.string() }) },
      },
      config,
      preValidation: authenticated,
    },
    async (request, reply) =>
      reply.status(201).send(await contracts.createApiKey(await actor(request), request.body.scopes)),
  );
  app.get('/api/contracts/api-keys', async (request) => contracts.listApiKeys(await actor(request)));
  api.delete(
    '/api/contracts/api-keys/:id',
    { schema: { security, params: idParams } },
    async (request, reply) => {
      await contracts.revokeApiKey(await actor(request), request.params.id);
      return reply.status(204).send();
    },
  );
  app.post<{ Body: { url?: unknown } }>('/api/contracts/webhooks', async (request, reply) =>
    reply.status(201).send(await contracts.registerWebhook(await actor(request), request.body?.url)),
  );
  app.get('/api/contracts/webhooks', async (request) => contracts.listWebhooks(await actor(request)));
  api.delete(
    '/api/contracts/webhooks/:id',
    { schema: { security, params: idParams } },
    async (request, reply) => {
      await contracts.removeWebhook(await actor(request), request.params.id);
      return reply.status(204).send();
    },
  );
  // The tenant's signing policy (allowed modes, signing factor): GET and PUT /api/contracts/signing-policy.
  registerSigningPolicyRoutes(app, contracts, actor);
  app.put<{ Body: { years?: unknown } }>('/api/contracts/retention', async (request, reply) => {
    await contracts.setRetention(await actor(request), request.body?.years);
    return reply.status(204).send();
  });
};

export const contractRoutes = plugin;
