/**
 * A tenant's settings made by its administrators: API keys, webhooks and retention. Registered by
 * the contracts plugin (routes.ts); the signing policy has its own file.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  apiKeyListSchema,
  noContentSchema,
  retentionSchema,
  webhookCreatedSchema,
  webhookInputSchema,
  webhookListSchema,
} from '../model/answers.ts';
import type { ContractService } from '../service.ts';
import { envelopeInput, gatesOf, idParams, type RouteAuth, security } from './route-auth.ts';

export function registerTenantRoutes(
  app: FastifyInstance,
  contracts: ContractService,
  auth: RouteAuth,
): void {
  apiKeyRoutes(app, contracts, auth);
  webhookRoutes(app, contracts, auth);
  const api = app.withTypeProvider<ZodTypeProvider>();
  const retention = {
    summary: 'How many years completed envelopes are kept (7–100; tenant administrators)',
    security,
    body: retentionSchema,
    response: { 204: noContentSchema },
  };
  const admin = { config: envelopeInput, preValidation: gatesOf(contracts, auth).tenantAdmin };
  api.put('/api/contracts/retention', { schema: retention, ...admin }, async (request, reply) => {
    await contracts.setRetention(await auth.actorOf(request), request.body.years);
    return reply.status(204).send(null);
  });
}

function apiKeyRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const checked = { config: envelopeInput, preValidation: gatesOf(contracts, auth).authenticated };
  const create = {
    summary: 'Create a tenant API key (the secret is shown once)',
    security,
    body: z.object({ scopes: z.array(z.string()).max(5) }),
    response: { 201: z.object({ id: z.string(), key: z.string() }) },
  };
  api.post('/api/contracts/api-keys', { schema: create, ...checked }, async (request, reply) =>
    reply.status(201).send(await contracts.createApiKey(await auth.actorOf(request), request.body.scopes)),
  );
  const list = {
    summary: "The tenant's API keys (never a secret)",
    security,
    response: { 200: apiKeyListSchema },
  };
  api.get('/api/contracts/api-keys', { schema: list, ...checked }, async (request) =>
    contracts.listApiKeys(await auth.actorOf(request)),
  );
  const revoke = {
    summary: 'Revoke an API key',
    security,
    params: idParams,
    response: { 204: noContentSchema },
  };
  api.delete('/api/contracts/api-keys/:id', { schema: revoke, ...checked }, async (request, reply) => {
    await contracts.revokeApiKey(await auth.actorOf(request), request.params.id);
    return reply.status(204).send(null);
  });
}

function webhookRoutes(app: FastifyInstance, contracts: ContractService, auth: RouteAuth): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const gates = gatesOf(contracts, auth);
  const register = {
    summary: 'Register a webhook receiver (the signing secret is shown once)',
    security,
    body: webhookInputSchema,
    response: { 201: webhookCreatedSchema },
  };
  const admin = { config: envelopeInput, preValidation: gates.tenantAdmin };
  api.post('/api/contracts/webhooks', { schema: register, ...admin }, async (request, reply) =>
    reply.status(201).send(await contracts.registerWebhook(await auth.actorOf(request), request.body.url)),
  );
  const checked = { config: envelopeInput, preValidation: gates.authenticated };
  const list = { summary: "The tenant's webhook receivers", security, response: { 200: webhookListSchema } };
  api.get('/api/contracts/webhooks', { schema: list, ...checked }, async (request) =>
    contracts.listWebhooks(await auth.actorOf(request)),
  );
  const remove = {
    summary: 'Remove a webhook receiver',
    security,
    params: idParams,
    response: { 204: noContentSchema },
  };
  api.delete('/api/contracts/webhooks/:id', { schema: remove, ...checked }, async (request, reply) => {
    await contracts.removeWebhook(await auth.actorOf(request), request.params.id);
    return reply.status(204).send(null);
  });
}
