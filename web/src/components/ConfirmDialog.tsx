import { type ReactNode, useEffect, useId, useRef } from 'react';
import { useI18n } from '../i18n/index.tsx';

/**
 * A modal confirmation (the native <dialog>: focus stays inside, Esc cancels, focus returns to the
 * button that opened it). Rendered only while open.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger = false,
  busy = false,
  onConfirm,
  onCancel,
}: {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm();
        }}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
        <div className="actions">
          <button type="submit" className={danger ? 'primary danger' : 'primary'} disabled={busy}>
            {confirmLabel}
          </button>
          <button type="button" onClick={onCancel} disabled={busy}>
            {t('console.cancel')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
