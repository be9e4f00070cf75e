import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { getBytes, getJson, sendJson } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Envelope } from '../pages/envelope-types.ts';
import { useSession } from '../session.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { PdfPages } from './LazyPdfPages.tsx';
import { type Member, MemberPicker } from './MemberPicker.tsx';
import { ScrollBox } from './ScrollBox.tsx';

/** GET /api/envelopes/{id}/internal-approval (src/contracts/parties/internal-approval.ts, ApprovalView). */
export interface ApprovalView {
  readonly envelopeId: string;
  readonly round: number;
  readonly status: 'none' | 'pending' | 'approved' | 'rejected';
  readonly approvers: readonly {
    readonly userId: string;
    readonly name: string | null;
    readonly status: 'pending' | 'approved' | 'rejected' | 'withdrawn';
    readonly decidedAt: string | null;
    readonly reason: string | null;
  }[];
  readonly envelope: Envelope;
}

/** リマインド送信 and the envelope's reminder settings, for the sender of a live envelope. */
export function SenderReminders({ envelope }: { envelope: Envelope }) {
  const { t } = useI18n();
  const [reminded, setReminded] = useState<readonly { email: string }[] | undefined>();
  const [interval, setIntervalDays] = useState('3');
  const [max, setMax] = useState('3');
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function remind() {
    setError(undefined);
    setReminded(undefined);
    setBusy(true);
    try {
      const r = await sendJson<{ reminded: { email: string }[] }>(
        'POST',
        `/api/envelopes/${envelope.id}/remind`,
      );
      setReminded(r.reminded);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  async function save(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setSaved(false);
    try {
      await sendJson('PUT', `/api/envelopes/${envelope.id}/reminders`, {
        intervalDays: Number.parseInt(interval, 10),
        maxReminders: Number.parseInt(max, 10),
      });
      setSaved(true);
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section className="card" aria-labelledby="remind-heading">
      <h2 id="remind-heading">{t('reminders.title')}</h2>
      {envelope.status === 'sent' ? (
        <div className="actions">
          <button type="button" className="primary" onClick={() => void remind()} disabled={busy}>
            {t('reminders.now')}
          </button>
        </div>
      ) : null}
      {reminded !== undefined ? (
        <p role="status" className="notice notice-info" data-reminded={reminded.length}>
          {t('reminders.sent', { n: reminded.length, to: reminded.map((r) => r.email).join(', ') })}
        </p>
      ) : null}
      <form className="form-grid" onSubmit={save} aria-label={t('reminders.settings')}>
        <div className="field">
          <label htmlFor="env-interval">{t('reminders.interval')}</label>
          <input
            id="env-interval"
            type="number"
            min={1}
            max={90}
            required
            inputMode="numeric"
            value={interval}
            onChange={(e) => setIntervalDays(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="env-max">{t('reminders.max')}</label>
          <input
            id="env-max"
            type="number"
            min={0}
            max={20}
            required
            inputMode="numeric"
            value={max}
            onChange={(e) => setMax(e.target.value)}
          />
          <small>{t('reminders.offNote')}</small>
        </div>
        <div className="actions wide-field">
          <button type="submit">{t('reminders.save')}</button>
          {saved ? <span role="status">{t('reminders.saved')}</span> : null}
        </div>
      </form>
      {error !== undefined ? <ErrorNotice error={error} hint="reminders.hint" /> : null}
    </section>
  );
}

/**
 * 社内承認 of a draft: who approved or rejected and why; approve/reject for the named approvers (an
 * MFA session, the reviewed documents' hashes); for the sender, requesting a round and sending once
 * everyone approved.
 */
export function InternalApproval({
  envelopeId,
  isSender,
  onChanged,
  onSent,
}: {
  envelopeId: string;
  isSender: boolean;
  onChanged: () => void;
  onSent: (codes: readonly { email: string; accessCode: string }[]) => void;
}) {
  const { lang, era, t } = useI18n();
  const { user } = useSession();
  const [view, setView] = useState<ApprovalView | undefined>();
  const [reason, setReason] = useState('');
  const [requested, setRequested] = useState<readonly Member[]>([]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    getJson<ApprovalView>(`/api/envelopes/${envelopeId}/internal-approval`).then(setView).catch(setError);
  }, [envelopeId]);
  useEffect(load, [load]);

  async function act(run: () => Promise<unknown>) {
    setError(undefined);
    setBusy(true);
    try {
      await run();
      load();
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  if (view === undefined)
    return error === undefined ? null : <ErrorNotice error={error} hint="hint.reload" />;
  const me = view.approvers.find((a) => a.userId === user?.id);
  const myTurn = me?.status === 'pending';
  return (
    <section className="card" aria-labelledby="approval-heading" data-approval-status={view.status}>
      <h2 id="approval-heading">{t('approval.title')}</h2>
      <p>
        <span
          className={`badge badge-${view.status === 'approved' ? 'ok' : view.status === 'rejected' ? 'bad' : 'warn'}`}
        >
          {t(`approval.status.${view.status}`)}
        </span>
      </p>
      {view.approvers.length > 0 ? (
        <ScrollBox>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('approval.approver')}</th>
                <th scope="col">{t('envelope.status')}</th>
                <th scope="col">{t('approval.decidedAt')}</th>
                <th scope="col">{t('approval.reason')}</th>
              </tr>
            </thead>
            <tbody>
              {view.approvers.map((a) => (
                <tr key={a.userId} data-approver-status={a.status}>
                  <td>
                    {a.userId === user?.id ? t('approval.you') : (a.name ?? t('approval.unknownMember'))}
                  </td>
                  <td>{t(`approval.approverStatus.${a.status}`)}</td>
                  <td>{a.decidedAt === null ? '—' : formatDateTime(a.decidedAt, lang, era)}</td>
                  <td>{a.reason ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      ) : (
        <p className="small">{t('approval.none')}</p>
      )}
      {myTurn ? (
        <div className="approval-act">
          <p className="small">{t('approval.reviewLead')}</p>
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() =>
                void act(() =>
                  sendJson('POST', `/api/envelopes/${envelopeId}/internal-approval/approve`, {
                    documentSha256: view.envelope.documents.map((d) => d.sha256),
                  }),
                )
              }
            >
              {t('approval.approve')}
            </button>
          </div>
          <form
            className="form-grid"
            onSubmit={(e) => {
              e.preventDefault();
              void act(() =>
                sendJson('POST', `/api/envelopes/${envelopeId}/internal-approval/reject`, {
                  reason: reason.trim(),
                }),
              );
            }}
          >
            <div className="field wide-field">
              <label htmlFor="approval-reason">{t('approval.rejectReason')}</label>
              <textarea
                id="approval-reason"
                required
                maxLength={1000}
                rows={2}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
              />
            </div>
            <div className="actions wide-field">
              <button type="submit" className="danger" disabled={busy}>
                {t('approval.reject')}
              </button>
            </div>
          </form>
        </div>
      ) : null}
      {isSender && (view.status === 'none' || view.status === 'rejected') ? (
        <form
          className="form-grid"
          onSubmit={(e) => {
            e.preventDefault();
            const approvers = requested.map((m) => m.id);
            void act(() => sendJson('POST', `/api/envelopes/${envelopeId}/internal-approval`, { approvers }));
          }}
        >
          <fieldset className="field wide-field">
            <legend>{t('approval.requestMembers')}</legend>
            <MemberPicker
              id="approval-request"
              chosen={requested}
              onChange={setRequested}
              {...(user === undefined ? {} : { exclude: user.id })}
            />
            <small>{t('template.approversNote')}</small>
          </fieldset>
          <div className="actions wide-field">
            <button type="submit" disabled={busy || requested.length === 0}>
              {t('approval.request')}
            </button>
          </div>
        </form>
      ) : null}
      {isSender && (view.status === 'none' || view.status === 'approved') ? (
        <div className="actions">
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() =>
              void act(async () => {
                const sent = await sendJson<{ accessCodes: { email: string; accessCode: string }[] }>(
                  'POST',
                  `/api/envelopes/${envelopeId}/send`,
                );
                onSent(sent.accessCodes);
              })
            }
          >
            {t('approval.sendNow')}
          </button>
        </div>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} hint="approval.hint" /> : null}
    </section>
  );
}

/** What an internal approver sees of a draft they may not otherwise open: facts, the PDF, the decision. */
export function ApproverView({ approval, onChanged }: { approval: ApprovalView; onChanged: () => void }) {
  const { t } = useI18n();
  const [bytes, setBytes] = useState<ArrayBuffer | undefined>();
  const envelope = approval.envelope;
  const document = envelope.documents[0];
  useEffect(() => {
    if (document === undefined) return;
    getBytes(`/api/envelopes/${envelope.id}/internal-approval/documents/${document.id}`)
      .then(setBytes)
      .catch(() => setBytes(undefined));
  }, [envelope.id, document]);
  return (
    <div className="envelope">
      <h1>{envelope.title}</h1>
      <p className="lead">{t('approval.approverLead')}</p>
      <InternalApproval envelopeId={envelope.id} isSender={false} onChanged={onChanged} onSent={() => {}} />
      <section className="card" aria-labelledby="approval-doc">
        <h2 id="approval-doc">{t('approval.document')}</h2>
        {bytes === undefined ? <p role="status">{t('pdf.loading')}</p> : <PdfPages bytes={bytes} />}
      </section>
    </div>
  );
}
