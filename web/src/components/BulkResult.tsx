import { useI18n } from '../i18n/index.tsx';
import type { BulkJobView } from '../pages/envelope-types.ts';
import { Link } from '../router.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { ScrollBox } from './ScrollBox.tsx';

/** GET /api/bulk-jobs/:id: the job's progress and each row's outcome so far. */
export type BulkJob = Pick<
  BulkJobView,
  'jobId' | 'status' | 'total' | 'done' | 'created' | 'failed' | 'accessCodes' | 'rows'
>;
type BulkRowResult = BulkJob['rows'][number];

/** A job and, for each of its rows (by index), the CSV line it came from. */
export interface BulkResultView {
  readonly lines: readonly number[];
  readonly job: BulkJob;
}

function ProgressLine({ job }: { job: BulkJob }) {
  const { t } = useI18n();
  return (
    <>
      <p
        role="status"
        data-status={job.status}
        data-done={job.done}
        data-created={job.created}
        data-failed={job.failed}
      >
        {job.status === 'done'
          ? t('bulk.resultSummary', { created: job.created, failed: job.failed })
          : t('bulk.progress', { done: job.done, total: job.total, failed: job.failed })}
      </p>
      {job.status !== 'done' ? (
        <progress max={job.total} value={job.done} aria-label={t('bulk.result')} />
      ) : null}
    </>
  );
}

/** The access codes are handed out once, after the job is done. */
function TakeCodes({ job, onTake }: { job: BulkJob; onTake: () => void }) {
  const { t } = useI18n();
  if (job.status !== 'done' || job.accessCodes === 'none') return null;
  return (
    <div className="actions" data-codes={job.accessCodes}>
      {job.accessCodes === 'ready' ? (
        <button type="button" className="primary" onClick={onTake}>
          {t('bulk.takeCodes')}
        </button>
      ) : (
        <p className="small">{t('bulk.codesTaken')}</p>
      )}
    </div>
  );
}

function RowOutcome({ row }: { row: BulkRowResult }) {
  const { lang, t } = useI18n();
  if (row.envelopeId !== undefined)
    return (
      <Link to={`/envelopes/${row.envelopeId}`}>
        {row.status === 'awaiting-approval' ? t('bulk.awaitingApproval') : t('bulk.sent')}
      </Link>
    );
  return (
    <div className="field-error" role="note">
      <p>{row.error?.message[lang] ?? t('error.generic')}</p>
      <p className="small">{t('bulk.rowHint')}</p>
      {row.error !== undefined ? <p className="code">{row.error.code}</p> : null}
    </div>
  );
}

/** 一括送信's outcome: progress while the job runs, then each row's envelope or error and the codes. */
export function BulkResult({
  result,
  codesError,
  onTakeCodes,
}: {
  result: BulkResultView;
  codesError: unknown;
  onTakeCodes: () => void;
}) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="bulk-result" aria-live="polite">
      <h2 id="bulk-result">{t('bulk.result')}</h2>
      <ProgressLine job={result.job} />
      <TakeCodes job={result.job} onTake={onTakeCodes} />
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
                  <RowOutcome row={r} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollBox>
      <p className="small">{t('bulk.codesNote')}</p>
      <Link to="/envelopes">{t('bulk.toList')}</Link>
    </section>
  );
}
