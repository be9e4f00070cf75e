/** The operations services every instance holds: settings, clock guard, environment marks, locks. */
import type { Environment } from '../config/index.ts';
import type { Database } from '../store/index.ts';
import { ClockGuard } from './clock.ts';
import { type ClusterLockResult, withClusterLock } from './cluster-lock.ts';
import { type EnvironmentMarks, environmentMarks } from './environment.ts';
import type { HsmProbe } from './health-key.ts';
import type { OperatingMode } from './operating-mode.ts';
import type { ProductionSafeguard } from './production-gate.ts';
import { loadOpsSettings, type OpsSettings } from './settings.ts';

export interface OpsServices {
  readonly settings: OpsSettings;
  /** Call `clock.assertSynchronised()` before putting the time into a signature or certificate. */
  readonly clock: ClockGuard;
  /** Non-production marks for banners, certificate subjects and seals. */
  readonly marks: EnvironmentMarks;
  /** Runs `fn` on one instance of the cluster only (scheduled jobs). */
  withClusterLock<T>(name: string, fn: () => Promise<T>): Promise<ClusterLockResult<T>>;
  /** Signs and verifies with the health key: what /readyz calls "hsm". */
  readonly probe: HsmProbe;
  /** Production safeguards overridden by name (empty outside production). */
  readonly overrides: readonly ProductionSafeguard[];
  /** Certificates and keys with an end date, for the expiry gauges. */
  expiring(): Promise<ReadonlyArray<{ readonly name: string; readonly notAfter: Date }>>;
  /** Active, or passive after a restore until promoted (ADR 027). */
  readonly mode: OperatingMode;
  /** The HSM session pool now (open, idle, callers waiting), for the pool gauge. */
  hsmSessions(): { total: number; idle: number; waiting: number };
  /** The outside TSA asked with the TSA client's TLS and auth settings; absent without one. */
  readonly tsaProbe?: (() => Promise<'ok' | 'unauthorised' | 'unreachable'>) | undefined;
  /** The HSM configuration against the recorded fingerprint: unchanged, changed, recorded or failed. */
  readonly hsmConfiguration?: (() => Promise<string>) | undefined;
}

/** What the composition root adds to the operations services. */
export interface OpsParts {
  readonly probe: HsmProbe;
  readonly overrides: readonly ProductionSafeguard[];
  readonly expiring: OpsServices['expiring'];
  readonly mode: OperatingMode;
  readonly hsmSessions: OpsServices['hsmSessions'];
  readonly tsaProbe?: OpsServices['tsaProbe'];
  readonly hsmConfiguration?: OpsServices['hsmConfiguration'];
}

export function createOpsServices(
  environment: Environment,
  database: Database,
  parts: OpsParts,
  settings: OpsSettings = loadOpsSettings(),
): OpsServices {
  return {
    ...parts,
    settings,
    clock: new ClockGuard(settings.clock),
    marks: environmentMarks(environment),
    withClusterLock: (name, fn) => withClusterLock(database, name, fn),
  };
}
