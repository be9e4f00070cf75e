/** GET (any member of the tenant) and PUT (tenant administrators) /api/contracts/signing-policy. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ContractActor } from '../model/model.ts';
import type { ContractService } from '../service.ts';

export function registerSigningPolicyRoutes(
  app: FastifyInstance,
  contracts: ContractService,
  actorOf: (request: FastifyRequest) => Promise<ContractActor>,
): void {
  app.get('/api/contracts/signing-policy', async (request) =>
    contracts.signingPolicy(await actorOf(request)),
  );
  app.put('/api/contracts/signing-policy', { bodyLimit: 4 * 1024 }, async (request) =>
    contracts.setSigningPolicy(await actorOf(request), request.body),
  );
}
