import { type FormEvent, useState } from 'react';
import { uploadBytes } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { TextField } from '../components/TextField.tsx';
import { useI18n } from '../i18n/index.tsx';
import { usePath } from '../router.tsx';
import type { ImportView } from './import-types.ts';

type ImportSource = 'electronic' | 'paper-scan';

/** What the form holds: the metadata 電帳法 search needs, and the PDF. */
interface ImportForm {
  readonly title: string;
  readonly counterparty: string;
  readonly date: string;
  readonly amount: string;
  readonly source: ImportSource;
  readonly file: { name: string; bytes: ArrayBuffer } | undefined;
}

const EMPTY_FORM: ImportForm = {
  title: '',
  counterparty: '',
  date: '',
  amount: '',
  source: 'electronic',
  file: undefined,
};

/** Uploads the PDF with its metadata and opens the imported record; progress, problem and error for the view. */
function useImportUpload(form: ImportForm) {
  const { t } = useI18n();
  const { navigate } = usePath();
  const [progress, setProgress] = useState<number | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(undefined);
    setError(undefined);
    if (form.file === undefined) {
      setProblem(t('new.needFile'));
      return;
    }
    // The PDF goes as application/pdf and the metadata as query parameters (no multipart parser).
    const query = new URLSearchParams({
      title: form.title.trim(),
      counterparty: form.counterparty.trim(),
      transactionDate: form.date,
      amount: form.amount.trim(),
      source: form.source,
      documentName: form.file.name,
    });
    setProgress(0);
    try {
      const view = await uploadBytes<ImportView>(
        `/api/imports?${query}`,
        form.file.bytes,
        'application/pdf',
        setProgress,
      );
      navigate(`/imports/${view.record.id}`);
    } catch (e) {
      setError(e);
      setProgress(undefined);
    }
  }
  return { submit, progress, problem, error };
}

/**
 * 取込: a contract signed elsewhere, or a scanned paper contract, with the metadata 電帳法 search
 * needs (title, counterparty, transaction date, amount — all required).
 */
export function ImportPage() {
  const { t } = useI18n();
  const [form, setForm] = useState<ImportForm>(EMPTY_FORM);
  const { submit, progress, problem, error } = useImportUpload(form);
  const busy = progress !== undefined;
  return (
    <form className="new-envelope" onSubmit={submit}>
      <h1>{t('import.title')}</h1>
      <p className="lead">{t('import.lead')}</p>
      <ImportFacts form={form} onChange={(change) => setForm((f) => ({ ...f, ...change }))} />
      {progress !== undefined ? <ImportProgress progress={progress} /> : null}
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

function ImportProgress({ progress }: { progress: number }) {
  const { t } = useI18n();
  return (
    <div className="progress" role="status">
      <progress max={100} value={Math.round(progress * 100)} aria-label={t('import.progress')} />
      <span>
        {progress < 1
          ? t('verify.uploading', { percent: Math.round(progress * 100) })
          : t('import.validating')}
      </span>
    </div>
  );
}

function ImportFacts({
  form,
  onChange,
}: {
  form: ImportForm;
  onChange: (change: Partial<ImportForm>) => void;
}) {
  const { t } = useI18n();
  return (
    <section className="card form-grid" aria-labelledby="import-facts">
      <h2 id="import-facts">{t('new.basics')}</h2>
      <TextField
        required
        id="import-title"
        label={t('envelope.title')}
        value={form.title}
        onChange={(title) => onChange({ title })}
      />
      <TextField
        required
        id="import-counterparty"
        label={t('envelope.counterparty')}
        value={form.counterparty}
        onChange={(counterparty) => onChange({ counterparty })}
      />
      <div className="field">
        <label htmlFor="import-date">{t('envelope.transactionDate')}</label>
        <input
          id="import-date"
          type="date"
          required
          value={form.date}
          onChange={(e) => onChange({ date: e.target.value })}
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
          value={form.amount}
          onChange={(e) => onChange({ amount: e.target.value })}
        />
      </div>
      <ImportSourceAndFile form={form} onChange={onChange} />
      <p className="small wide-field">{t('import.required')}</p>
    </section>
  );
}

function ImportSourceAndFile({
  form,
  onChange,
}: {
  form: ImportForm;
  onChange: (change: Partial<ImportForm>) => void;
}) {
  const { t } = useI18n();
  return (
    <>
      <div className="field">
        <label htmlFor="import-source">{t('import.source')}</label>
        <select
          id="import-source"
          value={form.source}
          onChange={(e) =>
            onChange({ source: e.target.value === 'paper-scan' ? 'paper-scan' : 'electronic' })
          }
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
            void chosen.arrayBuffer().then((bytes) => onChange({ file: { name: chosen.name, bytes } }));
          }}
        />
      </div>
    </>
  );
}
