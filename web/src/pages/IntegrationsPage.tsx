import { ApiKeysSection } from '../components/ApiKeysSection.tsx';
import { WebhooksSection } from '../components/WebhooksSection.tsx';
import { useI18n } from '../i18n/index.tsx';
import { holdsTenant, usePrivileges } from '../privileges.ts';

/** /settings/integrations: tenant administrators' API keys and webhooks (the server checks too). */
export function IntegrationsPage() {
  const { t } = useI18n();
  const { loaded, mine } = usePrivileges();
  if (!loaded) return <p role="status">{t('common.loading')}</p>;
  return (
    <div>
      <h1>{t('integ.title')}</h1>
      <p className="lead">{t('integ.lead')}</p>
      {holdsTenant(mine, 'tenant.admin') ? (
        <>
          <ApiKeysSection />
          <WebhooksSection />
        </>
      ) : (
        <p className="notice">{t('integ.forbidden')}</p>
      )}
    </div>
  );
}
