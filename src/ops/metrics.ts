/**
 * Prometheus metrics (prom-client). One registry per process, shared by every module: a module adds
 * its own counter with `opsMetrics().registry` or uses the common ones below. The registry is a
 * process singleton because prom-client refuses to register one metric name twice.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface OpsMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  /** Signatures made in the HSM, by what made them (rssp, seal, ca, tsa, audit …) and outcome. */
  readonly signatures: Counter<'source' | 'outcome'>;
  /** Failed Signature Activation Data checks (wrong PIN/OTP, replay, expiry …) by reason. */
  readonly sadFailures: Counter<'reason'>;
  /** Seconds since the last signed audit checkpoint (set when scraped). */
  readonly auditLagSeconds: Gauge;
  /** Clock offset against the NTP server in milliseconds; no series at all while it is unknown. */
  readonly clockOffsetMs: Gauge<'server'>;
  /** Time from a signDigest call to its signature (key lookup, session wait, HSM), by outcome. */
  readonly signingDuration: Histogram<'outcome'>;
  /** Time of the HSM operation itself (C_Sign), as seen from here. */
  readonly hsmDuration: Histogram<'operation'>;
  readonly hsmErrors: Counter<'operation'>;
  /** RFC 3161 requests (outside TSA, or the embedded one), by source and outcome. */
  readonly tsaDuration: Histogram<'source' | 'outcome'>;
  readonly tsaErrors: Counter<'source'>;
  /** OCSP requests answered by the embedded responder. */
  readonly ocspDuration: Histogram<'outcome'>;
  readonly dbQueryDuration: Histogram<'outcome'>;
  readonly dbConnectionErrors: Counter;
  readonly mailErrors: Counter;
  /** Items waiting, by queue (webhooks, completion, mail-outbox); set when scraped. */
  readonly queueDepth: Gauge<'queue'>;
  /** Database and HSM session pools (total, idle, waiting); set when scraped. */
  readonly poolConnections: Gauge<'pool' | 'state'>;
  /** Days until a certificate or key of the installation expires (negative: expired); set when scraped. */
  readonly expiryDays: Gauge<'name'>;
  /** 1 per production safeguard overridden by a named setting (SHOMEI_PRODUCTION_OVERRIDES). */
  readonly productionOverrides: Gauge<'override'>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let metrics: OpsMetrics | undefined;

export function opsMetrics(): OpsMetrics {
  if (metrics !== undefined) return metrics;
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'shomei' });
  collectDefaultMetrics({ register: registry, prefix: 'shomei_process_' });
  metrics = {
    registry,
    httpRequests: new Counter({
      name: 'shomei_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'shomei_http_request_duration_seconds',
      help: 'HTTP request latency by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    signatures: new Counter({
      name: 'shomei_signatures_total',
      help: 'Signatures made with HSM keys, by source and outcome',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
    sadFailures: new Counter({
      name: 'shomei_sad_failures_total',
      help: 'Refused signature activations (SAD) by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    auditLagSeconds: new Gauge({
      name: 'shomei_audit_checkpoint_lag_seconds',
      help: 'Seconds since the newest signed audit checkpoint (-1: none yet)',
      registers: [registry],
    }),
    clockOffsetMs: new Gauge({
      name: 'shomei_clock_offset_milliseconds',
      help: 'Offset of the local clock against the configured NTP server (absent while unknown)',
      labelNames: ['server'],
      registers: [registry],
    }),
    signingDuration: histogram(
      registry,
      'shomei_signing_duration_seconds',
      'Signature requests to the HSM layer, end to end',
      ['outcome'],
    ),
    hsmDuration: histogram(registry, 'shomei_hsm_operation_duration_seconds', 'HSM operations (C_Sign)', [
      'operation',
    ]),
    hsmErrors: counter(registry, 'shomei_hsm_errors_total', 'Failed HSM operations', ['operation']),
    tsaDuration: histogram(registry, 'shomei_tsa_request_duration_seconds', 'Timestamp requests', [
      'source',
      'outcome',
    ]),
    tsaErrors: counter(registry, 'shomei_tsa_errors_total', 'Failed timestamp requests', ['source']),
    ocspDuration: histogram(
      registry,
      'shomei_ocsp_response_duration_seconds',
      'OCSP responses of the embedded responder',
      ['outcome'],
    ),
    dbQueryDuration: histogram(registry, 'shomei_db_query_duration_seconds', 'Database queries', ['outcome']),
    dbConnectionErrors: new Counter({
      name: 'shomei_db_connection_errors_total',
      help: 'Database connections lost (terminated backend, server restart)',
      registers: [registry],
    }),
    mailErrors: new Counter({
      name: 'shomei_mail_errors_total',
      help: 'Mail that could not be sent',
      registers: [registry],
    }),
    queueDepth: gauge(registry, 'shomei_queue_depth', 'Items waiting, by queue', ['queue']),
    poolConnections: gauge(registry, 'shomei_pool_connections', 'Connection and session pools', [
      'pool',
      'state',
    ]),
    expiryDays: gauge(registry, 'shomei_expiry_days', 'Days until a certificate or key expires', ['name']),
    productionOverrides: gauge(
      registry,
      'shomei_production_overrides',
      'Production safeguards overridden by setting',
      ['override'],
    ),
  };
  return metrics;
}

function histogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Histogram<L> {
  return new Histogram({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers: [registry] });
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Gauge<L> {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

/** Runs `work`, observing its duration (seconds) and outcome; failures are counted and rethrown. */
export async function timed<T>(
  observe: (seconds: number, outcome: 'success' | 'failure') => void,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    const value = await work();
    observe((performance.now() - started) / 1000, 'success');
    return value;
  } catch (error) {
    observe((performance.now() - started) / 1000, 'failure');
    throw error;
  }
}
