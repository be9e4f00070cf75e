/**
 * Alert rules over the audit stream (JT2A 7.1.4 警告の生成): privileged actions outside working
 * hours, non-human speed, duplicate concurrent sessions, signing that skipped its activation step.
 * Rules see a batch of new records plus what they need of the history, and return alert drafts.
 */
import type { AuditRecord } from './events.ts';
import type { AuditParameters } from './parameters.ts';
import { ALERT_RULES } from './shapes.ts';
import type { AuditDb } from './trail.ts';

export { ALERT_RULES };
export type AlertRule = (typeof ALERT_RULES)[number];

export interface AlertDraft {
  readonly rule: AlertRule;
  readonly severity: 'warning' | 'critical';
  readonly actorId: string | null;
  readonly summary: { readonly ja: string; readonly en: string };
  readonly events: readonly { readonly eventId: string; readonly seq: number }[];
}

/** Types that are privileged actions wherever they come from. */
const PRIVILEGED_PREFIXES = [
  'admin.',
  'key.',
  'backup.',
  'audit.parameters',
  'audit.export',
  'audit.prune',
  'ca.',
];

export function isPrivilegedAction(record: AuditRecord): boolean {
  if (record.actor.kind === 'process') return false;
  if (record.actor.kind === 'operator') return true;
  return PRIVILEGED_PREFIXES.some((prefix) => record.type.startsWith(prefix));
}

/** Zone names for Japan Standard Time: +09:00 without daylight saving time since 1951 (IANA tzdata). */
const JAPAN_ZONES: ReadonlySet<string> = new Set(['Asia/Tokyo', 'Japan']);
/** From here on, Japan's offset is +09:00 every day (its last daylight saving time ended in September 1951). */
const JAPAN_FIXED_SINCE = Date.UTC(1952, 0, 1);
const JST_OFFSET_MINUTES = 9 * 60;
const MINUTES_PER_DAY = 24 * 60;

/** Minutes after local midnight in `timeZone`. */
export function localMinute(iso: string, timeZone: string): number {
  const time = Date.parse(iso);
  // Japan's time is UTC + 9 h exactly since 1952: computed without asking Intl for the zone, which
  // faults ~6 MB of ICU's time-zone data into every server at its first alert scan (ADR 052).
  if (JAPAN_ZONES.has(timeZone) && time >= JAPAN_FIXED_SINCE) {
    const utcMinute = Math.floor(time / 60_000);
    // Instants before 1970 are negative: the remainder is brought back into 0..1439.
    return (((utcMinute + JST_OFFSET_MINUTES) % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  }
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(time));
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value);
  return hour * 60 + minute;
}

export function withinHours(minute: number, hours: AuditParameters['businessHours']): boolean {
  const { startMinute, endMinute } = hours;
  // An end before the start is an overnight shift (e.g. 22:00-06:00).
  return startMinute <= endMinute
    ? minute >= startMinute && minute < endMinute
    : minute >= startMinute || minute < endMinute;
}

const ref = (r: AuditRecord) => ({ eventId: r.eventId, seq: r.seq });

/** Most event ids one alert lists; a longer night session is summarised by its count. */
const MAX_EVENTS_PER_ALERT = 100;

/** One alert per actor per scan, listing the privileged actions they took outside working hours. */
export function outsideHours(batch: readonly AuditRecord[], params: AuditParameters): AlertDraft[] {
  const byActor = new Map<string, AuditRecord[]>();
  for (const r of batch) {
    if (!isPrivilegedAction(r) || withinHours(localMinute(r.time, params.timeZone), params.businessHours))
      continue;
    const key = `${r.actor.kind}\u0000${r.actor.id}`;
    byActor.set(key, [...(byActor.get(key) ?? []), r]);
  }
  return [...byActor.values()].map((records) => {
    const first = records[0]!;
    const types = [...new Set(records.map((r) => r.type))].slice(0, 5).join(', ');
    return {
      rule: 'outside-hours' as const,
      severity: 'warning' as const,
      actorId: first.actor.id,
      summary: {
        ja: `業務時間外の特権操作: ${first.actor.id} が ${records.length} 件 (${types})`,
        en: `Privileged actions outside working hours: ${records.length} by ${first.actor.id} (${types})`,
      },
      events: records.slice(0, MAX_EVENTS_PER_ALERT).map(ref),
    };
  });
}

/**
 * N events of one type by one actor within T seconds. `history` holds earlier records inside the
 * window so a burst split across scans is still seen; an alert is raised when the count reaches N,
 * not again for every further event of the same burst.
 */
export function abnormalRate(
  history: readonly AuditRecord[],
  batch: readonly AuditRecord[],
  params: AuditParameters,
): AlertDraft[] {
  const { events: limit, seconds } = params.rateLimit;
  const windows = new Map<string, AuditRecord[]>();
  const drafts: AlertDraft[] = [];
  const firstNew = batch[0]?.seq ?? Number.POSITIVE_INFINITY;
  for (const record of [...history, ...batch]) {
    if (record.actor.kind === 'process') continue;
    const key = `${record.actor.kind}\u0000${record.actor.id}\u0000${record.type}`;
    const window = windows.get(key) ?? [];
    const since = Date.parse(record.time) - seconds * 1000;
    while (window.length > 0 && Date.parse(window[0]!.time) <= since) window.shift();
    window.push(record);
    windows.set(key, window);
    if (record.seq >= firstNew && window.length === limit) {
      drafts.push({
        rule: 'abnormal-rate',
        severity: 'critical',
        actorId: record.actor.id,
        summary: {
          ja: `異常な速度の操作: ${record.actor.id} が ${seconds} 秒以内に ${record.type} を ${limit} 回`,
          en: `Non-human speed: ${record.actor.id} performed ${record.type} ${limit} times within ${seconds} s`,
        },
        events: window.map(ref),
      });
    }
  }
  return drafts;
}

export const SESSION_START = 'auth.login';
export const SESSION_ENDS = ['auth.logout', 'session.revoke', 'session.expire', 'session.end'];
/** How long a session without an end event is taken to be live. */
export const SESSION_ASSUMED_LIFETIME_SECONDS = 12 * 3600;

export async function duplicateSessions(db: AuditDb, batch: readonly AuditRecord[]): Promise<AlertDraft[]> {
  const drafts: AlertDraft[] = [];
  for (const record of batch) {
    if (record.type !== SESSION_START || record.outcome !== 'success' || record.subject?.kind !== 'session')
      continue;
    const since = new Date(Date.parse(record.time) - SESSION_ASSUMED_LIFETIME_SECONDS * 1000).toISOString();
    const others = await db
      .selectFrom('audit_events')
      .select(['seq', 'event_id', 'subject_id'])
      .where('type', '=', SESSION_START)
      .where('outcome', '=', 'success')
      .where('actor_id', '=', record.actor.id)
      .where('subject_kind', '=', 'session')
      .where('subject_id', '!=', record.subject.id)
      .where('seq', '<', record.seq)
      .where('recorded_at', '>=', since)
      .execute();
    const live: { seq: number; event_id: string }[] = [];
    for (const other of others) {
      const ended = await db
        .selectFrom('audit_events')
        .select('seq')
        .where('type', 'in', SESSION_ENDS)
        .where('subject_id', '=', other.subject_id)
        .where('seq', '<', record.seq)
        .executeTakeFirst();
      if (ended === undefined) live.push({ seq: Number(other.seq), event_id: other.event_id });
    }
    if (live.length > 0) {
      drafts.push({
        rule: 'duplicate-session',
        severity: 'warning',
        actorId: record.actor.id,
        summary: {
          ja: `同一利用者の重複セッション: ${record.actor.id} (${live.length + 1} 件同時)`,
          en: `Duplicate concurrent sessions of ${record.actor.id} (${live.length + 1} at once)`,
        },
        events: [...live.map((l) => ({ eventId: l.event_id, seq: l.seq })), ref(record)],
      });
    }
  }
  return drafts;
}

/** Each step and the steps one of which must come before it for the same subject. */
export const REQUIRED_PRECEDING_STEPS: Readonly<Record<string, readonly string[]>> = {
  'signature.create': ['sad.issue', 'signature.intent-confirm', 'intent.confirm'],
};
/** How far back the preceding step may be (a SAD lives minutes; this leaves room). */
export const PRECEDING_STEP_WINDOW_SECONDS = 3600;

export async function skippedSteps(db: AuditDb, batch: readonly AuditRecord[]): Promise<AlertDraft[]> {
  const drafts: AlertDraft[] = [];
  for (const record of batch) {
    const needed = REQUIRED_PRECEDING_STEPS[record.type];
    if (needed === undefined || record.outcome !== 'success') continue;
    const subjectId = record.subject?.id;
    const since = new Date(Date.parse(record.time) - PRECEDING_STEP_WINDOW_SECONDS * 1000).toISOString();
    const before =
      subjectId === undefined
        ? undefined
        : await db
            .selectFrom('audit_events')
            .select('seq')
            .where('type', 'in', [...needed])
            .where('outcome', '=', 'success')
            .where('subject_id', '=', subjectId)
            .where('seq', '<', record.seq)
            .where('recorded_at', '>=', since)
            .executeTakeFirst();
    if (before === undefined) {
      drafts.push({
        rule: 'skipped-step',
        severity: 'critical',
        actorId: record.actor.id,
        summary: {
          ja: `手順の省略: ${record.type} の前に ${needed.join(' / ')} がありません (${subjectId ?? '対象なし'})`,
          en: `Skipped step: ${record.type} without a preceding ${needed.join(' / ')} (${subjectId ?? 'no subject'})`,
        },
        events: [ref(record)],
      });
    }
  }
  return drafts;
}

/**
 * Events that announce something about to expire (a certificate the service signs with). The module
 * that watches the date records the event; this rule turns it into an alert for administrators, so
 * the warning reaches them by the same path as every other alert and stays in the chain.
 */
export const EXPIRY_WARNING_TYPES: readonly string[] = ['tsa.certificate.expiring'];

export function expiryWarnings(batch: readonly AuditRecord[]): AlertDraft[] {
  return batch
    .filter((record) => EXPIRY_WARNING_TYPES.includes(record.type))
    .map((record) => {
      const what = typeof record.details.what === 'string' ? record.details.what : record.type;
      const notAfter = typeof record.details.notAfter === 'string' ? record.details.notAfter : '?';
      const days = typeof record.details.daysLeft === 'number' ? record.details.daysLeft : '?';
      const action = typeof record.details.action === 'string' ? record.details.action : '';
      return {
        rule: 'expiry-warning' as const,
        severity: typeof days === 'number' && days <= 14 ? ('critical' as const) : ('warning' as const),
        actorId: record.actor.id,
        summary: {
          ja: `有効期限が近づいています: ${what} (残り ${days} 日、${notAfter} まで)。${action}`,
          en: `Expiring soon: ${what} (${days} days left, until ${notAfter}). ${action}`,
        },
        events: [ref(record)],
      };
    });
}

/**
 * An outside trust service (the accredited TSA) that failed repeatedly: the client opened its
 * circuit breaker and recorded `tsa.unavailable`; signing with timestamps stops until it answers.
 */
export const TRUST_SERVICE_FAILURE_TYPES: readonly string[] = ['tsa.unavailable'];

export function trustServiceFailures(batch: readonly AuditRecord[]): AlertDraft[] {
  return batch
    .filter((record) => TRUST_SERVICE_FAILURE_TYPES.includes(record.type))
    .map((record) => {
      const origin = typeof record.details.origin === 'string' ? record.details.origin : '?';
      const failures =
        typeof record.details.consecutiveFailures === 'number' ? record.details.consecutiveFailures : '?';
      const code = typeof record.details.code === 'string' ? record.details.code : '?';
      return {
        rule: 'trust-service-failure' as const,
        severity: 'critical' as const,
        actorId: record.actor.id,
        summary: {
          ja: `TSA (${origin}) が ${failures} 回続けて失敗しました (${code})。タイムスタンプ付きの署名は止まっています。`,
          en: `The TSA (${origin}) failed ${failures} times in a row (${code}); signatures with timestamps are stopped.`,
        },
        events: [ref(record)],
      };
    });
}

/** The HSM's module, token or mechanisms differ from what the ceremony recorded (JT2A III app. 1 §7). */
export function hsmConfigurationChanges(batch: readonly AuditRecord[]): AlertDraft[] {
  return batch
    .filter((record) => record.type === 'hsm.configuration.changed')
    .map((record) => ({
      rule: 'hsm-configuration-change' as const,
      severity: 'critical' as const,
      actorId: record.actor.id,
      summary: {
        ja: 'HSM の構成 (モジュール・トークン・メカニズム) が記録と異なります。計画した変更でなければ調査してください (shomei hsm check)。',
        en: 'The HSM configuration (module, token, mechanisms) differs from the recorded one; investigate unless the change was planned (shomei hsm check).',
      },
      events: [ref(record)],
    }));
}

/** A key compromise was declared and its procedure started (PS 3.6.1, ADR 035). */
export function keyCompromises(batch: readonly AuditRecord[]): AlertDraft[] {
  return batch
    .filter((record) => record.type === 'key.compromise.incident' && record.outcome === 'success')
    .map((record) => {
      const purpose = typeof record.details.purpose === 'string' ? record.details.purpose : '?';
      return {
        rule: 'key-compromise' as const,
        severity: 'critical' as const,
        actorId: record.actor.id,
        summary: {
          ja: `鍵の危殆化 (${purpose}): 証明書の失効・鍵の破棄・鍵更新を実施しています (事案 ${record.subject?.id ?? '?'})。`,
          en: `Key compromise (${purpose}): certificates revoked, key destroyed and re-keyed (incident ${record.subject?.id ?? '?'}).`,
        },
        events: [ref(record)],
      };
    });
}
