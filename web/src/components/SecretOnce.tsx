import { useState } from 'react';
import { useI18n } from '../i18n/index.tsx';

/** A secret shown once (a new API key or webhook secret): a warning, the value, a copy button. */
export function SecretOnce({
  label,
  warning,
  value,
  onDone,
}: {
  label: string;
  warning: string;
  value: string;
  onDone(): void;
}) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div className="notice" role="status" data-secret-once>
      <p>
        <strong>{warning}</strong>
      </p>
      <p>
        {label}: <code data-secret>{value}</code>
      </p>
      <p className="actions">
        <button
          type="button"
          onClick={() => {
            // The Clipboard API needs a secure context; without it the value stays selectable.
            Promise.resolve(navigator.clipboard?.writeText(value))
              .then(() => setCopied(navigator.clipboard !== undefined))
              .catch(() => setCopied(false));
          }}
        >
          {copied ? t('integ.copied') : t('integ.copy')}
        </button>
        <button type="button" onClick={onDone}>
          {t('integ.done')}
        </button>
      </p>
    </div>
  );
}
