import { type FormEvent, useEffect, useState } from 'react';
import { getBytes, sendJson } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Envelope } from '../pages/envelope-types.ts';
import { ErrorNotice } from './ErrorNotice.tsx';
import { type ApprovalView, InternalApproval } from './InternalApproval.tsx';
import { PdfPages } from './LazyPdfPages.tsx';

/** リマインド送信 and the envelope's reminder settings, for the sender of a live envelope. */
export function SenderReminders({ envelope }: { envelope: Envelope }) {
  const { t } = useI18n();
  const [reminded, setReminded] = useState<readonly { email: string }[] | undefined>();
  const [interval, setIntervalDays] = useState('3');
  const [max, setMax] = useState('3');
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function remind() {
    setError(undefined);
    setReminded(undefined);
    setBusy(true);
    try {
      const r = await sendJson<{ reminded: { email: string }[] }>(
        'POST',
        `/api/envelopes/${envelope.id}/remind`,
      );
      setReminded(r.reminded);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  async function save(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setSaved(false);
    try {
      await sendJson('PUT', `/api/envelopes/${envelope.id}/reminders`, {
        intervalDays: Number.parseInt(interval, 10),
        maxReminders: Number.parseInt(max, 10),
      });
      setSaved(true);
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section className="card" aria-labelledby="remind-heading">
      <h2 id="remind-heading">{t('reminders.title')}</h2>
      {envelope.status === 'sent' ? (
        <div className="actions">
          <button type="button" className="primary" onClick={() => void remind()} disabled={busy}>
            {t('reminders.now')}
          </button>
        </div>
      ) : null}
      {reminded !== undefined ? (
        <p role="status" className="notice notice-info" data-reminded={reminded.length}>
          {t('reminders.sent', { n: reminded.length, to: reminded.map((r) => r.email).join(', ') })}
        </p>
      ) : null}
      <form className="form-grid" onSubmit={save} aria-label={t('reminders.settings')}>
        <div className="field">
          <label htmlFor="env-interval">{t('reminders.interval')}</label>
          <input
            id="env-interval"
            type="number"
            min={1}
            max={90}
            required
            inputMode="numeric"
            value={interval}
            onChange={(e) => setIntervalDays(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="env-max">{t('reminders.max')}</label>
          <input
            id="env-max"
            type="number"
            min={0}
            max={20}
            required
            inputMode="numeric"
            value={max}
            onChange={(e) => setMax(e.target.value)}
          />
          <small>{t('reminders.offNote')}</small>
        </div>
        <div className="actions wide-field">
          <button type="submit">{t('reminders.save')}</button>
          {saved ? <span role="status">{t('reminders.saved')}</span> : null}
        </div>
      </form>
      {error !== undefined ? <ErrorNotice error={error} hint="reminders.hint" /> : null}
    </section>
  );
}

/** What an internal approver sees of a draft they may not otherwise open: facts, the PDF, the decision. */
export function ApproverView({ approval, onChanged }: { approval: ApprovalView; onChanged: () => void }) {
  const { t } = useI18n();
  const [bytes, setBytes] = useState<ArrayBuffer | undefined>();
  const envelope = approval.envelope;
  const document = envelope.documents[0];
  useEffect(() => {
    if (document === undefined) return;
    getBytes(`/api/envelopes/${envelope.id}/internal-approval/documents/${document.id}`)
      .then(setBytes)
      .catch(() => setBytes(undefined));
  }, [envelope.id, document]);
  return (
    <div className="envelope">
      <h1>{envelope.title}</h1>
      <p className="lead">{t('approval.approverLead')}</p>
      <InternalApproval envelopeId={envelope.id} isSender={false} onChanged={onChanged} onSent={() => {}} />
      <section className="card" aria-labelledby="approval-doc">
        <h2 id="approval-doc">{t('approval.document')}</h2>
        {bytes === undefined ? <p role="status">{t('pdf.loading')}</p> : <PdfPages bytes={bytes} />}
      </section>
    </div>
  );
}
