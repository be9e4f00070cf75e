import { type FormEvent, useState } from 'react';
import { sendJson } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Envelope } from '../pages/envelope-types.ts';
import { usePath } from '../router.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';

/**
 * The sender's 取消 of a sent envelope (reason required; every party is mailed, links die), the
 * deletion of a draft, and switching a signer-type party whose account is not confirmed to witness-type.
 */
export function SenderActions({
  envelope,
  onChanged,
}: {
  envelope: Envelope;
  onChanged: (message: string) => void;
}) {
  const { t } = useI18n();
  const { navigate } = usePath();
  const [reason, setReason] = useState('');
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<unknown>();
  const draft = envelope.status === 'draft';
  const unbound = envelope.parties.filter(
    (p) => p.signingMode === 'signer-type' && p.userId === null && p.status === 'waiting',
  );
  async function confirm() {
    setError(undefined);
    try {
      if (draft) {
        await sendJson('POST', `/api/envelopes/${envelope.id}/delete`, {
          reason: reason.trim() || 'draft deleted',
        });
        navigate('/envelopes');
      } else {
        await sendJson('POST', `/api/envelopes/${envelope.id}/cancel`, { reason: reason.trim() });
        onChanged(t('withdraw.done'));
      }
    } catch (e) {
      setError(e);
    } finally {
      setAsking(false);
    }
  }
  async function toWitness(partyId: string, name: string) {
    setError(undefined);
    try {
      const switched = await sendJson<{ accessCode: string | null }>(
        'POST',
        `/api/envelopes/${envelope.id}/parties/${partyId}/witness-type`,
        {},
      );
      onChanged(t('party.switched', { name, code: switched.accessCode ?? '—' }));
    } catch (e) {
      setError(e);
    }
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setAsking(true);
  };
  return (
    <section className="card" aria-labelledby="withdraw-h">
      <h2 id="withdraw-h">{draft ? t('draft.delete') : t('withdraw.title')}</h2>
      {unbound.map((p) => (
        <p key={p.id}>
          {p.name} ({p.email}): {t('party.unbound')}{' '}
          <button type="button" onClick={() => void toWitness(p.id, p.name)}>
            {t('party.toWitness')}
          </button>
        </p>
      ))}
      <form className="form" onSubmit={submit}>
        {draft ? null : (
          <>
            <p className="small">{t('withdraw.lead')}</p>
            <label htmlFor="withdraw-reason">{t('withdraw.reason')}</label>
            <textarea
              id="withdraw-reason"
              required
              maxLength={1000}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </>
        )}
        <button type="submit" className="danger">
          {draft ? t('draft.delete') : t('withdraw.submit')}
        </button>
      </form>
      {asking ? (
        <ConfirmDialog
          title={t(draft ? 'draft.confirm' : 'withdraw.confirm', { title: envelope.title })}
          confirmLabel={draft ? t('draft.delete') : t('withdraw.submit')}
          danger
          onConfirm={() => void confirm()}
          onCancel={() => setAsking(false)}
        />
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} /> : null}
    </section>
  );
}
