import { type FormEvent, useState } from 'react';
import { sendJson } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Envelope } from '../pages/envelope-types.ts';
import { ErrorNotice } from './ErrorNotice.tsx';

/**
 * 訂正: changes a record's search metadata (電帳法) with a required reason. Only fields whose value
 * changed are sent; the server logs before/after, who, when and why, and refuses users who may not.
 */
export function CorrectionForm({ record, onCorrected }: { record: Envelope; onCorrected: () => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState(record.title);
  const [counterparty, setCounterparty] = useState(record.counterparty);
  const [date, setDate] = useState(record.transactionDate ?? '');
  const [amount, setAmount] = useState(record.amount === null ? '' : String(record.amount));
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(undefined);
    setError(undefined);
    setDone(false);
    const changes: Record<string, string | number | null> = {};
    if (title.trim() !== record.title) changes.title = title.trim();
    if (counterparty.trim() !== record.counterparty) changes.counterparty = counterparty.trim();
    if (date !== (record.transactionDate ?? '')) changes.transactionDate = date === '' ? null : date;
    const newAmount = amount.trim() === '' ? null : Number.parseInt(amount, 10);
    if (newAmount !== record.amount) changes.amount = newAmount;
    if (Object.keys(changes).length === 0) {
      setProblem(t('correct.nothing'));
      return;
    }
    setBusy(true);
    try {
      await sendJson('POST', '/api/corrections', { recordId: record.id, reason: reason.trim(), changes });
      setReason('');
      setDone(true);
      setOpen(false);
      onCorrected();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="correct-heading">
      <h2 id="correct-heading">{t('correct.title')}</h2>
      <p className="lead small">{t('correct.lead')}</p>
      {done ? (
        <p role="status" className="notice notice-info">
          {t('correct.done')}
        </p>
      ) : null}
      {!open ? (
        <button
          type="button"
          onClick={() => setOpen(true)}
          aria-expanded={false}
          aria-controls="correct-form"
        >
          {t('correct.open')}
        </button>
      ) : (
        <form id="correct-form" className="form-grid" onSubmit={submit}>
          <div className="field">
            <label htmlFor="correct-title">{t('envelope.title')}</label>
            <input
              id="correct-title"
              required
              maxLength={200}
              value={title}
              onChange={(e) => setTitle(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="correct-counterparty">{t('envelope.counterparty')}</label>
            <input
              id="correct-counterparty"
              required
              maxLength={200}
              value={counterparty}
              onChange={(e) => setCounterparty(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="correct-date">{t('envelope.transactionDate')}</label>
            <input id="correct-date" type="date" value={date} onChange={(e) => setDate(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="correct-amount">{t('envelope.amountYen')}</label>
            <input
              id="correct-amount"
              type="number"
              min={0}
              inputMode="numeric"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
            />
          </div>
          <div className="field wide-field">
            <label htmlFor="correct-reason">{t('correct.reason')}</label>
            <textarea
              id="correct-reason"
              required
              maxLength={1000}
              rows={2}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
          {problem !== undefined ? (
            <p role="alert" className="notice notice-error wide-field">
              {problem}
            </p>
          ) : null}
          {error !== undefined ? <ErrorNotice error={error} hint="hint.checkForm" /> : null}
          <div className="actions wide-field">
            <button type="submit" className="primary" disabled={busy}>
              {t('correct.submit')}
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              {t('correct.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
