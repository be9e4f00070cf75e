import { useCallback, useEffect, useState } from 'react';
import { getJson, sendJson } from '../api.ts';
import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n/index.tsx';
import type { ApprovalView } from '../pages/envelope-types.ts';
import { useSession } from '../session.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { type Member, MemberPicker } from './MemberPicker.tsx';
import { ScrollBox } from './ScrollBox.tsx';

export type { ApprovalView };

type AccessCodes = readonly { email: string; accessCode: string }[];
/** Runs one approval request; on success the round is reloaded and the envelope page told. */
type Act = (run: () => Promise<unknown>) => void;

/** The approval round, reloaded after each act; one busy flag and one error for all of them. */
function useApproval(envelopeId: string, onChanged: () => void) {
  const [view, setView] = useState<ApprovalView | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    getJson<ApprovalView>(`/api/envelopes/${envelopeId}/internal-approval`).then(setView).catch(setError);
  }, [envelopeId]);
  useEffect(load, [load]);

  async function run(request: () => Promise<unknown>) {
    setError(undefined);
    setBusy(true);
    try {
      await request();
      load();
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  const act: Act = (request) => void run(request);
  return { view, error, busy, act };
}

function ApproversTable({ view }: { view: ApprovalView }) {
  const { lang, era, t } = useI18n();
  const { user } = useSession();
  if (view.approvers.length === 0) return <p className="small">{t('approval.none')}</p>;
  return (
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
              <td>{a.userId === user?.id ? t('approval.you') : (a.name ?? t('approval.unknownMember'))}</td>
              <td>{t(`approval.approverStatus.${a.status}`)}</td>
              <td>{a.decidedAt === null ? '—' : formatDateTime(a.decidedAt, lang, era)}</td>
              <td>{a.reason ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollBox>
  );
}

/** The named approver's decision: approve the reviewed documents' hashes, or reject with a reason. */
function ApproverDecision({
  envelopeId,
  view,
  reason,
  onReason,
  busy,
  act,
}: {
  envelopeId: string;
  view: ApprovalView;
  reason: string;
  onReason: (reason: string) => void;
  busy: boolean;
  act: Act;
}) {
  const { t } = useI18n();
  const base = `/api/envelopes/${envelopeId}/internal-approval`;
  return (
    <div className="approval-act">
      <p className="small">{t('approval.reviewLead')}</p>
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={busy}
          onClick={() =>
            act(() =>
              sendJson('POST', `${base}/approve`, {
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
          act(() => sendJson('POST', `${base}/reject`, { reason: reason.trim() }));
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
            onChange={(e) => onReason(e.target.value)}
          />
        </div>
        <div className="actions wide-field">
          <button type="submit" className="danger" disabled={busy}>
            {t('approval.reject')}
          </button>
        </div>
      </form>
    </div>
  );
}

/** The sender names the members who approve the next round. */
function RequestApproval({
  envelopeId,
  requested,
  onRequested,
  busy,
  act,
}: {
  envelopeId: string;
  requested: readonly Member[];
  onRequested: (members: readonly Member[]) => void;
  busy: boolean;
  act: Act;
}) {
  const { t } = useI18n();
  const { user } = useSession();
  return (
    <form
      className="form-grid"
      onSubmit={(e) => {
        e.preventDefault();
        const approvers = requested.map((m) => m.id);
        act(() => sendJson('POST', `/api/envelopes/${envelopeId}/internal-approval`, { approvers }));
      }}
    >
      <fieldset className="field wide-field">
        <legend>{t('approval.requestMembers')}</legend>
        <MemberPicker id="approval-request" chosen={requested} onChange={onRequested} exclude={user?.id} />
        <small>{t('template.approversNote')}</small>
      </fieldset>
      <div className="actions wide-field">
        <button type="submit" disabled={busy || requested.length === 0}>
          {t('approval.request')}
        </button>
      </div>
    </form>
  );
}

function SendNow({
  envelopeId,
  busy,
  act,
  onSent,
}: {
  envelopeId: string;
  busy: boolean;
  act: Act;
  onSent: (codes: AccessCodes) => void;
}) {
  const { t } = useI18n();
  return (
    <div className="actions">
      <button
        type="button"
        className="primary"
        disabled={busy}
        onClick={() =>
          act(async () => {
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
  );
}

function statusBadgeClass(status: ApprovalView['status']): string {
  return `badge badge-${status === 'approved' ? 'ok' : status === 'rejected' ? 'bad' : 'warn'}`;
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
  onSent: (codes: AccessCodes) => void;
}) {
  const { t } = useI18n();
  const { user } = useSession();
  const { view, error, busy, act } = useApproval(envelopeId, onChanged);
  // Kept here, not in the forms: a rejected round shows the request form again with the same members.
  const [reason, setReason] = useState('');
  const [requested, setRequested] = useState<readonly Member[]>([]);
  if (view === undefined)
    return error === undefined ? null : <ErrorNotice error={error} hint="hint.reload" />;
  const myTurn = view.approvers.find((a) => a.userId === user?.id)?.status === 'pending';
  return (
    <section className="card" aria-labelledby="approval-heading" data-approval-status={view.status}>
      <h2 id="approval-heading">{t('approval.title')}</h2>
      <p>
        <span className={statusBadgeClass(view.status)}>{t(`approval.status.${view.status}`)}</span>
      </p>
      <ApproversTable view={view} />
      {myTurn ? (
        <ApproverDecision
          envelopeId={envelopeId}
          view={view}
          reason={reason}
          onReason={setReason}
          busy={busy}
          act={act}
        />
      ) : null}
      {isSender && (view.status === 'none' || view.status === 'rejected') ? (
        <RequestApproval
          envelopeId={envelopeId}
          requested={requested}
          onRequested={setRequested}
          busy={busy}
          act={act}
        />
      ) : null}
      {isSender && (view.status === 'none' || view.status === 'approved') ? (
        <SendNow envelopeId={envelopeId} busy={busy} act={act} onSent={onSent} />
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} hint="approval.hint" /> : null}
    </section>
  );
}
