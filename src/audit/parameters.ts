/**
 * Audit parameters that may change at run time (through dual control): checkpoint interval and the
 * alert rules' working hours, time zone and rate. Every change is itself an audit event
 * (`audit.parameters.change`, JT2A 7.1.4), and the latest such event is what a restart resumes from.
 */
import { shomeiError } from '../errors/index.ts';
import type { DatabaseAuditTrail } from './trail.ts';

export interface AuditParameters {
  readonly checkpointIntervalSeconds: number;
  readonly businessHours: { readonly startMinute: number; readonly endMinute: number };
  readonly timeZone: string;
  readonly rateLimit: { readonly events: number; readonly seconds: number };
}

/** The JSON form used in requests and audit details. */
export interface AuditParametersJson {
  readonly checkpointIntervalSeconds: number;
  readonly businessHours: string;
  readonly timeZone: string;
  readonly rate: string;
}

function invalid(field: string, reason: string): Error {
  return shomeiError(
    'SHOMEI_AUDIT_PARAMETERS_INVALID',
    `監査パラメータ ${field} が不正です: ${reason}`,
    `Audit parameter ${field} is invalid: ${reason}`,
    { status: 400, details: { field, reason } },
  );
}

const minutes = (m: number): string =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

export function parametersToJson(p: AuditParameters): AuditParametersJson {
  return {
    checkpointIntervalSeconds: p.checkpointIntervalSeconds,
    businessHours: `${minutes(p.businessHours.startMinute)}-${minutes(p.businessHours.endMinute)}`,
    timeZone: p.timeZone,
    rate: `${p.rateLimit.events}/${p.rateLimit.seconds}`,
  };
}

/** Validates a (partial) change and returns the complete parameters after it. */
export function mergeAuditParameters(current: AuditParameters, change: unknown): AuditParameters {
  if (change === null || typeof change !== 'object' || Array.isArray(change))
    throw invalid('payload', 'must be an object');
  const c = change as Record<string, unknown>;
  const known = ['checkpointIntervalSeconds', 'businessHours', 'timeZone', 'rate'];
  const unknown = Object.keys(c).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw invalid(unknown[0]!.slice(0, 40), 'is not an audit parameter');
  let next: AuditParameters = current;
  if (c.checkpointIntervalSeconds !== undefined) {
    const v = c.checkpointIntervalSeconds;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 86400) {
      throw invalid('checkpointIntervalSeconds', 'must be an integer 0–86400');
    }
    next = { ...next, checkpointIntervalSeconds: v };
  }
  if (c.businessHours !== undefined) {
    const v = c.businessHours;
    const m = typeof v === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/.exec(v) : null;
    if (m === null) throw invalid('businessHours', 'must be HH:MM-HH:MM');
    next = {
      ...next,
      businessHours: {
        startMinute: Number(m[1]) * 60 + Number(m[2]),
        endMinute: Number(m[3]) * 60 + Number(m[4]),
      },
    };
  }
  if (c.timeZone !== undefined) {
    const v = c.timeZone;
    try {
      if (typeof v !== 'string' || v.length > 64) throw new Error('not a string');
      new Intl.DateTimeFormat('en', { timeZone: v });
    } catch {
      throw invalid('timeZone', 'must be an IANA time zone such as Asia/Tokyo');
    }
    next = { ...next, timeZone: v };
  }
  if (c.rate !== undefined) {
    const v = c.rate;
    const m = typeof v === 'string' ? /^(\d{1,6})\/(\d{1,6})$/.exec(v) : null;
    if (m === null || Number(m[1]) < 2 || Number(m[2]) < 1)
      throw invalid('rate', 'must be EVENTS/SECONDS with EVENTS ≥ 2');
    next = { ...next, rateLimit: { events: Number(m[1]), seconds: Number(m[2]) } };
  }
  return next;
}

/** Holds the parameters in force and records every change in the trail. */
export class AuditParameterStore {
  private listeners: ((p: AuditParameters) => void)[] = [];

  constructor(
    private readonly trail: DatabaseAuditTrail,
    private value: AuditParameters,
  ) {}

  get current(): AuditParameters {
    return this.value;
  }

  onChange(listener: (p: AuditParameters) => void): void {
    this.listeners.push(listener);
  }

  /** Resumes from the latest recorded change, if any (configuration gives the starting values). */
  async load(): Promise<void> {
    const row = await this.trail.db
      .selectFrom('audit_events')
      .select('details')
      .where('type', '=', 'audit.parameters.change')
      .where('outcome', '=', 'success')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row === undefined) return;
    try {
      const details = JSON.parse(row.details) as { parameters?: unknown };
      this.value = mergeAuditParameters(this.value, details.parameters);
    } catch {
      // A damaged record is reported by verify; the configured values stay in force.
    }
  }

  async change(change: unknown, changedBy: string, requestId: string | null): Promise<AuditParameters> {
    const previous = this.value;
    const next = mergeAuditParameters(previous, change);
    await this.trail.append({
      type: 'audit.parameters.change',
      actor: { kind: 'user', id: changedBy },
      outcome: 'success',
      details: { parameters: parametersToJson(next), previous: parametersToJson(previous), requestId },
    });
    this.value = next;
    for (const listener of this.listeners) listener(next);
    return next;
  }
}
