import { useCallback, useEffect, useState } from 'react';
import { getJson } from '../api.ts';
import { CorrectionForm } from '../components/CorrectionForm.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { formatDateTime } from '../format.ts';
import { formatAmount, formatDate } from '../format-money.ts';
import { useI18n } from '../i18n/index.tsx';
import { Link } from '../router.tsx';
import type { ImportView } from './import-types.ts';
import { VerifyResult } from './VerifyResult.tsx';

/** An imported record: its search metadata, the stored validation of each signature, and 訂正. */
export function ImportDetailPage({ id }: { id: string }) {
  const { lang, era, t } = useI18n();
  const [view, setView] = useState<ImportView | undefined>();
  const [error, setError] = useState<unknown>();
  const load = useCallback(() => {
    getJson<ImportView>(`/api/imports/${id}`).then(setView).catch(setError);
  }, [id]);
  useEffect(load, [load]);

  if (view === undefined)
    return error === undefined ? (
      <p role="status">{t('common.loading')}</p>
    ) : (
      <ErrorNotice error={error} hint="hint.reload" />
    );
  const { record, import: facts, validation } = view;
  return (
    <div className="envelope">
      <div className="title-row">
        <h1>{record.title}</h1>
        <StatusBadge status={record.status} />
      </div>
      <div className="two-col">
        <section className="card" aria-labelledby="import-facts-heading">
          <h2 id="import-facts-heading">{t('envelope.facts')}</h2>
          <dl className="facts">
            <dt>{t('envelope.counterparty')}</dt>
            <dd>{record.counterparty}</dd>
            <dt>{t('envelope.transactionDate')}</dt>
            <dd>{formatDate(record.transactionDate, lang, era === 'japanese')}</dd>
            <dt>{t('envelope.amount')}</dt>
            <dd data-amount={record.amount ?? ''}>{formatAmount(record.amount, record.currency, lang)}</dd>
            <dt>{t('import.source')}</dt>
            <dd>{t(`import.source.${facts.source}`)}</dd>
            <dt>{t('import.importedAt')}</dt>
            <dd>{formatDateTime(facts.importedAt, lang, era)}</dd>
            <dt>{t('envelope.retention')}</dt>
            <dd>{formatDateTime(record.retentionUntil ?? undefined, lang, era)}</dd>
            <dt>{t('verify.document')}</dt>
            <dd>{record.documents[0]?.name ?? '—'}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="import-sig-heading">
          <h2 id="import-sig-heading">{t('import.signatures')}</h2>
          {facts.signatureStatus === 'none' ? (
            <p data-signature-status="none">
              <span className="badge badge-neutral">{t('import.noSignature')}</span>
            </p>
          ) : (
            <p data-signature-status="signed">{t('import.signatureCount', { n: facts.signatures })}</p>
          )}
          {facts.validationError !== null ? (
            <p className="notice notice-error">
              {t('import.validationError', { reason: facts.validationError })}
            </p>
          ) : null}
          {facts.signatureStatus === 'signed' ? <p className="small">{t('import.offlineNote')}</p> : null}
          <Link to={`/envelopes/${record.id}`}>{t('import.timeline')}</Link>
        </section>
      </div>
      {validation !== null ? <VerifyResult report={validation} /> : null}
      <CorrectionForm record={record} onCorrected={load} />
    </div>
  );
}
