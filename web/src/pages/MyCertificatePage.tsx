import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { getJson, sendJson } from '../api.ts';
import { commonName } from '../cert-name.ts';
import { CredentialCard } from '../components/CredentialCard.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n/index.tsx';
import type { MyCredentials } from './my-certificate-types.ts';

const ALGORITHMS = ['RSA-2048', 'RSA-3072', 'EC-P256'] as const;

/** The application form: the name and company the operator checks against identity documents. */
function ApplyForm({ onApplied }: { onApplied: () => void }) {
  const { t } = useI18n();
  const [commonName, setCommonName] = useState('');
  const [organisation, setOrganisation] = useState('');
  const [algorithm, setAlgorithm] = useState<string>(ALGORITHMS[0]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      await sendJson('POST', '/api/me/credentials/applications', {
        commonName: commonName.trim(),
        ...(organisation.trim() === '' ? {} : { organisation: organisation.trim() }),
        algorithm,
      });
      onApplied();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="card" aria-labelledby="apply-h">
      <h2 id="apply-h">{t('mycert.apply')}</h2>
      <p className="lead small">{t('mycert.applyLead')}</p>
      <form className="form" onSubmit={submit}>
        <label htmlFor="apply-cn">{t('mycert.commonName')}</label>
        <input
          id="apply-cn"
          required
          maxLength={64}
          value={commonName}
          onChange={(e) => setCommonName(e.target.value)}
        />
        <label htmlFor="apply-o">{t('mycert.organisation')}</label>
        <input
          id="apply-o"
          maxLength={64}
          value={organisation}
          onChange={(e) => setOrganisation(e.target.value)}
        />
        <label htmlFor="apply-alg">{t('mycert.algorithm')}</label>
        <select id="apply-alg" value={algorithm} onChange={(e) => setAlgorithm(e.target.value)}>
          {ALGORITHMS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
        <button type="submit" className="primary" disabled={busy}>
          {t('mycert.submit')}
        </button>
      </form>
      {error !== undefined ? <ErrorNotice error={error} hint="hint.checkForm" /> : null}
    </section>
  );
}

/** 電子証明書: the signed-in user's own signing credentials and applications (/me/certificate). */
export function MyCertificatePage() {
  const { lang, era, t } = useI18n();
  const [mine, setMine] = useState<MyCredentials | undefined>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  const load = useCallback(() => {
    getJson<MyCredentials>('/api/me/credentials').then(setMine).catch(setError);
  }, []);
  useEffect(load, [load]);
  const pending = mine?.applications.some((a) => a.status === 'pending') ?? false;
  const current = mine?.credentials.filter((c) => c.status !== 'pending-certificate') ?? [];
  return (
    <div>
      <h1>{t('mycert.title')}</h1>
      <p className="lead">{t('mycert.lead')}</p>
      {notice !== undefined ? (
        <p role="status" className="notice">
          {notice}
        </p>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} hint="hint.reload" /> : null}
      {mine === undefined ? <p role="status">{t('common.loading')}</p> : null}
      {mine !== undefined && current.length === 0 ? <p className="empty">{t('mycert.none')}</p> : null}
      {mine !== undefined ? (
        <p className="small" data-testid="signing-factor">
          {t(`mycert.factor.${mine.signingFactor}`)}
        </p>
      ) : null}
      {current.map((c) => (
        <CredentialCard
          key={c.credentialID}
          credential={c}
          signingFactor={mine?.signingFactor ?? 'credential-otp'}
          renewable={!pending}
          onChanged={(message) => {
            setNotice(message);
            load();
          }}
        />
      ))}
      {mine !== undefined && mine.applications.length > 0 ? (
        <section className="card" aria-labelledby="apps-h">
          <h2 id="apps-h">{t('mycert.applications')}</h2>
          <ul data-testid="my-applications">
            {mine.applications.map((a) => (
              <li key={a.id} data-status={a.status}>
                {formatDateTime(a.submittedAt, lang, era)} — {commonName(a.subject)} —{' '}
                {a.renewsCredentialId === null ? '' : `${t('mycert.app.renewal')} `}
                {t(`mycert.app.${a.status}`)}
                {a.decisionReason === null ? null : ` (${a.decisionReason})`}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {mine !== undefined && !pending ? (
        <ApplyForm
          onApplied={() => {
            setNotice(t('mycert.applied'));
            load();
          }}
        />
      ) : null}
    </div>
  );
}
