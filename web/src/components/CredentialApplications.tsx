import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { getJson, sendJson } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n/index.tsx';
import type { CredentialApplication } from '../pages/console-types.ts';
import { ErrorNotice } from './ErrorNotice.tsx';

type Application = CredentialApplication;

const METHODS = [
  'in-person',
  'identity-document-copy',
  'jpki',
  'ekyc',
  'corporate-registry',
  'employer-attestation',
  'other',
] as const;

/** One application: the identity check (method and reference) is recorded with the approval. */
function Decision({
  application,
  onDecided,
}: {
  application: Application;
  onDecided: (message: string) => void;
}) {
  const { t } = useI18n();
  const [method, setMethod] = useState<string>('identity-document-copy');
  const [reference, setReference] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const id = application.id;
  async function approve(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    try {
      await sendJson('POST', `/api/admin/credential-applications/${id}/approve`, {
        identityCheck: { method, reference: reference.trim() },
      });
      onDecided(t('ra.approved', { id }));
    } catch (e) {
      setError(e);
    }
  }
  async function reject() {
    setError(undefined);
    try {
      await sendJson('POST', `/api/admin/credential-applications/${id}/reject`, { reason: reason.trim() });
      onDecided(t('ra.rejected', { id }));
    } catch (e) {
      setError(e);
    }
  }
  return (
    <form className="form" onSubmit={approve} aria-label={application.subject} data-application={id}>
      <label htmlFor={`${id}-method`}>{t('ra.method')}</label>
      <select id={`${id}-method`} value={method} onChange={(e) => setMethod(e.target.value)}>
        {METHODS.map((m) => (
          <option key={m} value={m}>
            {t(`ra.method.${m}`)}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-ref`}>{t('ra.reference')}</label>
      <input
        id={`${id}-ref`}
        required
        maxLength={200}
        value={reference}
        onChange={(e) => setReference(e.target.value)}
      />
      <button type="submit" className="primary">
        {t('ra.approve')}
      </button>
      <label htmlFor={`${id}-reason`}>{t('ra.rejectReason')}</label>
      <input id={`${id}-reason`} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      <button type="button" onClick={() => void reject()} disabled={reason.trim() === ''}>
        {t('ra.reject')}
      </button>
      {error !== undefined ? <ErrorNotice error={error} hint="hint.operator" /> : null}
    </form>
  );
}

/** The RA queue of signing-certificate applications in the operator console. */
export function CredentialApplications() {
  const { lang, era, t } = useI18n();
  const [rows, setRows] = useState<readonly Application[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  const load = useCallback(() => {
    getJson<{ applications: Application[] }>('/api/admin/credential-applications?status=pending')
      .then((b) => setRows(b.applications))
      .catch(setError);
  }, []);
  useEffect(load, [load]);
  return (
    <section className="card" aria-labelledby="ra-h">
      <h2 id="ra-h">{t('ra.title')}</h2>
      {notice !== undefined ? <p role="status">{notice}</p> : null}
      {error !== undefined ? <ErrorNotice error={error} hint="hint.operator" /> : null}
      {rows === undefined && error === undefined ? <p role="status">{t('common.loading')}</p> : null}
      {rows !== undefined && rows.length === 0 ? <p className="empty">{t('ops.none')}</p> : null}
      {rows?.map((a) => (
        <article key={a.id} className="application" data-testid="credential-application">
          <h3>
            {a.subject}
            {a.renewsCredentialId === null ? null : ` ${t('mycert.app.renewal')}`}
          </h3>
          <p className="small">
            {t('ra.applicant')}: <code>{a.userId}</code> · {a.algorithm} ·{' '}
            {formatDateTime(a.submittedAt, lang, era)}
          </p>
          <Decision
            application={a}
            onDecided={(message) => {
              setNotice(message);
              load();
            }}
          />
        </article>
      ))}
    </section>
  );
}
