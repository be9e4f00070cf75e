/**
 * What the operations module adds to the HTTP server: secure headers (helmet: CSP with
 * frame-ancestors 'none', nosniff, Referrer-Policy, HSTS over TLS), the verified client certificate
 * on every request and its enforcement on the signing and admin APIs, request metrics, /metrics,
 * /readyz with clock and TSA, and /api/environment for the non-production banner.
 */
import type { TLSSocket } from 'node:tls';
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { AuditTables } from '../audit/index.ts';
import type { Environment } from '../config/index.ts';
import type { CryptoModule } from '../crypto/index.ts';
import type { Database } from '../store/index.ts';
import type { ClockGuard } from './clock.ts';
import { environmentMarks } from './environment.ts';
import { opsMetrics } from './metrics.ts';
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

function underPrefix(url: string, prefixes: readonly string[]): boolean {
  const pathOnly = url.split('?')[0]!;
  return prefixes.some((p) => pathOnly === p || pathOnly.startsWith(`${p.replace(/\/$/, '')}/`));
}

async function tsaReachable(url: string): Promise<boolean> {
  try {
    // Any HTTP answer shows the TSA is up; an empty POST is refused by an RFC 3161 server with 4xx.
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: new Uint8Array(0),
      signal: AbortSignal.timeout(3000),
    });
    await response.arrayBuffer();
    return response.status < 500;
  } catch {
    return false;
  }
}

/** Seconds since the newest signed audit checkpoint, or -1 when there is none. */
async function auditLagSeconds(database: Database): Promise<number> {
  const row = await database.db
    .withTables<AuditTables>()
    .selectFrom('audit_checkpoints')
    .select(sql<string>`max(signed_at)`.as('latest'))
    .executeTakeFirst();
  if (row?.latest == null) return -1;
  return Math.max(0, Math.round((Date.now() - Date.parse(row.latest)) / 1000));
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

  const metrics = opsMetrics();
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  if (settings.metrics.enabled) {
    app.get('/metrics', async (_request, reply) => {
      metrics.auditLagSeconds.set(await auditLagSeconds(options.database).catch(() => -1));
      const clock = options.clock.state();
      if ('offsetMs' in clock) metrics.clockOffsetMs.set(clock.offsetMs);
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }

  app.get('/api/environment', async () => {
    const marks = environmentMarks(options.environment);
    return {
      environment: marks.environment,
      production: marks.production,
      banner: marks.banner ?? null,
      certificateMark: marks.certificateMark ?? null,
    };
  });

  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, string> = {};
    try {
      await options.database.db.selectFrom('installation').select('id').executeTakeFirst();
      checks.database = 'ok';
    } catch {
      checks.database = 'failed';
    }
    try {
      await options.crypto.listKeys();
      checks.hsm = 'ok';
    } catch {
      checks.hsm = 'failed';
    }
    if (settings.tsaUrl !== undefined) checks.tsa = (await tsaReachable(settings.tsaUrl)) ? 'ok' : 'failed';
    const clock = options.clock.state();
    checks.clock = clock.status === 'skewed' || clock.status === 'unknown' ? 'failed' : 'ok';
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks, clock });
  });
}
