import { useState } from 'react';
import { sendJson } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Envelope, Party, ReissuedAccess } from '../pages/envelope-types.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';

export type Reissued = ReissuedAccess;

/**
 * ロック中 beside a party whose link locked on wrong access codes, and the sender's one-click re-issue
 * (confirmed first: the old link and code stop working). The server audits it and mails the link.
 */
export function PartyLock({
  envelope,
  party,
  onReissued,
}: {
  envelope: Envelope;
  /** `locked` is sent to the sender only (src/contracts/envelopes/envelopes.ts). */
  party: Party;
  onReissued: (reissued: Reissued) => void;
}) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<unknown>();
  if (party.locked !== true) return null;
  async function reissue() {
    setAsking(false);
    setError(undefined);
    try {
      onReissued(
        await sendJson<Reissued>('POST', `/api/envelopes/${envelope.id}/parties/${party.id}/reissue`, {}),
      );
    } catch (e) {
      setError(e);
    }
  }
  return (
    <>
      {' '}
      <span className="badge badge-bad" data-locked="true">
        {t('lock.badge')}
      </span>{' '}
      <button type="button" onClick={() => setAsking(true)}>
        {t('lock.reissue')}
      </button>
      {asking ? (
        <ConfirmDialog
          title={t('lock.reissueConfirm', { name: party.name })}
          confirmLabel={t('lock.reissue')}
          onConfirm={() => void reissue()}
          onCancel={() => setAsking(false)}
        />
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} hint="hint.reload" /> : null}
    </>
  );
}
