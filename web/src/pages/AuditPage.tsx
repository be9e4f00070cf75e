import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { getJson, saveBytes, sendJsonText } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ScrollBox } from '../components/ScrollBox.tsx';
import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n/index.tsx';
import type { AuditEvent } from './console-types.ts';

/** Audit search and export: system auditors only (the API refuses everyone else, and says so). */
export function AuditPage() {
  const { lang, era, t } = useI18n();
  const [type, setType] = useState('');
  const [actor, setActor] = useState('');
  const [events, setEvents] = useState<readonly AuditEvent[] | undefined>();
  const [error, setError] = useState<unknown>();

  const search = useCallback(async (filter: { type: string; actor: string }) => {
    setError(undefined);
    const query = new URLSearchParams({ limit: '100' });
    if (filter.type.trim() !== '') query.set('type', filter.type.trim());
    if (filter.actor.trim() !== '') query.set('actor', filter.actor.trim());
    try {
      setEvents((await getJson<{ events: AuditEvent[] }>(`/api/admin/audit/events?${query}`)).events);
    } catch (e) {
      setEvents(undefined);
      setError(e);
    }
  }, []);
  useEffect(() => {
    void search({ type: '', actor: '' });
  }, [search]);

  function submit(event: FormEvent) {
    event.preventDefault();
    void search({ type, actor });
  }

  async function exportArchive() {
    setError(undefined);
    try {
      saveBytes(await sendJsonText('/api/admin/audit/export', {}), 'audit.jsonl', 'application/x-ndjson');
    } catch (e) {
      setError(e);
    }
  }

  return (
    <div>
      <h1>{t('audit.title')}</h1>
      <p className="lead">{t('audit.lead')}</p>
      <form className="card search" onSubmit={submit}>
        <div className="search-grid">
          <div className="field">
            <label htmlFor="audit-type">{t('audit.type')}</label>
            <input id="audit-type" value={type} onChange={(e) => setType(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="audit-actor">{t('audit.actor')}</label>
            <input id="audit-actor" value={actor} onChange={(e) => setActor(e.target.value)} />
          </div>
        </div>
        <div className="actions">
          <button type="submit" className="primary">
            {t('search.submit')}
          </button>
          <button type="button" onClick={() => void exportArchive()}>
            {t('audit.export')}
          </button>
        </div>
      </form>
      {error !== undefined ? <ErrorNotice error={error} hint="hint.auditor" /> : null}
      {events === undefined ? null : (
        <ScrollBox>
          <table className="table" aria-label={t('audit.title')}>
            <thead>
              <tr>
                <th scope="col">{t('audit.seq')}</th>
                <th scope="col">{t('audit.time')}</th>
                <th scope="col">{t('audit.type')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.outcome')}</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.seq}>
                  <td>{e.seq}</td>
                  <td>{formatDateTime(e.time, lang, era)}</td>
                  <td>
                    <code>{e.type}</code>
                  </td>
                  <td>{e.actor.id}</td>
                  <td>{e.outcome}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      )}
    </div>
  );
}
