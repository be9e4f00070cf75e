/** Registers the remote signature service's routes: /csc/v2/, /oauth2/, /api/credentials and /api/me/credentials. */
import type { FastifyInstance } from 'fastify';
import type { RemoteSignatureService } from '../service.ts';
import { credentialsApiRoutes } from './credentials-api.ts';
import { cscRoutes } from './csc.ts';
import { myCredentialRoutes, type SessionUserOf } from './my-credentials.ts';
import { oauth2Routes } from './oauth2.ts';

export async function registerRsspRoutes(
  app: FastifyInstance,
  rssp: RemoteSignatureService,
  /** The browser session's user (identity module), for /api/me/credentials; omitted: no such routes. */
  sessionUserOf?: SessionUserOf,
): Promise<void> {
  await app.register(async (scope) => cscRoutes(scope, rssp), { prefix: '/csc/v2' });
  await app.register(async (scope) => oauth2Routes(scope, rssp), { prefix: '/oauth2' });
  await app.register(async (scope) => credentialsApiRoutes(scope, rssp), { prefix: '/api/credentials' });
  if (sessionUserOf !== undefined) {
    await app.register(async (scope) => myCredentialRoutes(scope, rssp, sessionUserOf), {
      prefix: '/api/me/credentials',
    });
  }
}
