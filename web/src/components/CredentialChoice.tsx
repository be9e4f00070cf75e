import { useEffect, useState } from 'react';
import { getJson } from '../api.ts';
import { commonName } from '../cert-name.ts';
import { formatDate } from '../format-money.ts';
import { useI18n } from '../i18n/index.tsx';
import type { MyCredentials } from '../pages/my-certificate-types.ts';
import { Link } from '../router.tsx';

/**
 * The signer's own usable credentials (active, PIN and one-time factor set — or the login app, when
 * the tenant made it the signing factor), chosen at signing time.
 */
export function CredentialChoice({ value, onChange }: { value: string; onChange: (id: string) => void }) {
  const { lang, era, t } = useI18n();
  const [usable, setUsable] = useState<MyCredentials['credentials'] | undefined>();
  const [loginFactor, setLoginFactor] = useState(false);
  useEffect(() => {
    getJson<MyCredentials>('/api/me/credentials')
      .then((mine) => {
        const login = mine.signingFactor === 'login-totp';
        const ready = mine.credentials.filter(
          (c) => c.status === 'active' && c.pinSet && (login || c.otpMethod !== null),
        );
        setLoginFactor(login);
        setUsable(ready);
        if (ready[0] !== undefined) onChange(ready[0].credentialID);
      })
      .catch(() => setUsable([]));
  }, [onChange]);
  if (usable === undefined) return <p role="status">{t('common.loading')}</p>;
  if (usable.length === 0)
    return (
      <p role="alert" className="notice notice-error">
        {t('sign.noCredential')} <Link to="/me/certificate">{t('nav.myCertificate')}</Link>
      </p>
    );
  return (
    <>
      <label htmlFor="sign-credential">{t('sign.credential')}</label>
      <select id="sign-credential" value={value} onChange={(e) => onChange(e.target.value)}>
        {usable.map((c) => (
          <option key={c.credentialID} value={c.credentialID}>
            {/* The person's name and when the certificate ends; the IDs are on the certificate page. */}
            {c.certificate === null
              ? c.credentialID
              : t('sign.credentialOption', {
                  name: commonName(c.certificate.subjectDN),
                  until: formatDate(c.certificate.validTo.slice(0, 10), lang, era === 'japanese'),
                })}
          </option>
        ))}
      </select>
      {loginFactor ? <small data-testid="login-factor-note">{t('sign.loginFactorNote')}</small> : null}
    </>
  );
}
