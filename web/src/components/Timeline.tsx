import { useEffect, useState } from 'react';
import { getJson } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { journeyJa as WORDED } from '../i18n/journey-ja.ts';
import type { Envelope, TimelineEntry } from '../pages/envelope-types.ts';

/** What happened, in order, from the envelope's own record (when the audit timeline is unavailable). */
function OwnRecord({ envelope }: { envelope: Envelope }) {
  const { lang, era, t } = useI18n();
  const events: { at: string; text: string }[] = [{ at: envelope.createdAt, text: t('timeline.created') }];
  if (envelope.sentAt !== null) events.push({ at: envelope.sentAt, text: t('timeline.sent') });
  for (const p of envelope.parties) {
    if (p.actedAt !== null)
      events.push({
        at: p.actedAt,
        text: t(p.status === 'declined' ? 'timeline.declined' : 'timeline.signed', { name: p.name }),
      });
  }
  if (envelope.completedAt !== null) events.push({ at: envelope.completedAt, text: t('timeline.completed') });
  events.sort((a, b) => a.at.localeCompare(b.at));
  return (
    <ol className="timeline" aria-label={t('envelope.timeline')}>
      {events.map((e) => (
        <li key={`${e.at}-${e.text}`}>
          <time dateTime={e.at}>{formatDateTime(e.at, lang, era)}</time>
          <span>{e.text}</span>
        </li>
      ))}
    </ol>
  );
}

const EVENT_KEYS: Record<string, MessageKey> = {
  'envelope.create': 'event.create',
  'document.upload': 'event.upload',
  'envelope.send': 'event.send',
  'envelope.notify': 'event.notify',
  'envelope.party.bind': 'event.partyBind',
  'envelope.party.mode': 'event.partyMode',
  'party.authenticate': 'event.authenticate',
  'document.read': 'event.read',
  'envelope.sign': 'event.sign',
  'envelope.approve': 'event.approve',
  'envelope.decline': 'event.decline',
  'envelope.cancel': 'event.cancel',
  'envelope.complete': 'event.complete',
  'envelope.party.remove': 'event.partyRemove',
  'envelope.legal-hold': 'event.legalHold',
  'envelope.delete': 'event.delete',
  'document.archive-timestamp.renew': 'event.renew',
  'document.shred': 'event.shred',
  'envelope.party.reissue': 'event.reissue',
  'envelope.remind': 'event.remind',
};

const ACCOUNT_SESSION = /^account-session:([a-z+-]+)(?: \(aal[12]\))?$/;

/** A signed-in account's factors (account-session:password+totp (aal2)) in words, or null if unknown. */
function sessionWords(value: string, t: ReturnType<typeof useI18n>['t']): string | null {
  const factors = ACCOUNT_SESSION.exec(value)?.[1]?.split('+') ?? [];
  const keys = factors.map((f) => `factor.${f}`);
  if (keys.length === 0 || keys.some((k) => !(k in WORDED))) return null;
  const words = keys.map((k) => t(k as MessageKey)).join(t('factor.join'));
  return t('method.accountSession', { factors: words });
}

/** A method or reason in words when the catalogue has it; otherwise the raw value, set as code. */
function Worded({ prefix, value }: { prefix: 'method' | 'reason'; value: string }) {
  const { t } = useI18n();
  const key = `${prefix}.${value}`;
  if (key in WORDED) return <>{t(key as MessageKey)}</>;
  if (prefix === 'method' && value === 'api-key') return <>{t('method.apiKey')}</>;
  const session = prefix === 'method' ? sessionWords(value, t) : null;
  if (session !== null) return <>{session}</>;
  return <code>{value}</code>;
}

/** What happened to the envelope, from the audit trail: event, time (JST), who, from which IP. */
export function Timeline({ envelope }: { envelope: Envelope }) {
  const { lang, era, t } = useI18n();
  const [events, setEvents] = useState<readonly TimelineEntry[] | undefined>();
  const [failed, setFailed] = useState(false);
  const status = envelope.status;
  const acted = envelope.parties.filter((p) => p.actedAt !== null).length;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloaded when the envelope moves on (sent, a party acted, completed)
  useEffect(() => {
    let cancelled = false;
    getJson<{ events: TimelineEntry[] }>(`/api/envelopes/${envelope.id}/timeline`)
      .then((r) => {
        if (!cancelled) setEvents(r.events);
      })
      .catch(() => {
        if (!cancelled) setFailed(true);
      });
    return () => {
      cancelled = true;
    };
  }, [envelope.id, status, acted]);
  if (failed) return <OwnRecord envelope={envelope} />;
  if (events === undefined) return <p role="status">{t('common.loading')}</p>;
  const who = (e: TimelineEntry): string => {
    if (e.actor.kind === 'system') return t('actor.system');
    if (e.actor.kind === 'api-key') return t('actor.apiKey');
    if (e.actor.name === null) return t('actor.unknown');
    return e.actor.company ? `${e.actor.company} ${e.actor.name}` : e.actor.name;
  };
  return (
    <ol className="timeline" aria-label={t('envelope.timeline')} data-source="audit">
      {events.map((e) => {
        const key = EVENT_KEYS[e.type];
        const party =
          e.party === null ? '' : e.party.company ? `${e.party.company} ${e.party.name}` : e.party.name;
        const what = key === undefined ? undefined : t(key, { party, document: e.document ?? '' });
        return (
          <li key={e.seq} data-event={e.type} data-outcome={e.outcome}>
            <time dateTime={e.time}>{formatDateTime(e.time, lang, era)}</time>
            <span className="timeline-what">
              {what ?? <code>{e.type}</code>}
              {e.outcome === 'failure' ? (
                <strong className="timeline-failed"> {t('event.failed')}</strong>
              ) : null}
            </span>
            <span className="timeline-who small">
              {who(e)}
              {e.ip === null ? null : <> · {t('event.ip', { ip: e.ip })}</>}
              {e.method === null ? null : (
                <>
                  {' '}
                  · <Worded prefix="method" value={e.method} />
                </>
              )}
              {e.reason === null ? null : (
                <>
                  {' '}
                  · <Worded prefix="reason" value={e.reason} />
                </>
              )}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
