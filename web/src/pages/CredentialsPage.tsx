import { CertificatesSection } from '../components/CertificatesSection.tsx';
import { ConsoleNav } from '../components/ConsoleNav.tsx';
import { CredentialsSection } from '../components/CredentialsSection.tsx';
import { useI18n } from '../i18n/index.tsx';
import { holds, usePrivileges } from '../privileges.ts';
import '../console.css';

/**
 * Operator console — signing credentials of the remote signature service and certificates of the
 * embedded CA: filters, details, suspend / resume / unlock at once, revocation by dual control.
 */
export function CredentialsPage() {
  const { t } = useI18n();
  const { loaded, mine } = usePrivileges();
  return (
    <div>
      <h1>{t('console.credentials.title')}</h1>
      <ConsoleNav />
      <p className="lead">{t('console.credentials.lead')}</p>
      {!loaded ? <p role="status">{t('common.loading')}</p> : null}
      {loaded && !holds(mine, 'credentials.read') && !holds(mine, 'certificates.read') ? (
        <div role="alert" className="notice notice-error">
          <p>{t('console.notPermitted')}</p>
        </div>
      ) : null}
      {holds(mine, 'credentials.read') ? <CredentialsSection mine={mine} /> : null}
      {holds(mine, 'certificates.read') ? <CertificatesSection mine={mine} /> : null}
    </div>
  );
}
