import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { getJson } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ScrollBox } from '../components/ScrollBox.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatAmount, formatDate } from '../format-money.ts';
import { useI18n } from '../i18n/index.tsx';
import { Link } from '../router.tsx';
import { ENVELOPE_STATUSES, type EnvelopeSummary } from './envelope-types.ts';

interface Filters {
  transactionDateFrom: string;
  transactionDateTo: string;
  amountMin: string;
  amountMax: string;
  counterparty: string;
  title: string;
  status: string;
}

const EMPTY: Filters = {
  transactionDateFrom: '',
  transactionDateTo: '',
  amountMin: '',
  amountMax: '',
  counterparty: '',
  title: '',
  status: '',
};

/** The search kept in the address (?counterparty=…), so a reload, a bookmark or Back shows the same list. */
function filtersFromUrl(): Filters {
  const params = new URLSearchParams(globalThis.location?.search ?? '');
  const filters = { ...EMPTY };
  for (const key of Object.keys(EMPTY) as (keyof Filters)[]) filters[key] = params.get(key) ?? '';
  return filters;
}

function keepInUrl(applied: Filters): void {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(applied)) if (value.trim() !== '') query.set(key, value.trim());
  const search = query.toString();
  globalThis.history?.replaceState(null, '', `${location.pathname}${search === '' ? '' : `?${search}`}`);
}

const searched = (f: Filters) => Object.values(f).some((v) => v.trim() !== '');

/** Envelopes of the tenant, searchable by the 電子帳簿保存法 keys (date range, amount range, counterparty). */
export function DashboardPage() {
  const { lang, era, t } = useI18n();
  const [initial] = useState<Filters>(filtersFromUrl);
  const [filters, setFilters] = useState<Filters>(initial);
  const [applied, setApplied] = useState<Filters>(initial);
  const [items, setItems] = useState<readonly EnvelopeSummary[] | undefined>();
  const [next, setNext] = useState<{ filters: Filters; cursor: string } | undefined>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(async (applied: Filters, cursor?: string) => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(applied)) {
      if (value.trim() !== '') query.set(key, value.trim());
    }
    if (applied.counterparty.trim() !== '') query.set('counterpartyMatch', 'contains');
    if (cursor !== undefined) query.set('cursor', cursor);
    setError(undefined);
    try {
      const page = await getJson<{ items: EnvelopeSummary[]; nextCursor: string | null }>(
        `/api/envelopes?${query}`,
      );
      setItems((before) => (cursor === undefined ? page.items : [...(before ?? []), ...page.items]));
      setNext(page.nextCursor === null ? undefined : { filters: applied, cursor: page.nextCursor });
    } catch (e) {
      setError(e);
    }
  }, []);

  useEffect(() => {
    void load(initial);
  }, [load, initial]);

  function apply(next: Filters) {
    keepInUrl(next);
    setApplied(next);
    void load(next);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    apply(filters);
  }

  const field = (key: keyof Filters) => ({
    id: `search-${key}`,
    name: key,
    value: filters[key],
    onChange: (e: { target: { value: string } }) => setFilters({ ...filters, [key]: e.target.value }),
  });

  return (
    <div>
      <div className="title-row">
        <h1>{t('dashboard.title')}</h1>
        <Link to="/envelopes/new" className="button primary">
          {t('dashboard.new')}
        </Link>
      </div>
      <form className="card search" onSubmit={submit} aria-labelledby="search-heading">
        <h2 id="search-heading">{t('search.title')}</h2>
        <p className="lead small">{t('search.lead')}</p>
        <div className="search-grid">
          <fieldset>
            <legend>{t('search.transactionDate')}</legend>
            <label htmlFor="search-transactionDateFrom" className="visually-hidden">
              {t('search.from')}
            </label>
            <input type="date" {...field('transactionDateFrom')} />
            <span aria-hidden="true">〜</span>
            <label htmlFor="search-transactionDateTo" className="visually-hidden">
              {t('search.to')}
            </label>
            <input type="date" {...field('transactionDateTo')} />
          </fieldset>
          <fieldset>
            <legend>{t('search.amount')}</legend>
            <label htmlFor="search-amountMin" className="visually-hidden">
              {t('search.amountMin')}
            </label>
            <input type="number" min={0} inputMode="numeric" {...field('amountMin')} />
            <span aria-hidden="true">〜</span>
            <label htmlFor="search-amountMax" className="visually-hidden">
              {t('search.amountMax')}
            </label>
            <input type="number" min={0} inputMode="numeric" {...field('amountMax')} />
          </fieldset>
          <div className="field">
            <label htmlFor="search-counterparty">{t('search.counterparty')}</label>
            <input {...field('counterparty')} />
          </div>
          <div className="field">
            <label htmlFor="search-title">{t('search.contractTitle')}</label>
            <input {...field('title')} />
          </div>
          <div className="field">
            <label htmlFor="search-status">{t('search.status')}</label>
            <select {...field('status')}>
              <option value="">{t('search.anyStatus')}</option>
              {ENVELOPE_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`status.${s}`)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="actions">
          <button type="submit" className="primary">
            {t('search.submit')}
          </button>
          <button
            type="button"
            onClick={() => {
              setFilters(EMPTY);
              apply(EMPTY);
            }}
          >
            {t('search.clear')}
          </button>
        </div>
      </form>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      {items === undefined ? null : items.length === 0 ? (
        <p className="card empty">{t(searched(applied) ? 'dashboard.empty' : 'dashboard.none')}</p>
      ) : (
        <ScrollBox>
          <table className="table cards" aria-label={t('dashboard.title')}>
            <thead>
              <tr>
                <th scope="col">{t('envelope.status')}</th>
                <th scope="col">{t('envelope.title')}</th>
                <th scope="col">{t('envelope.counterparty')}</th>
                <th scope="col">{t('envelope.transactionDate')}</th>
                <th scope="col" className="num">
                  {t('envelope.amount')}
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id} data-envelope={item.id}>
                  <td data-label={t('envelope.status')}>
                    <StatusBadge status={item.status} />
                  </td>
                  <td data-label={t('envelope.title')} className="card-title">
                    <Link to={`/envelopes/${item.id}`}>{item.title}</Link>
                  </td>
                  <td data-label={t('envelope.counterparty')}>{item.counterparty}</td>
                  <td data-label={t('envelope.transactionDate')}>
                    {formatDate(item.transactionDate, lang, era === 'japanese')}
                  </td>
                  <td data-label={t('envelope.amount')} className="num">
                    {formatAmount(item.amount, item.currency, lang)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      )}
      {next !== undefined ? (
        <div className="actions">
          <button type="button" onClick={() => void load(next.filters, next.cursor)}>
            {t('dashboard.more')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
