import { useEffect, useMemo, useState } from 'react';
import { ApiError, getJson, saveBytes, sendJson } from '../api.ts';
import { type BulkJob, BulkResult, type BulkResultView } from '../components/BulkResult.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ScrollBox } from '../components/ScrollBox.tsx';
import { type CsvEncoding, type CsvPreview, decodeCsv, type PreviewRow, previewCsv } from '../csv.ts';
import { useI18n } from '../i18n/index.tsx';
import type { TakenCodes } from './envelope-types.ts';
import { openSlots, type TemplateView } from './template-types.ts';

/** The server's default maximum (ContractsSettings.maxBulkRows); a lower configured one answers 413. */
const DEFAULT_MAX_ROWS = 500;

const POLL_MS = 1000;

/** The codes as a CSV (UTF-8 with BOM, so spreadsheet software reads the Japanese headers). */
function codesCsv(codes: TakenCodes['codes'], lines: readonly number[]): string {
  const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const body = codes.map((c) =>
    [String(lines[c.index] ?? c.index + 1), c.email, c.accessCode].map(quote).join(','),
  );
  return `\ufeffline,email,accessCode\r\n${body.join('\r\n')}\r\n`;
}

function queuedJob(queued: { jobId: string; total: number }): BulkJob {
  return {
    jobId: queued.jobId,
    status: 'queued',
    total: queued.total,
    done: 0,
    created: 0,
    failed: 0,
    accessCodes: 'none',
    rows: [],
  };
}

/** Sends the ready rows as one job, polls it until it is done, and takes its access codes once. */
function useBulkJob(templateId: string, setError: (error: unknown) => void) {
  const [result, setResult] = useState<BulkResultView | undefined>();
  const [codesError, setCodesError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
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
  }, [polling, setError]);

  async function send(ready: readonly PreviewRow[]) {
    setError(undefined);
    setResult(undefined);
    setBusy(true);
    try {
      const queued = await sendJson<{ jobId: string; total: number }>(
        'POST',
        `/api/templates/${templateId}/bulk-send`,
        { rows: ready.map((r) => r.row) },
      );
      setResult({ lines: ready.map((r) => r.line), job: queuedJob(queued) });
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
  return { result, clear: () => setResult(undefined), polling, busy, codesError, send, takeCodes };
}

/** The CSV, from a file (UTF-8 or Shift_JIS, told apart by decodeCsv) or pasted. */
function CsvInput({
  text,
  encoding,
  onInput,
}: {
  text: string;
  encoding: CsvEncoding | undefined;
  onInput: (text: string, encoding: CsvEncoding | undefined) => void;
}) {
  const { t } = useI18n();
  return (
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
            void chosen.arrayBuffer().then((bytes) => {
              const decoded = decodeCsv(bytes);
              onInput(decoded.text, decoded.encoding);
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
          onChange={(e) => onInput(e.target.value, undefined)}
        />
      </div>
    </section>
  );
}

function PreviewLine({ row }: { row: PreviewRow }) {
  const { t } = useI18n();
  const v = row.values;
  return (
    <tr data-line={row.line} data-valid={row.row !== undefined}>
      <td className="num">{row.line}</td>
      <td>{v.email ?? '—'}</td>
      <td>{v.name ?? '—'}</td>
      <td>{v.company ?? '—'}</td>
      <td className="small">
        {[v.title, v.counterparty, v.transactionDate, v.amount].filter((x) => x !== undefined).join(' / ') ||
          '—'}
      </td>
      <td>
        {row.problems.length === 0 ? (
          <span className="badge badge-ok">{t('bulk.ok')}</span>
        ) : (
          <ul className="row-problems">
            {row.problems.map((p) => (
              <li key={p.key + (p.column ?? '')} className="field-error">
                {t(p.key, { column: p.column ?? '' })}
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}

/** Each row checked before anything is sent: missing columns, the count of ready and invalid rows. */
function PreviewSummary({ preview, ready }: { preview: CsvPreview; ready: number }) {
  const { t } = useI18n();
  const invalid = preview.rows.length - ready;
  return (
    <>
      {preview.missing.length > 0 ? (
        <p role="alert" className="notice notice-error">
          {t('bulk.missingColumns', { columns: preview.missing.join(', ') })}
        </p>
      ) : (
        <p role="status" data-ready={ready} data-invalid={invalid}>
          {t('bulk.summary', { ready, invalid })}
        </p>
      )}
      {DEFAULT_MAX_ROWS < ready ? (
        <p role="alert" className="notice notice-error">
          {t('bulk.overLimit', { max: DEFAULT_MAX_ROWS })}
        </p>
      ) : null}
    </>
  );
}

function BulkPreview({
  preview,
  ready,
  busy,
  canSend,
  onSend,
}: {
  preview: CsvPreview;
  ready: number;
  busy: boolean;
  canSend: boolean;
  onSend: () => void;
}) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="bulk-preview">
      <h2 id="bulk-preview">{t('bulk.preview')}</h2>
      <PreviewSummary preview={preview} ready={ready} />
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
              <PreviewLine key={r.line} row={r} />
            ))}
          </tbody>
        </table>
      </ScrollBox>
      <div className="actions">
        <button type="button" className="primary" disabled={busy || !canSend} onClick={onSend}>
          {busy ? t('bulk.sending') : t('bulk.send', { n: ready })}
        </button>
      </div>
    </section>
  );
}

/**
 * Bulk send (一括送信): a CSV (pasted, or a file in UTF-8 or Shift_JIS) with one counterparty per row
 * fills the template's open slot; rows are checked before sending and each row's outcome is shown.
 */
export function BulkSendPage({ id }: { id: string }) {
  const { t } = useI18n();
  const [template, setTemplate] = useState<TemplateView | undefined>();
  const [text, setText] = useState('');
  const [encoding, setEncoding] = useState<CsvEncoding | undefined>();
  const [error, setError] = useState<unknown>();
  const bulk = useBulkJob(id, setError);
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
  const tooLarge = error instanceof ApiError && error.code === 'SHOMEI_BULK_TOO_LARGE';
  const result = bulk.result;
  return (
    <div className="bulk">
      <h1>{t('bulk.title', { name: template.name })}</h1>
      <p className="lead">{t('bulk.lead', { slot: slots[0]?.label ?? '—' })}</p>
      {slots.length !== 1 ? (
        <p role="alert" className="notice notice-error">
          {t('bulk.needOneSlot', { n: slots.length })}
        </p>
      ) : null}
      <CsvInput
        text={text}
        encoding={encoding}
        onInput={(next, nextEncoding) => {
          bulk.clear();
          setError(undefined);
          setEncoding(nextEncoding);
          setText(next);
        }}
      />
      {preview !== undefined ? (
        <BulkPreview
          preview={preview}
          ready={ready.length}
          busy={bulk.busy}
          canSend={bulk.polling === undefined && ready.length > 0 && slots.length === 1}
          onSend={() => void bulk.send(ready)}
        />
      ) : null}
      {error !== undefined ? (
        <ErrorNotice error={error} hint={tooLarge ? 'bulk.hint.tooLarge' : 'hint.checkForm'} />
      ) : null}
      {result !== undefined ? (
        <BulkResult
          result={result}
          codesError={bulk.codesError}
          onTakeCodes={() => void bulk.takeCodes(result.job, result.lines)}
        />
      ) : null}
    </div>
  );
}
