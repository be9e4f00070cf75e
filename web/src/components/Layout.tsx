import { type ReactNode, useEffect, useState } from 'react';
import { getJson } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { Link } from '../router.tsx';

interface EnvironmentInfo {
  readonly environment: string;
  readonly production: boolean;
  readonly banner?: { readonly ja: string; readonly en: string };
}

export function Layout({ children }: { children: ReactNode }) {
  const { lang, era, setLang, setEra, t } = useI18n();
  const [environment, setEnvironment] = useState<EnvironmentInfo | undefined>();
  useEffect(() => {
    getJson<EnvironmentInfo>('/api/environment')
      .then(setEnvironment)
      .catch(() => setEnvironment(undefined));
  }, []);
  return (
    <div className="page">
      {environment !== undefined && !environment.production ? (
        <div className="env-banner" role="status" data-environment={environment.environment}>
          {environment.banner?.[lang] ?? t('env.banner', { env: environment.environment })}
        </div>
      ) : null}
      <header className="header">
        <Link to="/" className="brand">
          <span className="brand-seal" aria-hidden="true">
            署
          </span>
          <span>
            <strong>{t('app.name')}</strong>
            <small>{t('app.tagline')}</small>
          </span>
        </Link>
        <nav aria-label={t('app.name')}>
          <Link to="/verify">{t('nav.verify')}</Link>
        </nav>
        <div className="prefs">
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
          <button
            type="button"
            onClick={() => setLang(lang === 'ja' ? 'en' : 'ja')}
            aria-label={t('lang.label')}
          >
            {t('lang.switch')}
          </button>
        </div>
      </header>
      <main className="main">{children}</main>
      <footer className="footer">
        <a href="/docs/verification">{t('footer.method')}</a>
      </footer>
    </div>
  );
}
