/**
 * What the operations module adds to the HTTP server: secure headers (helmet: CSP with
 * frame-ancestors 'none', nosniff, Referrer-Policy, HSTS over TLS), the verified client certificate
 * on every request and its enforcement on the signing and admin APIs, request metrics, /metrics,
 * /readyz with clock and TSA, and /api/environment for the non-production banner.
 */
import type { TLSSocket } from 'node:tls';
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Environment } from '../config/index.ts';
import type { CryptoModule } from '../crypto/index.ts';
import type { Database } from '../store/index.ts';
import type { ClockGuard } from './clock.ts';
import { environmentMarks } from './environment.ts';
import { environmentSchema } from './environment-shapes.ts';
import { opsMetrics } from './metrics.ts';
import { collectMetrics } from './metrics-collect.ts';
import { readiness } from './readiness.ts';
import type { OpsServices } from './service.ts';
import type { OpsSettings } from './settings.ts';

/** The peer certificate of a mutual-TLS connection, verified against SHOMEI_TLS_CLIENT_CA. */
export interface VerifiedClientCertificate {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  /** SHA-256 of the DER certificate, hex lower-case without colons. */
  readonly fingerprint256: string;
  readonly der: Buffer;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the client presented a certificate that verified against the client CA. */
    clientCertificate: VerifiedClientCertificate | undefined;
  }
}

export interface OpsHttpOptions {
  readonly settings: OpsSettings;
  readonly environment: Environment;
  readonly tlsEnabled: boolean;
  readonly clientCertificates: boolean;
  readonly database: Database;
  readonly crypto: CryptoModule;
  readonly clock: ClockGuard;
  /** Health probe, overrides in force and expiry dates (readiness and metrics). */
  readonly ops: OpsServices;
}

function formatName(name: Record<string, string | string[]> | undefined): string {
  if (name === undefined) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

/** The verified peer certificate, or undefined (no TLS, none presented, or it did not verify). */
export function verifiedClientCertificate(request: FastifyRequest): VerifiedClientCertificate | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate(false);
  if (peer === undefined || peer.raw === undefined) return undefined;
  return {
    subject: formatName(peer.subject as unknown as Record<string, string>),
    issuer: formatName(peer.issuer as unknown as Record<string, string>),
    serialNumber: peer.serialNumber.toLowerCase(),
    fingerprint256: peer.fingerprint256.replaceAll(':', '').toLowerCase(),
    der: peer.raw,
  };
}

const CLIENT_CERT_REQUIRED = {
  code: 'SHOMEI_CLIENT_CERTIFICATE_REQUIRED',
  message: {
    ja: 'この API には登録されたクライアント証明書 (相互 TLS) が必要です。',
    en: 'This API requires a registered client certificate (mutual TLS).',
  },
} as const;

/**
 * The refusal is sent from the hook itself rather than thrown: the CSC routes have their own error
 * handler (CSC error bodies), so the body here speaks both shapes — CSC's `error`/`error_description`
 * on /csc/v2 and shomei's `{ error: { code, message } }` elsewhere.
 */
function refuseWithoutClientCertificate(url: string, reply: FastifyReply): FastifyReply {
  const body = url.startsWith('/csc/')
    ? {
        error: 'access_denied',
        error_description: `${CLIENT_CERT_REQUIRED.code}: ${CLIENT_CERT_REQUIRED.message.en}`,
      }
    : { error: CLIENT_CERT_REQUIRED };
  return reply.status(403).send(body);
}

/** Routes whose latency is signing latency (CSC signHash/signDoc, an e-contract party's signature). */
const SIGNING_ROUTE = /\/signatures\/sign(Hash|Doc)$|^\/api\/sign\//;

function underPrefix(url: string, prefixes: readonly string[]): boolean {
  const pathOnly = url.split('?')[0]!;
  return prefixes.some((p) => pathOnly === p || pathOnly.startsWith(`${p.replace(/\/$/, '')}/`));
}

/** Registers the hooks and routes on the root instance (not a child), so they cover every route. */
export async function registerOpsHttp(app: FastifyInstance, options: OpsHttpOptions): Promise<void> {
  const { settings } = options;
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        // PDF.js (web UI) renders pages from blob: images and runs its worker from this origin.
        imgSrc: ["'self'", 'data:', 'blob:'],
        workerSrc: ["'self'", 'blob:'],
        // helmet's defaults allow 'unsafe-inline' styles and fonts from any https: origin. The UI's
        // styles are files of this origin (React's style props go through the CSSOM, which CSP
        // leaves alone); PDF.js may load embedded fonts as data: URLs.
        styleSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        // helmet adds upgrade-insecure-requests by default; over plain HTTP (development) that would
        // send the UI's own requests to an https:// port that does not exist.
        upgradeInsecureRequests: options.tlsEnabled ? [] : null,
      },
    },
    // HSTS only means something over TLS; over plain HTTP browsers ignore it anyway.
    hsts: options.tlsEnabled
      ? { maxAge: settings.tls.hstsMaxAgeSeconds, includeSubDomains: true, preload: false }
      : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });

  app.decorateRequest('clientCertificate', undefined);
  app.addHook('onRequest', async (request, reply) => {
    request.clientCertificate = verifiedClientCertificate(request);
    if (
      options.clientCertificates &&
      underPrefix(request.url, settings.tls.clientCertPaths) &&
      request.clientCertificate === undefined
    ) {
      request.log.info({ url: request.url.split('?')[0] }, 'client certificate required');
      return refuseWithoutClientCertificate(request.url, reply);
    }
  });

  // Request ids come from x-request-id when the caller (or a proxy) sent a sane one, else a UUID
  // (server.ts), and go back on every answer so a client can quote them.
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  const metrics = opsMetrics();
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, seconds);
    const outcome = reply.statusCode < 400 ? 'success' : 'failure';
    if (SIGNING_ROUTE.test(route)) metrics.signingDuration.observe({ outcome }, seconds);
    if (route.endsWith('/pki/ocsp')) metrics.ocspDuration.observe({ outcome }, seconds);
  });
  // With a management listener (SHOMEI_METRICS_LISTEN) the metrics are served there only.
  if (settings.metrics.enabled && settings.metrics.listen === undefined) {
    app.get('/metrics', async (_request, reply) => {
      const text = await collectMetrics(options);
      return reply.type(metrics.registry.contentType).send(text);
    });
  }

  const environment = { response: { 200: environmentSchema } };
  app.withTypeProvider<ZodTypeProvider>().get('/api/environment', { schema: environment }, async () => {
    const marks = environmentMarks(options.environment);
    return {
      environment: marks.environment,
      production: marks.production,
      banner: marks.banner ?? null,
      certificateMark: marks.certificateMark ?? null,
      // Production safeguards overridden by name (SHOMEI_PRODUCTION_OVERRIDES): the UI footer shows them.
      overrides: options.ops.overrides,
    };
  });

  // A promotion approved elsewhere (CLI, another instance) reaches this one without a restart.
  options.ops.mode.start();
  app.addHook('onClose', async () => options.ops.mode.stop());
  app.get('/readyz', async (_request, reply) => {
    const result = await readiness(options);
    return reply.status(result.ready ? 200 : 503).send(result.body);
  });
}
