import { useI18n } from '../i18n/index.tsx';
import type { EnvelopeStatus } from '../pages/envelope-types.ts';

const TONE: Record<EnvelopeStatus, string> = {
  draft: 'neutral',
  sent: 'warn',
  completing: 'warn',
  completed: 'ok',
  cancelled: 'neutral',
  declined: 'bad',
  expired: 'bad',
  imported: 'neutral',
};

export function StatusBadge({ status }: { status: EnvelopeStatus }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${TONE[status]}`} data-status={status}>
      {t(`status.${status}`)}
    </span>
  );
}
