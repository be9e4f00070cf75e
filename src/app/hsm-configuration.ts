/**
 * HSM configuration change detection (JT2A part III appendix 1 §7, issue #18 Deliver 5): the
 * fingerprint of the PKCS#11 module, token and mechanisms (src/crypto/configuration.ts) is recorded
 * in the audit trail by the init ceremony (`hsm.configuration.record`). Every later `shomei init` or
 * `shomei start`, and `shomei hsm check` (run it from a timer), compares: a different fingerprint is
 * recorded once as `hsm.configuration.changed`, which raises a critical alert, until a security
 * officer accepts the new configuration (`shomei hsm accept`, audited as a new record).
 */
import { type AuditActor, DatabaseAuditTrail, SEARCH_MAX_LIMIT, searchAuditEvents } from '../audit/index.ts';
import type { ShomeiConfig } from '../config/index.ts';
import { describeHsmConfiguration, hsmConfigurationFingerprint } from '../crypto/index.ts';
import type { Database } from '../store/index.ts';

export const HSM_CONFIGURATION_RECORD = 'hsm.configuration.record';
export const HSM_CONFIGURATION_CHANGED = 'hsm.configuration.changed';

export interface HsmConfigurationCheck {
  readonly status: 'recorded' | 'unchanged' | 'changed';
  readonly fingerprint: string;
  readonly recordedFingerprint: string | null;
  /** True when this check wrote the `hsm.configuration.changed` record (once per new fingerprint). */
  readonly newlyDetected: boolean;
}

function observe(config: ShomeiConfig) {
  const configuration = describeHsmConfiguration(config.pkcs11.modulePath, config.pkcs11.tokenLabel);
  return {
    fingerprint: hsmConfigurationFingerprint(configuration),
    // The mechanisms by count; the fingerprint covers each of them.
    facts: {
      module: configuration.module,
      token: configuration.token,
      mechanisms: configuration.mechanisms.length,
    },
  };
}

async function history(trail: DatabaseAuditTrail) {
  const events = await searchAuditEvents(trail, { type: 'hsm.configuration.*', limit: SEARCH_MAX_LIMIT });
  const lastRecord = events.findLastIndex((e) => e.type === HSM_CONFIGURATION_RECORD);
  const recorded = lastRecord < 0 ? null : String(events[lastRecord]!.details.fingerprint);
  const reported = new Set(
    events
      .slice(lastRecord + 1)
      .filter((e) => e.type === HSM_CONFIGURATION_CHANGED)
      .map((e) => String(e.details.fingerprint)),
  );
  return { recorded, reported };
}

/** Compares with the recorded configuration; records it the first time (the init ceremony). */
export async function checkHsmConfiguration(
  config: ShomeiConfig,
  database: Database,
  actor: AuditActor = { kind: 'process', id: 'hsm-configuration-check' },
): Promise<HsmConfigurationCheck> {
  const trail = new DatabaseAuditTrail(database);
  const seen = observe(config);
  const { recorded, reported } = await history(trail);
  if (recorded === null) {
    await trail.append({
      type: HSM_CONFIGURATION_RECORD,
      actor,
      outcome: 'success',
      details: { fingerprint: seen.fingerprint, ceremony: 'init', ...seen.facts },
    });
    return {
      status: 'recorded',
      fingerprint: seen.fingerprint,
      recordedFingerprint: null,
      newlyDetected: false,
    };
  }
  if (recorded === seen.fingerprint) {
    return {
      status: 'unchanged',
      fingerprint: seen.fingerprint,
      recordedFingerprint: recorded,
      newlyDetected: false,
    };
  }
  const newlyDetected = !reported.has(seen.fingerprint);
  if (newlyDetected) {
    await trail.append({
      type: HSM_CONFIGURATION_CHANGED,
      actor,
      outcome: 'failure',
      details: { fingerprint: seen.fingerprint, recordedFingerprint: recorded, ...seen.facts },
    });
  }
  return { status: 'changed', fingerprint: seen.fingerprint, recordedFingerprint: recorded, newlyDetected };
}

/** A security officer accepts the configuration now seen as the recorded one (after a planned change). */
export async function acceptHsmConfiguration(
  config: ShomeiConfig,
  database: Database,
  acceptedBy: string,
  reason: string,
): Promise<{ fingerprint: string; previous: string | null }> {
  const trail = new DatabaseAuditTrail(database);
  const seen = observe(config);
  const { recorded } = await history(trail);
  await trail.append({
    type: HSM_CONFIGURATION_RECORD,
    actor: { kind: 'user', id: acceptedBy },
    outcome: 'success',
    details: {
      fingerprint: seen.fingerprint,
      previous: recorded,
      reason: reason.slice(0, 500),
      ...seen.facts,
    },
  });
  return { fingerprint: seen.fingerprint, previous: recorded };
}
