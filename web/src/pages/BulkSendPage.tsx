import { useEffect, useMemo, useState } from 'react';
import { ApiError, getJson, saveBytes, sendJson } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ScrollBox } from '../components/ScrollBox.tsx';
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
  readonly error?: { readonly code: string; readonly message: { ja: string; en: string } };
}

/** GET /api/bulk-jobs/:id: the job's progress and each row's outcome so far. */
interface BulkJob {
  readonly jobId: string;
  readonly status: 'queued' | 'running' | 'done';
  readonly total: number;
  readonly done: number;
  readonly created: number;
  readonly failed: number;
  readonly accessCodes: 'ready' | 'taken' | 'none';
  readonly rows: readonly BulkRowResult[];
}

interface TakenCodes {
  readonly codes: readonly { index: number; email: string; accessCode: string }[];
}

const POLL_MS = 1000;

/** The codes as a CSV (UTF-8 with BOM, so spreadsheet software reads the Japanese headers). */
function codesCsv(codes: TakenCodes['codes'], lines: readonly number[]): string {
  const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const body = codes.map((c) =>
    [String(lines[c.index] ?? c.index + 1), c.email, c.accessCode].map(quote).join(','),
  );
  return `\ufeffline,email,accessCode\r\n${body.join('\r\n')}\r\n`;
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
  const [result, setResult] = useState<{ lines: readonly number[]; job: BulkJob } | undefined>();
  const [codesError, setCodesError] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    getJson<TemplateView>(`/api/templates/${id}`).then(setTemplate).catch(setError);
  }, [id]);
  const preview = useMemo(() => (text.trim() === '' ? undefined : previewCsv(text)), [text]);
  // The job runs on the server after the answer: its progress is polled until it is done.
  const polling = result !== undefined && result.job.status !== 'done' ? result.job.jobId : undefined;
  useEffect(() => {
    if (polling === undefined) return;
    const timer = setInterval(() => {
      getJson<BulkJob>(`/api/bulk-jobs/${polling}`)
        .then((job) => setResult((r) => (r === undefined || r.job.jobId !== job.jobId ? r : { ...r, job })))
        .catch(setError);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [polling]);

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
      const queued = await sendJson<{ jobId: string; total: number }>(
        'POST',
        `/api/templates/${id}/bulk-send`,
        {
          rows: ready.map((r) => r.row),
        },
      );
      const job: BulkJob = {
        jobId: queued.jobId,
        status: 'queued',
        total: queued.total,
        done: 0,
        created: 0,
        failed: 0,
        accessCodes: 'none',
        rows: [],
      };
      setResult({ lines: ready.map((r) => r.line), job });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function takeCodes(job: BulkJob, lines: readonly number[]) {
    setCodesError(undefined);
    try {
      const taken = await sendJson<TakenCodes>('POST', `/api/bulk-jobs/${job.jobId}/access-codes`, {});
      saveBytes(codesCsv(taken.codes, lines), `access-codes-${job.jobId}.csv`, 'text/csv');
      setResult((r) => (r === undefined ? r : { ...r, job: { ...r.job, accessCodes: 'taken' } }));
    } catch (e) {
      setCodesError(e);
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
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a wide sample scrolls on a phone; the focus lets the arrow keys scroll it */}
        <pre className="csv-sample" tabIndex={0}>
          {t('bulk.sample')}
        </pre>
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
          <ScrollBox>
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
          </ScrollBox>
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={busy || polling !== undefined || ready.length === 0 || slots.length !== 1}
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
          <p
            role="status"
            data-status={result.job.status}
            data-done={result.job.done}
            data-created={result.job.created}
            data-failed={result.job.failed}
          >
            {result.job.status === 'done'
              ? t('bulk.resultSummary', { created: result.job.created, failed: result.job.failed })
              : t('bulk.progress', {
                  done: result.job.done,
                  total: result.job.total,
                  failed: result.job.failed,
                })}
          </p>
          {result.job.status !== 'done' ? (
            <progress max={result.job.total} value={result.job.done} aria-label={t('bulk.result')} />
          ) : null}
          {result.job.status === 'done' && result.job.accessCodes !== 'none' ? (
            <div className="actions" data-codes={result.job.accessCodes}>
              {result.job.accessCodes === 'ready' ? (
                <button
                  type="button"
                  className="primary"
                  onClick={() => void takeCodes(result.job, result.lines)}
                >
                  {t('bulk.takeCodes')}
                </button>
              ) : (
                <p className="small">{t('bulk.codesTaken')}</p>
              )}
            </div>
          ) : null}
          {codesError !== undefined ? <ErrorNotice error={codesError} hint="hint.reload" /> : null}
          <ScrollBox>
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
                        <Link to={`/envelopes/${r.envelopeId}`}>
                          {r.status === 'awaiting-approval' ? t('bulk.awaitingApproval') : t('bulk.sent')}
                        </Link>
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
          </ScrollBox>
          <p className="small">{t('bulk.codesNote')}</p>
          <Link to="/envelopes">{t('bulk.toList')}</Link>
        </section>
      ) : null}
    </div>
  );
}
