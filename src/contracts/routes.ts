/** HTTP routes of the contracts module (a Fastify plugin registered by src/server). */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { contractErrors } from './errors.ts';
import { evidencePackage } from './evidence.ts';
import { recordRoutes } from './import-routes.ts';
import type { ContractActor } from './model.ts';
import { contractsOpenApi } from './openapi.ts';
import { switchToWitness } from './party-mode.ts';
import type { ContractService } from './service.ts';
import { registerSigningPolicyRoutes } from './signing-policy-routes.ts';
import { registerWorkflowRoutes } from './workflow-routes.ts';

export interface ContractRoutesOptions {
  readonly contracts: ContractService;
  /** Run the sweep, webhook deliveries and archive renewal on timers while the server runs (default true). */
  readonly backgroundWork?: boolean;
}

export const PARTY_HEADER = 'x-shomei-party';

type IdParams = { id: string };

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

  app.get('/api/openapi.json', async () => contractsOpenApi(contracts.settings.publicUrl));
  // Templates, bulk send, reminders and internal approval.
  registerWorkflowRoutes(app, contracts, { actorOf: (request) => actorOf(contracts, request), requireMfa });
  // Imports, the correction and deletion log, tenant permissions and the tenant export.
  await app.register(recordRoutes, { contracts, actorOf });

  app.post('/api/envelopes', async (request, reply) => {
    const envelope = await contracts.create(await actorOf(contracts, request), request.body);
    return reply.status(201).send(envelope);
  });
  app.get('/api/envelopes', async (request) =>
    contracts.search(await actorOf(contracts, request), request.query),
  );
  app.get<{ Params: IdParams }>('/api/envelopes/:id', async (request) =>
    contracts.get(await actorOf(contracts, request), request.params.id),
  );
  app.post<{ Params: IdParams; Querystring: { name?: string } }>(
    '/api/envelopes/:id/documents',
    async (request, reply) => {
      const actor = await actorOf(contracts, request);
      if (!Buffer.isBuffer(request.body)) {
        throw contractErrors.notPdf('send the file with Content-Type: application/pdf');
      }
      const name = typeof request.query.name === 'string' ? request.query.name : 'document.pdf';
      return reply
        .status(201)
        .send(await contracts.addDocument(actor, request.params.id, name, request.body));
    },
  );
  app.get<{ Params: IdParams & { documentId: string } }>(
    '/api/envelopes/:id/documents/:documentId',
    async (request, reply) => {
      const document = await contracts.readDocument(
        await actorOf(contracts, request),
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
  app.get<{ Params: IdParams }>('/api/envelopes/:id/timeline', async (request, reply) => {
    const events = await contracts.timeline(await actorOf(contracts, request), request.params.id);
    return reply.header('cache-control', 'no-store').send({ events });
  });
  app.get<{ Params: IdParams }>('/api/envelopes/:id/certificate-of-completion', async (request, reply) => {
    const file = await contracts.certificateOfCompletion(
      await actorOf(contracts, request),
      request.params.id,
    );
    // RFC 6266: an ASCII filename for old clients, the Japanese one in filename* (RFC 8187).
    return reply
      .header('content-type', 'application/pdf')
      .header(
        'content-disposition',
        `attachment; filename="${file.asciiName}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      )
      .header('cache-control', 'no-store')
      .send(file.bytes);
  });
  app.post<{ Params: IdParams }>('/api/envelopes/:id/send', async (request) =>
    contracts.send(await actorOf(contracts, request), request.params.id),
  );
  app.post<{ Params: IdParams }>('/api/envelopes/:id/cancel', async (request, reply) => {
    await contracts.cancel(await actorOf(contracts, request), request.params.id, request.body);
    return reply.status(204).send();
  });
  app.post<{ Params: IdParams }>('/api/envelopes/:id/decline', async (request, reply) => {
    await contracts.decline(await actorOf(contracts, request), request.params.id, request.body);
    return reply.status(204).send();
  });
  app.delete<{ Params: IdParams & { partyId: string } }>(
    '/api/envelopes/:id/parties/:partyId',
    async (request) =>
      contracts.removeParty(await actorOf(contracts, request), request.params.id, request.params.partyId),
  );
  app.post<{ Params: IdParams & { partyId: string } }>(
    '/api/envelopes/:id/parties/:partyId/witness-type',
    async (request) =>
      switchToWitness(
        contracts.context,
        await actorOf(contracts, request),
        request.params.id,
        request.params.partyId,
      ),
  );
  app.post<{ Params: IdParams & { partyId: string } }>(
    '/api/envelopes/:id/parties/:partyId/reissue',
    async (request) =>
      contracts.reissueAccess(await actorOf(contracts, request), request.params.id, request.params.partyId),
  );
  app.get<{ Params: IdParams }>('/api/envelopes/:id/witness-confirmation', async (request) =>
    contracts.witnessConfirmation(await actorOf(contracts, request), request.params.id),
  );
  app.post<{ Params: IdParams }>('/api/envelopes/:id/sign/witness', async (request) => {
    const actor = await actorOf(contracts, request);
    requireMfa(request, actor);
    return contracts.act(actor, request.params.id, 'witness', request.body);
  });
  app.post<{ Params: IdParams }>('/api/envelopes/:id/sign/signer', async (request) => {
    const actor = await actorOf(contracts, request);
    requireMfa(request, actor);
    return contracts.act(actor, request.params.id, 'signer', request.body);
  });
  app.post<{ Params: IdParams }>('/api/envelopes/:id/approve', async (request) => {
    const actor = await actorOf(contracts, request);
    requireMfa(request, actor);
    return contracts.act(actor, request.params.id, 'approve', request.body);
  });
  app.post<{ Params: IdParams }>('/api/envelopes/:id/complete', async (request) =>
    contracts.complete(await actorOf(contracts, request), request.params.id),
  );
  app.get<{ Params: IdParams }>('/api/envelopes/:id/evidence', async (request, reply) => {
    const pack = await evidencePackage(
      contracts.context,
      await actorOf(contracts, request),
      request.params.id,
    );
    return reply.header('cache-control', 'no-store').send(pack);
  });
  app.post<{ Params: IdParams }>('/api/envelopes/:id/delete', async (request, reply) => {
    await contracts.delete(await actorOf(contracts, request), request.params.id, request.body);
    return reply.status(204).send();
  });
  app.post<{ Params: IdParams; Body: { hold?: unknown } }>(
    '/api/envelopes/:id/legal-hold',
    async (request) => {
      const hold = request.body?.hold;
      if (typeof hold !== 'boolean') throw contractErrors.invalid('hold', 'true or false');
      return contracts.legalHold(await actorOf(contracts, request), request.params.id, hold);
    },
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
  app.post<{ Body: { scopes?: unknown } }>('/api/contracts/api-keys', async (request, reply) => {
    const scopes = request.body?.scopes;
    if (!Array.isArray(scopes) || scopes.length > 5 || !scopes.every((s) => typeof s === 'string')) {
      throw contractErrors.invalid('scopes', 'an array of scope names');
    }
    return reply
      .status(201)
      .send(await contracts.createApiKey(await actorOf(contracts, request), scopes as string[]));
  });
  app.get('/api/contracts/api-keys', async (request) =>
    contracts.listApiKeys(await actorOf(contracts, request)),
  );
  app.delete<{ Params: IdParams }>('/api/contracts/api-keys/:id', async (request, reply) => {
    await contracts.revokeApiKey(await actorOf(contracts, request), request.params.id);
    return reply.status(204).send();
  });
  app.post<{ Body: { url?: unknown } }>('/api/contracts/webhooks', async (request, reply) =>
    reply
      .status(201)
      .send(await contracts.registerWebhook(await actorOf(contracts, request), request.body?.url)),
  );
  app.get('/api/contracts/webhooks', async (request) =>
    contracts.listWebhooks(await actorOf(contracts, request)),
  );
  app.delete<{ Params: IdParams }>('/api/contracts/webhooks/:id', async (request, reply) => {
    await contracts.removeWebhook(await actorOf(contracts, request), request.params.id);
    return reply.status(204).send();
  });
  // The tenant's signing policy (allowed modes, signing factor): GET and PUT /api/contracts/signing-policy.
  registerSigningPolicyRoutes(app, contracts, (request) => actorOf(contracts, request));
  app.put<{ Body: { years?: unknown } }>('/api/contracts/retention', async (request, reply) => {
    await contracts.setRetention(await actorOf(contracts, request), request.body?.years);
    return reply.status(204).send();
  });
};

export const contractRoutes = plugin;
