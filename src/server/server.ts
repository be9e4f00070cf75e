/** Fastify assembly: health endpoints here; each module contributes its routes through a plugin. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { adminRoutes } from '../admin/index.ts';
import type { Shomei } from '../app/index.ts';
import { caRoutes } from '../ca/index.ts';
import { authenticateRequests, identityRoutes } from '../identity/index.ts';
import { devOutboxRoutes, OutboxMailer } from '../mail/index.ts';
import { registerRsspRoutes } from '../rssp/index.ts';
import { tsaRoutes } from '../tsa/index.ts';
import { handleError } from './errors.ts';

export interface ServerOptions {
  /** Largest request body accepted anywhere (bytes); routes that take documents may set their own. */
  readonly bodyLimit?: number;
}

export async function buildServer(shomei: Shomei, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: shomei.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    disableRequestLogging: false,
    trustProxy: false,
  });
  app.setErrorHandler(handleError);
  // Session cookie → request.principal, and CSRF checks, for every route (identity module).
  await app.register(authenticateRequests, { identity: shomei.identity });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, 'ok' | 'failed'> = {};
    try {
      await shomei.database.db.selectFrom('installation').select('id').executeTakeFirst();
      checks.database = 'ok';
    } catch {
      checks.database = 'failed';
    }
    try {
      await shomei.crypto.listKeys();
      checks.hsm = 'ok';
    } catch {
      checks.hsm = 'failed';
    }
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks });
  });
  // Embedded CA publication (/pki/ca, /pki/crl, /pki/ocsp) and the RFC 3161 TSA (/tsa).
  await app.register(caRoutes, { ca: shomei.ca });
  await app.register(tsaRoutes, { tsa: shomei.tsa });
  // Remote signature service: /csc/v2/, /oauth2/, /api/credentials.
  await registerRsspRoutes(app, shomei.rssp);
  // Accounts, applications, login, MFA and sessions: /api/auth, /api/applications, /api/users.
  await app.register(identityRoutes, { identity: shomei.identity });
  // Administration and audit review (/api/admin): registered terminals and privileged roles only.
  await app.register(adminRoutes, { admin: shomei.admin, audit: shomei.audit });
  // Checkpoints at the configured interval and alert scans run while the server does.
  shomei.audit.startBackgroundWork();
  if (shomei.config.environment === 'development' && shomei.mailer instanceof OutboxMailer) {
    await app.register(devOutboxRoutes, { outbox: shomei.mailer });
  }
  return app;
}
