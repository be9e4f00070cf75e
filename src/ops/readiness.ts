/**
 * /readyz: ready only when this instance can do its work now — the database answers, the HSM makes
 * and verifies a real signature with the health key, the outside TSA (when one is configured)
 * answers, the clock is known to be right and the installation is not passive (ADR 027). An
 * unconfigured clock is reported as such, never as "ok"; in production it makes the instance not ready unless overridden (no-time-source).
 */
import type { Environment } from '../config/index.ts';
import type { Database } from '../store/index.ts';
import type { ClockGuard, ClockState } from './clock.ts';
import type { InstallationMode } from './operating-mode-table.ts';
import type { OpsServices } from './service.ts';
import type { OpsSettings } from './settings.ts';

export interface ReadinessSources {
  readonly settings: OpsSettings;
  readonly environment: Environment;
  readonly database: Database;
  readonly clock: ClockGuard;
  readonly ops: OpsServices;
}

export interface Readiness {
  readonly ready: boolean;
  readonly body: {
    readonly status: 'ready' | 'not-ready';
    readonly checks: Record<string, string>;
    readonly clock: ClockState;
    /** active, or passive after a restore until promoted (ADR 027). */
    readonly mode: InstallationMode;
    readonly overrides: readonly string[];
    readonly reasons: Record<string, string>;
  };
}

function clockCheck(clock: ClockState, sources: ReadinessSources): { status: string; passes: boolean } {
  if (clock.status === 'ok') return { status: 'ok', passes: true };
  if (clock.status !== 'unconfigured') return { status: 'failed', passes: false };
  // Outside production the host's synchronisation is trusted (practice statement); production needs
  // a time source or the named override.
  const allowed = sources.environment !== 'production' || sources.ops.overrides.includes('no-time-source');
  return { status: 'unconfigured', passes: allowed };
}

export async function readiness(sources: ReadinessSources): Promise<Readiness> {
  const checks: Record<string, string> = {};
  const reasons: Record<string, string> = {};
  let ready = true;
  try {
    await sources.database.db.selectFrom('installation').select('id').executeTakeFirst();
    checks.database = 'ok';
  } catch (error) {
    checks.database = 'failed';
    reasons.database = (error as { code?: string }).code ?? 'unreachable';
    ready = false;
  }
  const hsm = await sources.ops.probe.check();
  checks.hsm = hsm.status;
  if (hsm.status === 'failed') {
    reasons.hsm = hsm.reason;
    ready = false;
  }
  // The TSA client's own probe: its client certificate, private CA and basic auth, as a real request.
  if (sources.ops.tsaProbe !== undefined) {
    const tsa = await sources.ops.tsaProbe();
    checks.tsa = tsa === 'ok' ? 'ok' : 'failed';
    if (tsa !== 'ok') {
      reasons.tsa = tsa;
      ready = false;
    }
  }
  // A changed HSM configuration is reported (and alerted once) but does not stop the instance: an
  // operator decides, and the security officer accepts or reverts it (ADR 032).
  if (sources.ops.hsmConfiguration !== undefined) {
    const state = await sources.ops.hsmConfiguration();
    checks.hsmConfiguration = state;
    if (state === 'changed') reasons.hsmConfiguration = 'changed since recorded (keys hsm-accept)';
  }
  // A passive installation answers but does no work: not ready, so no load balancer sends it any.
  const mode = await sources.ops.mode.refresh();
  checks.installation = mode;
  if (mode === 'passive') {
    reasons.installation = 'passive: restored, not yet promoted (installation.promote)';
    ready = false;
  }
  const clock = sources.clock.state();
  const clockResult = clockCheck(clock, sources);
  checks.clock = clockResult.status;
  ready &&= clockResult.passes;
  return {
    ready,
    body: {
      status: ready ? 'ready' : 'not-ready',
      checks,
      clock,
      mode,
      overrides: sources.ops.overrides,
      reasons,
    },
  };
}
