import { useI18n } from '../i18n/index.tsx';

/** 「必須」 beside a required field's label; hidden from screen readers, which read `required`. */
export function RequiredMark() {
  const { t } = useI18n();
  return (
    <span className="required-mark" aria-hidden="true">
      {t('form.required')}
    </span>
  );
}

/**
 * A labelled one-line text input, the forms' common field (envelope basics, parties, template
 * settings). `required` also limits the length, as the server does for these names and titles.
 */
export function TextField({
  id,
  label,
  value,
  onChange,
  required = false,
  mark = false,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  /** Show 「必須」 beside the label. */
  mark?: boolean;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {mark ? (
          <>
            {' '}
            <RequiredMark />
          </>
        ) : null}
      </label>
      <input
        id={id}
        required={required}
        maxLength={required ? 200 : undefined}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}
