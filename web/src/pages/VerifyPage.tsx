import { type FormEvent, useState } from 'react';
import { uploadForm } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useI18n } from '../i18n/index.tsx';
import { VerifyResult } from './VerifyResult.tsx';
import type { ValidationReport } from './verify-types.ts';

type State =
  | { step: 'idle' }
  | { step: 'uploading'; percent: number }
  | { step: 'checking' }
  | { step: 'done'; report: ValidationReport }
  | { step: 'failed'; error: unknown };

/** The public verifier: no login, any signed PDF or CAdES file. */
export function VerifyPage() {
  const { lang, t } = useI18n();
  const [file, setFile] = useState<File | undefined>();
  const [data, setData] = useState<File | undefined>();
  const [state, setState] = useState<State>({ step: 'idle' });
  const [missing, setMissing] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (file === undefined) {
      setMissing(true);
      return;
    }
    setMissing(false);
    const form = new FormData();
    form.append('file', file, file.name);
    if (data !== undefined) form.append('data', data, data.name);
    setState({ step: 'uploading', percent: 0 });
    try {
      const report = await uploadForm<ValidationReport>(`/api/verify?lang=${lang}`, form, (fraction) =>
        setState(
          fraction >= 1 ? { step: 'checking' } : { step: 'uploading', percent: Math.round(fraction * 100) },
        ),
      );
      setState({ step: 'done', report });
    } catch (error) {
      setState({ step: 'failed', error });
    }
  }

  const busy = state.step === 'uploading' || state.step === 'checking';
  return (
    <div className="verify">
      <h1>{t('verify.title')}</h1>
      <p className="lead">{t('verify.lead')}</p>
      <form className="card form" onSubmit={submit} noValidate>
        <label htmlFor="verify-file">{t('verify.file')}</label>
        <input
          id="verify-file"
          name="file"
          type="file"
          accept=".pdf,.p7s,.p7m,application/pdf,application/pkcs7-signature"
          aria-invalid={missing}
          onChange={(e) => setFile(e.target.files?.[0])}
        />
        <label htmlFor="verify-data">{t('verify.data')}</label>
        <input id="verify-data" name="data" type="file" onChange={(e) => setData(e.target.files?.[0])} />
        {missing ? (
          <p role="alert" className="field-error">
            {t('verify.noFile')}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {t('verify.submit')}
        </button>
        {state.step === 'uploading' ? (
          <div className="progress" role="status">
            <progress max={100} value={state.percent} />
            <span>{t('verify.uploading', { percent: state.percent })}</span>
          </div>
        ) : null}
        {state.step === 'checking' ? (
          <p className="progress" role="status">
            {t('verify.checking')}
          </p>
        ) : null}
      </form>
      {state.step === 'failed' ? <ErrorNotice error={state.error} /> : null}
      {state.step === 'done' ? <VerifyResult report={state.report} /> : null}
    </div>
  );
}
