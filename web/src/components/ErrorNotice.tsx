import { ApiError } from '../api.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';

/** An error in the user's language, with what to do next. */
export function ErrorNotice({ error, hint = 'hint.retry' }: { error: unknown; hint?: MessageKey }) {
  const { lang, t } = useI18n();
  let message = t('error.generic');
  if (error instanceof ApiError) {
    if (error.code === 'NETWORK') message = t('error.network');
    else if (error.text !== undefined) message = error.text[lang];
  }
  return (
    <div role="alert" className="notice notice-error">
      <p>{message}</p>
      <p>{t('error.nextStep', { hint: t(hint) })}</p>
      {error instanceof ApiError && error.code !== 'NETWORK' ? (
        // The code is for support staff: behind 「詳細」, not the most prominent line.
        <details>
          <summary>{t('error.details')}</summary>
          <p className="code">
            {t('error.code')}: {error.code}
          </p>
        </details>
      ) : null}
    </div>
  );
}
