import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { getJson } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ScrollBox } from '../components/ScrollBox.tsx';
import { formatDateTime } from '../format.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { usePrivileges } from '../privileges.ts';
import { Link } from '../router.tsx';
import type { RecordLogEntry } from './envelope-types.ts';

type LogEntry = RecordLogEntry;

interface Filters {
  from: string;
  to: string;
  recordId: string;
  userId: string;
  kind: string;
  tenantId: string;
}
const EMPTY: Filters = { from: '', to: '', recordId: '', userId: '', kind: '', tenantId: '' };

const FIELD_KEYS: Record<string, MessageKey> = {
  title: 'envelope.title',
  counterparty: 'envelope.counterparty',
  transactionDate: 'envelope.transactionDate',
  amount: 'envelope.amount',
};

function show(value: unknown): string {
  return value === null || value === undefined || value === '' ? '—' : String(value);
}

/** 訂正削除履歴: the append-only log of corrections and deletions, searchable by date, record, user, kind. */
export function CorrectionsLogPage() {
  const { lang, era, t } = useI18n();
  const { mine } = usePrivileges();
  const auditor = mine?.roles.some((r) => r.role === 'system_auditor') ?? false;
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [items, setItems] = useState<readonly LogEntry[] | undefined>();
  const [next, setNext] = useState<{ filters: Filters; cursor: string } | undefined>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(async (applied: Filters, cursor?: string) => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(applied)) if (value.trim() !== '') query.set(key, value.trim());
    if (cursor !== undefined) query.set('cursor', cursor);
    setError(undefined);
    try {
      const page = await getJson<{ items: LogEntry[]; nextCursor: string | null }>(
        `/api/corrections?${query}`,
      );
      setItems((before) => (cursor === undefined ? page.items : [...(before ?? []), ...page.items]));
      setNext(page.nextCursor === null ? undefined : { filters: applied, cursor: page.nextCursor });
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load(EMPTY);
  }, [load]);

  const field = (key: keyof Filters) => ({
    id: `log-${key}`,
    value: filters[key],
    onChange: (e: { target: { value: string } }) => setFilters({ ...filters, [key]: e.target.value }),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    void load(filters);
  }

  return (
    <div>
      <h1>{t('log.title')}</h1>
      <p className="lead">{t('log.lead')}</p>
      <form className="card search" onSubmit={submit} aria-labelledby="log-search">
        <h2 id="log-search">{t('log.search')}</h2>
        <div className="search-grid">
          <div className="field">
            <label htmlFor="log-from">{t('log.from')}</label>
            <input type="date" {...field('from')} />
          </div>
          <div className="field">
            <label htmlFor="log-to">{t('log.to')}</label>
            <input type="date" {...field('to')} />
          </div>
          <div className="field">
            <label htmlFor="log-recordId">{t('log.record')}</label>
            <input autoComplete="off" {...field('recordId')} />
          </div>
          <div className="field">
            <label htmlFor="log-userId">{t('log.user')}</label>
            <input autoComplete="off" {...field('userId')} />
          </div>
          <div className="field">
            <label htmlFor="log-kind">{t('log.kind')}</label>
            <select {...field('kind')}>
              <option value="">{t('log.kind.all')}</option>
              <option value="correction">{t('log.kind.correction')}</option>
              <option value="deletion">{t('log.kind.deletion')}</option>
            </select>
          </div>
          {auditor ? (
            <div className="field">
              <label htmlFor="log-tenantId">{t('log.tenant')}</label>
              <input autoComplete="off" {...field('tenantId')} />
            </div>
          ) : null}
        </div>
        <div className="actions">
          <button type="submit" className="primary">
            {t('log.submit')}
          </button>
          <button
            type="button"
            onClick={() => {
              setFilters(EMPTY);
              void load(EMPTY);
            }}
          >
            {t('log.clear')}
          </button>
        </div>
      </form>
      {error !== undefined ? <ErrorNotice error={error} hint="log.hint" /> : null}
      {items !== undefined && items.length === 0 ? <p className="empty">{t('log.empty')}</p> : null}
      {items !== undefined && items.length > 0 ? (
        <ScrollBox>
          <table className="table" aria-label={t('log.title')}>
            <thead>
              <tr>
                <th scope="col">{t('log.at')}</th>
                <th scope="col">{t('log.kind')}</th>
                <th scope="col">{t('log.record')}</th>
                <th scope="col">{t('log.changes')}</th>
                <th scope="col">{t('log.reason')}</th>
                <th scope="col">{t('log.user')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id} data-log-kind={e.kind} data-record={e.recordId}>
                  <td>{formatDateTime(e.at, lang, era)}</td>
                  <td>{t(`log.kind.${e.kind}`)}</td>
                  <td>
                    <Link to={`/envelopes/${e.recordId}`}>
                      <code>{e.recordId.slice(0, 8)}</code>
                    </Link>
                  </td>
                  <td>
                    {e.kind === 'correction' ? (
                      <ul className="changes-list">
                        {Object.entries(e.changes).map(([name, change]) => {
                          const c = change as { before?: unknown; after?: unknown };
                          const key = FIELD_KEYS[name];
                          return (
                            <li key={name} data-field={name}>
                              {key === undefined ? name : t(key)}: {show(c.before)} → {show(c.after)}
                            </li>
                          );
                        })}
                      </ul>
                    ) : (
                      <span>{t('log.deleted', { n: show(e.changes.documents) })}</span>
                    )}
                  </td>
                  <td>{e.reason}</td>
                  <td>
                    <code>{e.actor.id}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      ) : null}
      {next !== undefined ? (
        <button type="button" onClick={() => void load(next.filters, next.cursor)}>
          {t('dashboard.more')}
        </button>
      ) : null}
    </div>
  );
}
