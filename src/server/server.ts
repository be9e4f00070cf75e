/** Fastify assembly: health endpoints here; each module contributes its routes through a plugin. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { adminRoutes, policyRoutes, privilegesRoutes } from '../admin/index.ts';
import { operatorConsole, type Shomei } from '../app/index.ts';
import { caRoutes } from '../ca/index.ts';
import { contractRoutes } from '../contracts/index.ts';
import { authenticateRequests, identityRoutes } from '../identity/index.ts';
import { devOutboxRoutes, OutboxMailer } from '../mail/index.ts';
import { registerOpsHttp, requestIdFor, type TlsMaterial } from '../ops/index.ts';
import { registerRsspRoutes } from '../rssp/index.ts';
import { tsaRoutes } from '../tsa/index.ts';
import { validationRoutes } from '../validation/index.ts';
import { webRoutes } from '../web/index.ts';
import { handleError } from './errors.ts';
import { registerOpenApi } from './openapi.ts';
import { registerRateLimits } from './rate-limit.ts';

const NO_STORE_PREFIXES = ['/api/', '/csc/', '/oauth2/'] as const;

export interface ServerOptions {
  /** Largest request body accepted anywhere (bytes); routes that take documents may set their own. */
  readonly bodyLimit?: number;
  /** Terminate TLS here (and ask for client certificates when a client CA is given); see src/ops. */
  readonly tls?: TlsMaterial;
  /** Sees every route as it is registered (the OpenAPI test checks each one is documented). */
  readonly onRoute?: (route: RouteOptions) => void;
}

export async function buildServer(shomei: Shomei, options: ServerOptions = {}): Promise<FastifyInstance> {
  const base = {
    loggerInstance: shomei.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: false,
    // Unique across instances, or the caller's own x-request-id (echoed back by registerOpsHttp).
    requestIdHeader: false as const,
    genReqId: requestIdFor,
  };
  const tls = options.tls;
  // Client certificates are asked for but not demanded at the handshake, so /healthz and the UI stay
  // reachable; the routes that need one refuse without it (registerOpsHttp, admin terminals).
  const app = (tls === undefined
    ? Fastify(base)
    : Fastify({
        ...base,
        https: {
          key: tls.key,
          cert: tls.cert,
          minVersion: 'TLSv1.2' as const,
          ...(tls.clientCa === undefined
            ? {}
            : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false }),
        },
      })) as unknown as FastifyInstance;
  app.setErrorHandler(handleError);
  if (options.onRoute !== undefined) app.addHook('onRoute', options.onRoute);
  // Routes declare params, query, body and responses once with zod: Fastify validates and serialises
  // with them, and the OpenAPI document at /api/openapi.json is generated from them (before any route).
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await registerOpenApi(app, shomei.contracts.settings.publicUrl);
  // API answers carry secrets (new API keys, webhook secrets, access codes, party tokens, SAD):
  // nothing under these prefixes is stored by a browser or proxy unless its route says otherwise.
  app.addHook('onSend', async (request, reply) => {
    if (NO_STORE_PREFIXES.some((p) => request.url.startsWith(p)) && !reply.hasHeader('cache-control')) {
      reply.header('cache-control', 'no-store');
    }
  });
  // Session cookie → request.principal, and CSRF checks, for every route (identity module).
  await app.register(authenticateRequests, { identity: shomei.identity });

  app.get('/healthz', async () => ({ status: 'ok' }));
  // Secure headers, client certificates, metrics, /readyz (database, HSM, TSA, clock), /api/environment.
  await registerOpsHttp(app, {
    settings: shomei.ops.settings,
    environment: shomei.config.environment,
    tlsEnabled: tls !== undefined,
    clientCertificates: tls?.clientCa !== undefined,
    database: shomei.database,
    crypto: shomei.crypto,
    clock: shomei.ops.clock,
    ops: shomei.ops,
  });
  shomei.ops.clock.start();
  app.addHook('onClose', async () => shomei.ops.clock.stop());
  // The TSA certificate's end is checked daily; a warning becomes an audit alert (expiry-warning).
  const stopTsaCheck = shomei.tsa.startExpiryChecks((error) =>
    shomei.logger.error({ err: error }, 'TSA certificate expiry check failed'),
  );
  app.addHook('onClose', async () => stopTsaCheck());
  // Signing certificates ending soon: their holders are mailed (once per threshold) to renew.
  const stopCredentialNotices = shomei.rssp.expiryNotices.start((error) =>
    shomei.logger.error({ err: error }, 'signing certificate expiry notices failed'),
  );
  app.addHook('onClose', async () => stopCredentialNotices());
  // Keys of certificates expired past the grace period or revoked at any CA are destroyed (ADR 032).
  const stopKeySweep = shomei.rssp.keySweep.start(shomei.config.rssp.keySweepSeconds, (error) =>
    shomei.logger.error({ err: error }, 'credential key sweep failed'),
  );
  app.addHook('onClose', async () => stopKeySweep());
  // The HSM configuration is compared on a timer too; a change is audited and alerted once.
  const stopHsmWatch = shomei.hsmWatch.start((state) =>
    shomei.logger.warn({ hsmConfiguration: state }, 'HSM configuration differs from the recorded one'),
  );
  app.addHook('onClose', async () => stopHsmWatch());
  // Embedded CA publication (/pki/ca, /pki/crl, /pki/ocsp) and the RFC 3161 TSA (/tsa).
  await app.register(caRoutes, { ca: shomei.ca });
  await app.register(tsaRoutes, { tsa: shomei.tsa });
  // Public verification API (POST /api/verify, no login), trusting the embedded root.
  // Parsing and validation run on the worker pool with a decode budget (ADR 016), limited per address.
  await registerRateLimits(app);
  await app.register(validationRoutes, {
    trustAnchors: async () => [await shomei.ca.certificate('root')],
    validate: (input) => shomei.work.validatePublic(input),
    perMinute: shomei.config.work.verifyPerMinute,
  });
  // Remote signature service: /csc/v2/, /oauth2/, /api/credentials, and /api/me/credentials for the
  // signed-in user's own credentials (browser session).
  await registerRsspRoutes(app, shomei.rssp, (request) => request.principal);
  // Accounts, applications, login, MFA and sessions: /api/auth, /api/applications, /api/users.
  await app.register(identityRoutes, { identity: shomei.identity });
  // E-contract service: /api/envelopes, /api/sign, /api/contracts.
  await app.register(contractRoutes, { contracts: shomei.contracts });
  // Administration and audit review (/api/admin): registered terminals and privileged roles only.
  // Credentials, certificates and backups in the operator console run inside the same plugin.
  await app.register(adminRoutes, {
    admin: shomei.admin,
    audit: shomei.audit,
    consoleRoutes: operatorConsole(shomei).routes,
  });
  // What the signed-in user may do (GET /api/me/privileges), for the UI's menus.
  await app.register(privilegesRoutes, {
    admin: shomei.admin,
    tenantPermissions: (principal) =>
      shomei.contracts.tenantPermissionsOf(principal.tenantId, principal.userId),
  });
  // Public policy pages, no login (ADR 033): /policies, /policies/:document[/versions/:n], /policies/notices.
  await app.register(policyRoutes, { policies: shomei.admin.policies, notices: shomei.admin.notices });
  // Checkpoints at the configured interval and alert scans run while the server does.
  shomei.audit.startBackgroundWork();
  if (shomei.config.environment === 'development' && shomei.mailer instanceof OutboxMailer) {
    await app.register(devOutboxRoutes, { outbox: shomei.mailer });
  }
  // The web UI last: API routes keep precedence, other GETs fall back to the single-page app.
  await app.register(webRoutes);
  return app;
}
