import { useEffect, useState } from 'react';
import { getJson } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ScrollBox } from '../components/ScrollBox.tsx';
import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n/index.tsx';
import { Link } from '../router.tsx';
import type { TemplateSummary } from './template-types.ts';

/** The tenant's templates (テンプレート), with what can be done with each. */
export function TemplatesPage() {
  const { lang, era, t } = useI18n();
  const [templates, setTemplates] = useState<readonly TemplateSummary[] | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    getJson<{ templates: TemplateSummary[] }>('/api/templates')
      .then((r) => setTemplates(r.templates))
      .catch(setError);
  }, []);
  return (
    <div>
      <div className="title-row">
        <h1>{t('templates.title')}</h1>
        <Link to="/templates/new" className="button primary">
          {t('templates.new')}
        </Link>
      </div>
      <p className="lead">{t('templates.lead')}</p>
      {error !== undefined ? <ErrorNotice error={error} hint="hint.reload" /> : null}
      {templates === undefined && error === undefined ? <p role="status">{t('common.loading')}</p> : null}
      {templates !== undefined && templates.length === 0 ? (
        <p className="empty">{t('templates.empty')}</p>
      ) : null}
      {templates !== undefined && templates.length > 0 ? (
        <ScrollBox>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('template.name')}</th>
                <th scope="col">{t('templates.updated')}</th>
                <th scope="col">{t('templates.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {templates.map((tpl) => (
                <tr key={tpl.id} data-template={tpl.name}>
                  <td>
                    <Link to={`/templates/${tpl.id}`}>{tpl.name}</Link>
                  </td>
                  <td>{formatDateTime(tpl.updatedAt, lang, era)}</td>
                  <td className="row-actions">
                    <Link to={`/templates/${tpl.id}/use`}>{t('templates.use')}</Link>
                    <Link to={`/templates/${tpl.id}/bulk`}>{t('templates.bulk')}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      ) : null}
    </div>
  );
}
