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
  /** Clock offset against the NTP server in milliseconds (set when scraped). */
  readonly clockOffsetMs: Gauge;
}

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
      help: 'Offset of the local clock against the configured NTP server',
      registers: [registry],
    }),
  };
  return metrics;
}
