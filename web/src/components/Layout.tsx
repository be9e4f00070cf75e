import { type ReactNode, useEffect, useState } from 'react';
import { getJson, sendJson } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import type { EnvironmentView } from '../pages/console-types.ts';
import { consoleHome, holdsTenant, mayOpen, mayReadRecordLog, usePrivileges } from '../privileges.ts';
import { Link, usePath } from '../router.tsx';
import { useSession } from '../session.tsx';

type EnvironmentInfo = EnvironmentView;

export function Layout({ children }: { children: ReactNode }) {
  const { lang, era, setLang, setEra, t } = useI18n();
  const { user, refresh } = useSession();
  const { navigate } = usePath();
  // Menus follow GET /api/me/privileges; the server refuses the routes to anyone else anyway.
  const { mine } = usePrivileges();
  const operatorHome = consoleHome(mine);
  const [environment, setEnvironment] = useState<EnvironmentInfo | undefined>();
  useEffect(() => {
    getJson<EnvironmentInfo>('/api/environment')
      .then(setEnvironment)
      .catch(() => setEnvironment(undefined));
  }, []);
  return (
    <div className="page">
      <a href="#main" className="skip-link">
        {t('nav.skip')}
      </a>
      {environment !== undefined && !environment.production ? (
        <div className="env-banner" role="status" data-environment={environment.environment}>
          {environment.banner?.[lang] ?? t('env.banner', { env: environment.environment })}
        </div>
      ) : null}
      <header className="header">
        <Link to="/" className="brand">
          <span className="brand-seal" aria-hidden="true">
            {t('app.seal')}
          </span>
          <span>
            <strong>{t('app.name')}</strong>
            <small>{t('app.tagline')}</small>
          </span>
        </Link>
        <nav aria-label={t('app.name')}>
          {user !== undefined ? <Link to="/envelopes">{t('nav.dashboard')}</Link> : null}
          {user !== undefined ? <Link to="/envelopes/new">{t('nav.new')}</Link> : null}
          {user !== undefined ? <Link to="/templates">{t('nav.templates')}</Link> : null}
          {user !== undefined ? <Link to="/imports/new">{t('nav.import')}</Link> : null}
          {user !== undefined ? <Link to="/me/certificate">{t('nav.myCertificate')}</Link> : null}
          {mayReadRecordLog(mine) ? <Link to="/records/log">{t('nav.recordLog')}</Link> : null}
          {holdsTenant(mine, 'tenant.admin') ? (
            <Link to="/settings/integrations">{t('nav.integrations')}</Link>
          ) : null}
          {holdsTenant(mine, 'tenant.admin') ? (
            <Link to="/settings/signing">{t('nav.signingPolicy')}</Link>
          ) : null}
          <Link to="/verify">{t('nav.verify')}</Link>
          {operatorHome !== undefined ? <Link to={operatorHome}>{t('nav.operator')}</Link> : null}
          {mayOpen(mine, 'audit') ? <Link to="/admin/audit">{t('nav.audit')}</Link> : null}
        </nav>
        <div className="prefs">
          {user === undefined ? (
            <Link to="/login" className="button">
              {t('nav.login')}
            </Link>
          ) : (
            <>
              <span className="who" data-testid="who">
                {user.displayName}
              </span>
              <button
                type="button"
                onClick={() => {
                  void sendJson('POST', '/api/auth/logout')
                    .catch(() => undefined)
                    .then(refresh)
                    .then(() => navigate('/login'));
                }}
              >
                {t('nav.logout')}
              </button>
            </>
          )}
          <label>
            <span className="visually-hidden">{t('era.label')}</span>
            <select
              value={era}
              onChange={(e) => setEra(e.target.value === 'japanese' ? 'japanese' : 'western')}
            >
              <option value="western">{t('era.western')}</option>
              <option value="japanese">{t('era.japanese')}</option>
            </select>
          </label>
          {/* The accessible name contains the visible text (WCAG 2.5.3): "表示言語: English". */}
          <button type="button" onClick={() => setLang(lang === 'ja' ? 'en' : 'ja')}>
            <span className="visually-hidden">{t('lang.label')}: </span>
            <span lang={lang === 'ja' ? 'en' : 'ja'}>{t('lang.switch')}</span>
          </button>
        </div>
      </header>
      <main className="main" id="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="footer">
        <a href="/docs/verification">{t('footer.method')}</a>
        {/* The published policies (ADR 033): server pages, readable without logging in. */}
        <nav className="footer-policies" aria-label={t('footer.policies')}>
          <a href="/policies/terms-of-use">{t('footer.terms')}</a>
          <a href="/policies/privacy-policy">{t('footer.privacy')}</a>
          <a href="/policies/practice-statement">{t('footer.practice')}</a>
          <a href="/policies/service-policy">{t('footer.servicePolicy')}</a>
        </nav>
        {environment?.overrides !== undefined && environment.overrides.length > 0 ? (
          <p className="footer-overrides" role="note" data-testid="production-overrides">
            {t('footer.overrides', { list: environment.overrides.join(', ') })}
          </p>
        ) : null}
      </footer>
    </div>
  );
}
