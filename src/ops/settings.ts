/**
 * Settings of the operations module, from `SHOMEI_…` variables and validated like src/config: TLS,
 * clock bound and NTP server, metrics, backups. Kept here (as src/ca does with its settings) so the
 * shared configuration file changes little; `shomei compliance report` prints them.
 */
import * as z from 'zod';
import { parseSettings } from '../config/index.ts';
import { shomeiError } from '../errors/index.ts';

export interface OpsSettings {
  readonly tls: {
    readonly certFile: string | undefined;
    readonly keyFile: string | undefined;
    /** PEM bundle of the CAs whose client certificates are accepted (mutual TLS). */
    readonly clientCaFile: string | undefined;
    /** Issue the server certificate from the embedded CA for a key generated at start. */
    readonly embedded: boolean;
    /** DNS names of the embedded certificate. */
    readonly dnsNames: readonly string[];
    /** Path prefixes on which a verified client certificate is required (when a client CA is set). */
    readonly clientCertPaths: readonly string[];
    /** Strict-Transport-Security max-age in seconds. */
    readonly hstsMaxAgeSeconds: number;
  };
  readonly clock: {
    readonly ntpServer: string | undefined;
    readonly maxOffsetMs: number;
    readonly intervalSeconds: number;
  };
  readonly metrics: {
    readonly enabled: boolean;
    /** `host:port` of the management listener serving /metrics (and nothing else); undefined: none. */
    readonly listen: { readonly host: string; readonly port: number } | undefined;
  };
  /** An outside RFC 3161 TSA the service relies on; /readyz checks that it answers. */
  readonly tsaUrl: string | undefined;
}

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const schema = z.object({
  SHOMEI_TLS_CERT: z.string().min(1).optional(),
  SHOMEI_TLS_KEY: z.string().min(1).optional(),
  SHOMEI_TLS_CLIENT_CA: z.string().min(1).optional(),
  SHOMEI_TLS_EMBEDDED: bool.default(false),
  SHOMEI_TLS_DNS_NAMES: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*$/, 'must be a comma-separated list of DNS names')
    .default('localhost'),
  SHOMEI_TLS_CLIENT_CERT_PATHS: z
    .string()
    .regex(/^(\/[A-Za-z0-9/_.-]*)(,\/[A-Za-z0-9/_.-]*)*$/, 'must be a comma-separated list of paths')
    .default('/csc/v2,/api/admin'),
  SHOMEI_HSTS_MAX_AGE: z.coerce.number().int().min(0).max(63_072_000).default(31_536_000),
  SHOMEI_NTP_SERVER: z
    .string()
    .regex(/^(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, 'must be host or host:port')
    .optional(),
  SHOMEI_CLOCK_MAX_OFFSET_MS: z.coerce.number().int().min(1).max(3_600_000).default(1000),
  SHOMEI_CLOCK_CHECK_INTERVAL: z.coerce.number().int().min(1).max(86_400).default(60),
  SHOMEI_METRICS: bool.default(true),
  SHOMEI_METRICS_LISTEN: z
    .string()
    .regex(/^(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464')
    .optional(),
  SHOMEI_TSA_URL: z.string().url().optional(),
});

export function loadOpsSettings(env: NodeJS.ProcessEnv = process.env): OpsSettings {
  const e = parseSettings(schema, env);
  if ((e.SHOMEI_TLS_CERT === undefined) !== (e.SHOMEI_TLS_KEY === undefined)) {
    const missing = e.SHOMEI_TLS_CERT === undefined ? 'SHOMEI_TLS_CERT' : 'SHOMEI_TLS_KEY';
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      `設定 ${missing} が未設定です (証明書と鍵は両方必要です)。`,
      `Setting ${missing} is not set (the certificate and the key go together).`,
      { status: 500, details: { setting: missing } },
    );
  }
  return {
    tls: {
      certFile: e.SHOMEI_TLS_CERT,
      keyFile: e.SHOMEI_TLS_KEY,
      clientCaFile: e.SHOMEI_TLS_CLIENT_CA,
      embedded: e.SHOMEI_TLS_EMBEDDED,
      dnsNames: e.SHOMEI_TLS_DNS_NAMES.split(','),
      clientCertPaths: e.SHOMEI_TLS_CLIENT_CERT_PATHS.split(','),
      hstsMaxAgeSeconds: e.SHOMEI_HSTS_MAX_AGE,
    },
    clock: {
      ntpServer: e.SHOMEI_NTP_SERVER,
      maxOffsetMs: e.SHOMEI_CLOCK_MAX_OFFSET_MS,
      intervalSeconds: e.SHOMEI_CLOCK_CHECK_INTERVAL,
    },
    metrics: { enabled: e.SHOMEI_METRICS, listen: hostPort(e.SHOMEI_METRICS_LISTEN) },
    tsaUrl: e.SHOMEI_TSA_URL,
  };
}

function hostPort(value: string | undefined): { host: string; port: number } | undefined {
  if (value === undefined) return undefined;
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) };
}

/** The variables this file reads, for the settings catalogue (src/app/settings-catalogue.ts). */
export { schema as opsSettingsSchema };
