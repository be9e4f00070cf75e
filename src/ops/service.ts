/** The operations services every instance holds: settings, clock guard, environment marks, locks. */
import type { Environment } from '../config/index.ts';
import type { Database } from '../store/index.ts';
import { ClockGuard } from './clock.ts';
import { type ClusterLockResult, withClusterLock } from './cluster-lock.ts';
import { type EnvironmentMarks, environmentMarks } from './environment.ts';
import { loadOpsSettings, type OpsSettings } from './settings.ts';

export interface OpsServices {
  readonly settings: OpsSettings;
  /** Call `clock.assertSynchronised()` before putting the time into a signature or certificate. */
  readonly clock: ClockGuard;
  /** Non-production marks for banners, certificate subjects and seals. */
  readonly marks: EnvironmentMarks;
  /** Runs `fn` on one instance of the cluster only (scheduled jobs). */
  withClusterLock<T>(name: string, fn: () => Promise<T>): Promise<ClusterLockResult<T>>;
}

export function createOpsServices(
  environment: Environment,
  database: Database,
  settings: OpsSettings = loadOpsSettings(),
): OpsServices {
  return {
    settings,
    clock: new ClockGuard(settings.clock),
    marks: environmentMarks(environment),
    withClusterLock: (name, fn) => withClusterLock(database, name, fn),
  };
}
