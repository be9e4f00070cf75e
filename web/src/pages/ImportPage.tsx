import { type FormEvent, useState } from 'react';
import { uploadBytes } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useI18n } from '../i18n/index.tsx';
import { usePath } from '../router.tsx';
import type { ImportView } from './import-types.ts';

/**
 * 取込: a contract signed elsewhere, or a scanned paper contract, with the metadata 電帳法 search
 * needs (title, counterparty, transaction date, amount — all required).
 */
export function ImportPage() {
  const { t } = useI18n();
  const { navigate } = usePath();
  const [title, setTitle] = useState('');
  const [counterparty, setCounterparty] = useState('');
  const [date, setDate] = useState('');
  const [amount, setAmount] = useState('');
  const [source, setSource] = useState<'electronic' | 'paper-scan'>('electronic');
  const [file, setFile] = useState<{ name: string; bytes: ArrayBuffer } | undefined>();
  const [progress, setProgress] = useState<number | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(undefined);
    setError(undefined);
    if (file === undefined) {
      setProblem(t('new.needFile'));
      return;
    }
    // The PDF goes as application/pdf and the metadata as query parameters (no multipart parser).
    const query = new URLSearchParams({
      title: title.trim(),
      counterparty: counterparty.trim(),
      transactionDate: date,
      amount: amount.trim(),
      source,
      documentName: file.name,
    });
    setProgress(0);
    try {
      const view = await uploadBytes<ImportView>(
        `/api/imports?${query}`,
        file.bytes,
        'application/pdf',
        setProgress,
      );
      navigate(`/imports/${view.record.id}`);
    } catch (e) {
      setError(e);
      setProgress(undefined);
    }
  }

  const busy = progress !== undefined;
  return (
    <form className="new-envelope" onSubmit={submit}>
      <h1>{t('import.title')}</h1>
      <p className="lead">{t('import.lead')}</p>
      <section className="card form-grid" aria-labelledby="import-facts">
        <h2 id="import-facts">{t('new.basics')}</h2>
        <div className="field">
          <label htmlFor="import-title">{t('envelope.title')}</label>
          <input
            id="import-title"
            required
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="import-counterparty">{t('envelope.counterparty')}</label>
          <input
            id="import-counterparty"
            required
            maxLength={200}
            value={counterparty}
            onChange={(e) => setCounterparty(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="import-date">{t('envelope.transactionDate')}</label>
          <input
            id="import-date"
            type="date"
            required
            value={date}
            onChange={(e) => setDate(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="import-amount">{t('envelope.amountYen')}</label>
          <input
            id="import-amount"
            type="number"
            min={0}
            required
            inputMode="numeric"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="import-source">{t('import.source')}</label>
          <select
            id="import-source"
            value={source}
            onChange={(e) => setSource(e.target.value === 'paper-scan' ? 'paper-scan' : 'electronic')}
          >
            <option value="electronic">{t('import.source.electronic')}</option>
            <option value="paper-scan">{t('import.source.paper-scan')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="import-file">{t('import.file')}</label>
          <input
            id="import-file"
            type="file"
            accept="application/pdf,.pdf"
            required
            onChange={(e) => {
              const chosen = e.target.files?.[0];
              if (chosen === undefined) return;
              void chosen.arrayBuffer().then((bytes) => setFile({ name: chosen.name, bytes }));
            }}
          />
        </div>
        <p className="small wide-field">{t('import.required')}</p>
      </section>
      {progress !== undefined ? (
        <div className="progress" role="status">
          <progress max={100} value={Math.round(progress * 100)} aria-label={t('import.progress')} />
          <span>
            {progress < 1
              ? t('verify.uploading', { percent: Math.round(progress * 100) })
              : t('import.validating')}
          </span>
        </div>
      ) : null}
      {problem !== undefined ? (
        <p role="alert" className="notice notice-error">
          {problem}
        </p>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} hint="import.hint" /> : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('import.importing') : t('import.submit')}
        </button>
      </div>
    </form>
  );
}
