import { useEffect, useMemo, useState } from 'react';
import { ApiError, getJson, sendJson } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { type CsvEncoding, decodeCsv, previewCsv } from '../csv.ts';
import { useI18n } from '../i18n/index.tsx';
import { Link } from '../router.tsx';
import { openSlots, type TemplateView } from './template-types.ts';

/** The server's default maximum (ContractsSettings.maxBulkRows); a lower configured one answers 413. */
const DEFAULT_MAX_ROWS = 500;

interface BulkRowResult {
  readonly index: number;
  readonly email: string | null;
  readonly envelopeId?: string;
  readonly status?: 'sent' | 'awaiting-approval';
  readonly accessCodes?: readonly { email: string; accessCode: string }[];
  readonly error?: { readonly code: string; readonly message: { ja: string; en: string } };
}

interface BulkResult {
  readonly jobId: string;
  readonly created: number;
  readonly failed: number;
  readonly rows: readonly BulkRowResult[];
}

/**
 * Bulk send (一括送信): a CSV (pasted, or a file in UTF-8 or Shift_JIS) with one counterparty per row
 * fills the template's open slot; rows are checked before sending and each row's outcome is shown.
 */
export function BulkSendPage({ id }: { id: string }) {
  const { lang, t } = useI18n();
  const [template, setTemplate] = useState<TemplateView | undefined>();
  const [text, setText] = useState('');
  const [encoding, setEncoding] = useState<CsvEncoding | undefined>();
  const [result, setResult] = useState<{ lines: readonly number[]; job: BulkResult } | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    getJson<TemplateView>(`/api/templates/${id}`).then(setTemplate).catch(setError);
  }, [id]);
  const preview = useMemo(() => (text.trim() === '' ? undefined : previewCsv(text)), [text]);

  if (template === undefined)
    return error === undefined ? (
      <p role="status">{t('common.loading')}</p>
    ) : (
      <ErrorNotice error={error} hint="hint.reload" />
    );
  const slots = openSlots(template);
  const ready = preview?.missing.length === 0 ? preview.rows.filter((r) => r.row !== undefined) : [];
  const invalid = (preview?.rows.length ?? 0) - ready.length;

  async function send() {
    setError(undefined);
    setResult(undefined);
    setBusy(true);
    try {
      const job = await sendJson<BulkResult>('POST', `/api/templates/${id}/bulk-send`, {
        rows: ready.map((r) => r.row),
      });
      setResult({ lines: ready.map((r) => r.line), job });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const tooLarge = error instanceof ApiError && error.code === 'SHOMEI_BULK_TOO_LARGE';
  return (
    <div className="bulk">
      <h1>{t('bulk.title', { name: template.name })}</h1>
      <p className="lead">{t('bulk.lead', { slot: slots[0]?.label ?? '—' })}</p>
      {slots.length !== 1 ? (
        <p role="alert" className="notice notice-error">
          {t('bulk.needOneSlot', { n: slots.length })}
        </p>
      ) : null}
      <section className="card" aria-labelledby="bulk-input">
        <h2 id="bulk-input">{t('bulk.input')}</h2>
        <p className="small">{t('bulk.format')}</p>
        <pre className="csv-sample">{t('bulk.sample')}</pre>
        <div className="field">
          <label htmlFor="bulk-file">{t('bulk.file')}</label>
          <input
            id="bulk-file"
            type="file"
            accept=".csv,text/csv,text/plain"
            onChange={(e) => {
              const chosen = e.target.files?.[0];
              if (chosen === undefined) return;
              setResult(undefined);
              setError(undefined);
              void chosen.arrayBuffer().then((bytes) => {
                const decoded = decodeCsv(bytes);
                setEncoding(decoded.encoding);
                setText(decoded.text);
              });
            }}
          />
          {encoding !== undefined ? (
            <small data-encoding={encoding}>
              {t('bulk.encoding', { encoding: t(`bulk.encoding.${encoding}`) })}
            </small>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="bulk-text">{t('bulk.paste')}</label>
          <textarea
            id="bulk-text"
            rows={6}
            spellCheck={false}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setEncoding(undefined);
              setResult(undefined);
              setError(undefined);
            }}
          />
        </div>
      </section>

      {preview !== undefined ? (
        <section className="card" aria-labelledby="bulk-preview">
          <h2 id="bulk-preview">{t('bulk.preview')}</h2>
          {preview.missing.length > 0 ? (
            <p role="alert" className="notice notice-error">
              {t('bulk.missingColumns', { columns: preview.missing.join(', ') })}
            </p>
          ) : (
            <p role="status" data-ready={ready.length} data-invalid={invalid}>
              {t('bulk.summary', { ready: ready.length, invalid })}
            </p>
          )}
          {DEFAULT_MAX_ROWS < ready.length ? (
            <p role="alert" className="notice notice-error">
              {t('bulk.overLimit', { max: DEFAULT_MAX_ROWS })}
            </p>
          ) : null}
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('bulk.line')}</th>
                  <th scope="col">{t('party.email')}</th>
                  <th scope="col">{t('party.name')}</th>
                  <th scope="col">{t('party.company')}</th>
                  <th scope="col">{t('bulk.fields')}</th>
                  <th scope="col">{t('bulk.check')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((r) => (
                  <tr key={r.line} data-line={r.line} data-valid={r.row !== undefined}>
                    <td className="num">{r.line}</td>
                    <td>{r.values.email ?? '—'}</td>
                    <td>{r.values.name ?? '—'}</td>
                    <td>{r.values.company ?? '—'}</td>
                    <td className="small">
                      {[r.values.title, r.values.counterparty, r.values.transactionDate, r.values.amount]
                        .filter((v) => v !== undefined)
                        .join(' / ') || '—'}
                    </td>
                    <td>
                      {r.problems.length === 0 ? (
                        <span className="badge badge-ok">{t('bulk.ok')}</span>
                      ) : (
                        <ul className="row-problems">
                          {r.problems.map((p) => (
                            <li key={p.key + (p.column ?? '')} className="field-error">
                              {t(p.key, { column: p.column ?? '' })}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={busy || ready.length === 0 || slots.length !== 1}
              onClick={() => void send()}
            >
              {busy ? t('bulk.sending') : t('bulk.send', { n: ready.length })}
            </button>
          </div>
        </section>
      ) : null}

      {error !== undefined ? (
        <ErrorNotice error={error} hint={tooLarge ? 'bulk.hint.tooLarge' : 'hint.checkForm'} />
      ) : null}

      {result !== undefined ? (
        <section className="card" aria-labelledby="bulk-result" aria-live="polite">
          <h2 id="bulk-result">{t('bulk.result')}</h2>
          <p data-created={result.job.created} data-failed={result.job.failed}>
            {t('bulk.resultSummary', { created: result.job.created, failed: result.job.failed })}
          </p>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('bulk.line')}</th>
                  <th scope="col">{t('party.email')}</th>
                  <th scope="col">{t('bulk.outcome')}</th>
                </tr>
              </thead>
              <tbody>
                {result.job.rows.map((r) => (
                  <tr key={r.index} data-result-line={result.lines[r.index]}>
                    <td className="num">{result.lines[r.index]}</td>
                    <td>{r.email ?? '—'}</td>
                    <td>
                      {r.envelopeId !== undefined ? (
                        <>
                          <Link to={`/envelopes/${r.envelopeId}`}>
                            {r.status === 'awaiting-approval' ? t('bulk.awaitingApproval') : t('bulk.sent')}
                          </Link>
                          {(r.accessCodes ?? []).map((c) => (
                            <div key={c.email} className="small">
                              {t('bulk.accessCode')} <code data-access-code={c.email}>{c.accessCode}</code>
                            </div>
                          ))}
                        </>
                      ) : (
                        <div className="field-error" role="note">
                          <p>{r.error?.message[lang] ?? t('error.generic')}</p>
                          <p className="small">{t('bulk.rowHint')}</p>
                          {r.error !== undefined ? <p className="code">{r.error.code}</p> : null}
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="small">{t('bulk.codesNote')}</p>
          <Link to="/envelopes">{t('bulk.toList')}</Link>
        </section>
      ) : null}
    </div>
  );
}
