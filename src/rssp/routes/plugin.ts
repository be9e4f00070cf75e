/** Registers the remote signature service's routes: /csc/v2/, /oauth2/ and /api/credentials. */
import type { FastifyInstance } from 'fastify';
import type { RemoteSignatureService } from '../service.ts';
import { credentialsApiRoutes } from './credentials-api.ts';
import { cscRoutes } from './csc.ts';
import { oauth2Routes } from './oauth2.ts';

export async function registerRsspRoutes(app: FastifyInstance, rssp: RemoteSignatureService): Promise<void> {
  await app.register(async (scope) => cscRoutes(scope, rssp), { prefix: '/csc/v2' });
  await app.register(async (scope) => oauth2Routes(scope, rssp), { prefix: '/oauth2' });
  await app.register(async (scope) => credentialsApiRoutes(scope, rssp), { prefix: '/api/credentials' });
}
