/**
 * How an instance opens its database connections: named in pg_stat_activity (host and process), and
 * with connection errors the pool survived reported as JSON log lines and counted, not thrown.
 */
import { hostname } from 'node:os';
import type { Logger } from '../log/index.ts';
import type { OpenDatabaseOptions } from '../store/index.ts';
import { opsMetrics } from './metrics.ts';

/** `shomei/<host>/<pid>`, cut to PostgreSQL's 63-byte limit for application_name. */
export function applicationName(): string {
  return `shomei/${hostname()}/${process.pid}`.slice(0, 63);
}

export function databaseConnectionOptions(logger: Logger): OpenDatabaseOptions {
  return {
    applicationName: applicationName(),
    onConnectionError: (error) => {
      opsMetrics().dbConnectionErrors.inc();
      logger.warn({ err: error }, 'database connection lost; the pool reconnects on the next query');
    },
    onQuery: (seconds, outcome) => opsMetrics().dbQueryDuration.observe({ outcome }, seconds),
  };
}
