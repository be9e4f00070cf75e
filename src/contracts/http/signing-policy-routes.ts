/** GET (any member of the tenant) and PUT (tenant administrators) /api/contracts/signing-policy. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ContractService } from '../service.ts';
import { signingPolicySchema } from '../signing/signing-policy.ts';
import { envelopeInput, gatesOf, type RouteAuth, security } from './route-auth.ts';

export function registerSigningPolicyRoutes(
  app: FastifyInstance,
  contracts: ContractService,
  auth: RouteAuth,
): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const gates = gatesOf(contracts, auth);
  const read = {
    summary: "The tenant's signing policy: allowed signing modes and the signing factor",
    security,
    response: { 200: signingPolicySchema },
  };
  api.get(
    '/api/contracts/signing-policy',
    { schema: read, config: envelopeInput, preValidation: gates.authenticated },
    async (request) => contracts.signingPolicy(await auth.actorOf(request)),
  );
  const change = {
    ...read,
    summary: 'Change the signing policy (tenant administrators)',
    body: signingPolicySchema,
  };
  api.put(
    '/api/contracts/signing-policy',
    { bodyLimit: 4 * 1024, schema: change, config: envelopeInput, preValidation: gates.tenantAdmin },
    async (request) => contracts.setSigningPolicy(await auth.actorOf(request), request.body),
  );
}
