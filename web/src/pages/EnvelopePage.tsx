import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError, getBytes, getJson, postFormText, saveBytes, sendJson } from '../api.ts';
import { CorrectionForm } from '../components/CorrectionForm.tsx';
import { CredentialChoice } from '../components/CredentialChoice.tsx';
import { ApproverView, SenderReminders } from '../components/EnvelopeWorkflow.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { type ApprovalView, InternalApproval } from '../components/InternalApproval.tsx';
import { PdfPages } from '../components/LazyPdfPages.tsx';
import { PartyLock } from '../components/PartyLock.tsx';
import { ScrollBox } from '../components/ScrollBox.tsx';
import { SenderActions } from '../components/SenderActions.tsx';
import { type SignOutcome, SignResult } from '../components/SignResult.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { Timeline } from '../components/Timeline.tsx';
import { formatDateTime } from '../format.ts';
import { formatAmount, formatDate } from '../format-money.ts';
import { type Lang, useI18n } from '../i18n/index.tsx';
import { holdsTenant, usePrivileges } from '../privileges.ts';
import { useSession } from '../session.tsx';
import { outcomeOf, placementBoxes, scrollToMySeal, signingHint } from '../sign-helpers.ts';
import type { Envelope, Party } from './envelope-types.ts';
import type { SentNotice } from './NewEnvelopePage.tsx';

function partyStatusKey(status: string): 'partyStatus.waiting' | 'partyStatus.signed' | 'partyStatus.other' {
  if (status === 'waiting') return 'partyStatus.waiting';
  if (status === 'signed' || status === 'approved') return 'partyStatus.signed';
  return 'partyStatus.other';
}

function SignerPanel({
  envelope,
  party,
  onSigned,
}: {
  envelope: Envelope;
  party: Party;
  onSigned: (outcome: SignOutcome) => void;
}) {
  const { lang, t } = useI18n();
  const [bytes, setBytes] = useState<ArrayBuffer | undefined>();
  const [pin, setPin] = useState('');
  const [otp, setOtp] = useState('');
  const [credentialId, setCredentialId] = useState('');
  const [intent, setIntent] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const document = envelope.documents[0];
  const boxes = placementBoxes(envelope, party.id, {
    mine: t('seal.yours'),
    other: (name) => t('seal.other', { name }),
  });
  useEffect(() => {
    if (document === undefined) return;
    getBytes(`/api/envelopes/${envelope.id}/documents/${document.id}`).then(setBytes).catch(setError);
  }, [envelope.id, document]);

  async function sign(event: FormEvent) {
    event.preventDefault();
    if (document === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const after = await sendJson<Envelope>('POST', `/api/envelopes/${envelope.id}/sign/signer`, {
        credentialId,
        pin,
        otp: otp.trim(),
        documentSha256: envelope.documents.map((d) => d.sha256),
      });
      onSigned(await outcomeOf(after, { id: party.id, email: party.email }, document.sha256, lang));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="sign-heading">
      <h2 id="sign-heading">{t('sign.yourTurn')}</h2>
      <p className="lead small">{t('sign.signerTypeLead')}</p>
      {boxes.some((b) => b.variant === 'mine') ? (
        <div className="seal-where">
          <button type="button" onClick={scrollToMySeal} disabled={bytes === undefined}>
            {t('seal.jump')}
          </button>
        </div>
      ) : null}
      {bytes === undefined ? null : <PdfPages bytes={bytes} boxes={boxes} />}
      <form className="form wide" onSubmit={sign}>
        <label className="check">
          <input type="checkbox" checked={intent} onChange={(e) => setIntent(e.target.checked)} />
          <span>{t('sign.signerIntent', { title: envelope.title })}</span>
        </label>
        <CredentialChoice value={credentialId} onChange={setCredentialId} />
        <label htmlFor="sign-pin">{t('sign.pin')}</label>
        <input
          id="sign-pin"
          type="password"
          autoComplete="off"
          inputMode="numeric"
          required
          value={pin}
          onChange={(e) => setPin(e.target.value)}
        />
        <label htmlFor="sign-otp">{t('sign.otp')}</label>
        <input
          id="sign-otp"
          autoComplete="one-time-code"
          inputMode="numeric"
          required
          value={otp}
          onChange={(e) => setOtp(e.target.value)}
        />
        <button type="submit" className="primary" disabled={busy || !intent || credentialId === ''}>
          {busy ? t('sign.signing') : t('sign.submit')}
        </button>
      </form>
      {error !== undefined ? <ErrorNotice error={error} hint={signingHint(error)} /> : null}
    </section>
  );
}

type Download = 'pdf' | 'evidence' | 'report' | 'certificate';
type AccessCodes = SentNotice['accessCodes'];
type Translate = ReturnType<typeof useI18n>['t'];

/** The envelope, or for an internal approver of a draft they may not open, the approval round. */
function useEnvelope(id: string) {
  const [envelope, setEnvelope] = useState<Envelope | undefined>();
  const [error, setError] = useState<unknown>();
  const [approval, setApproval] = useState<ApprovalView | undefined>();
  const load = useCallback(async () => {
    try {
      setEnvelope(await getJson<Envelope>(`/api/envelopes/${id}`));
    } catch (e) {
      // A draft is hidden from everyone but its sender, except from its internal approvers (社内承認).
      if (e instanceof ApiError && e.status === 404) {
        try {
          setApproval(await getJson<ApprovalView>(`/api/envelopes/${id}/internal-approval`));
          return;
        } catch {
          // not an approver either: the original "not found" stands
        }
      }
      setError(e);
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);
  return { envelope, approval, error, setError, load };
}

/** Fetches one of the envelope's files and saves it; the report is made by POST /api/verify. */
async function download(envelope: Envelope, kind: Download, lang: Lang, t: Translate): Promise<void> {
  const document = envelope.documents[0];
  if (document === undefined) return;
  if (kind === 'certificate') {
    const pdf = await getBytes(`/api/envelopes/${envelope.id}/certificate-of-completion`);
    saveBytes(pdf, t('download.certificateFile', { id: envelope.id }), 'application/pdf');
    return;
  }
  if (kind === 'evidence') {
    const pack = await getJson<unknown>(`/api/envelopes/${envelope.id}/evidence`);
    saveBytes(JSON.stringify(pack, null, 2), `evidence-${envelope.id}.json`, 'application/json');
    return;
  }
  const bytes = await getBytes(`/api/envelopes/${envelope.id}/documents/${document.id}`);
  if (kind === 'pdf') {
    saveBytes(bytes, document.name, 'application/pdf');
    return;
  }
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'application/pdf' }), document.name);
  const html = await postFormText(`/api/verify?format=html&lang=${lang}`, form);
  saveBytes(html, `verification-report-${lang}.html`, 'text/html');
}

function AccessCodesNotice({ codes, reissuedTo }: { codes: AccessCodes; reissuedTo: string | undefined }) {
  const { t } = useI18n();
  return (
    <section className="notice notice-info" aria-labelledby="codes-heading">
      <h2 id="codes-heading">{t('sent.codesTitle')}</h2>
      <p>{reissuedTo === undefined ? t('sent.codesLead') : t('lock.reissued', { name: reissuedTo })}</p>
      <ul>
        {codes.map((c) => (
          <li key={c.email}>
            {c.email}: <code data-access-code={c.email}>{c.accessCode}</code>
          </li>
        ))}
      </ul>
    </section>
  );
}

function FactsAndTimeline({ envelope }: { envelope: Envelope }) {
  const { lang, era, t } = useI18n();
  return (
    <div className="two-col">
      <section className="card" aria-labelledby="facts-heading">
        <h2 id="facts-heading">{t('envelope.facts')}</h2>
        <dl className="facts">
          <dt>{t('envelope.counterparty')}</dt>
          <dd>{envelope.counterparty}</dd>
          <dt>{t('envelope.transactionDate')}</dt>
          <dd>{formatDate(envelope.transactionDate, lang, era === 'japanese')}</dd>
          <dt>{t('envelope.amount')}</dt>
          <dd>{formatAmount(envelope.amount, envelope.currency, lang)}</dd>
          <dt>{t('envelope.order')}</dt>
          <dd>{t(`order.${envelope.signingOrder}`)}</dd>
          <dt>{t('envelope.retention')}</dt>
          <dd>{formatDateTime(envelope.retentionUntil ?? undefined, lang, era)}</dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">{t('envelope.timeline')}</h2>
        <Timeline envelope={envelope} />
      </section>
    </div>
  );
}

/** The parties and where each stands; the sender can unlock a party locked out by wrong access codes. */
function PartiesTable({
  envelope,
  isSender,
  onReissued,
}: {
  envelope: Envelope;
  isSender: boolean;
  onReissued: (party: Party, code: { email: string; accessCode: string }) => void;
}) {
  const { lang, era, t } = useI18n();
  return (
    <section className="card" aria-labelledby="parties-heading">
      <h2 id="parties-heading">{t('envelope.parties')}</h2>
      <ScrollBox>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('party.company')}</th>
              <th scope="col">{t('party.title')}</th>
              <th scope="col">{t('party.name')}</th>
              <th scope="col">{t('party.email')}</th>
              <th scope="col">{t('party.mode')}</th>
              <th scope="col">{t('envelope.status')}</th>
            </tr>
          </thead>
          <tbody>
            {envelope.parties.map((p) => (
              <tr key={p.id} data-party-status={p.status}>
                <td>{p.company ?? '—'}</td>
                <td>{p.title ?? '—'}</td>
                <td>
                  {p.label ? <span className="slot-label">{p.label}</span> : null}
                  {p.name}
                </td>
                <td>{p.email}</td>
                <td>{p.signingMode === null ? '—' : t(`mode.${p.signingMode}`)}</td>
                <td>
                  {t(partyStatusKey(p.status))}
                  {p.actedAt !== null ? <small> {formatDateTime(p.actedAt, lang, era)}</small> : null}
                  {isSender ? (
                    <PartyLock envelope={envelope} party={p} onReissued={(r) => onReissued(p, r)} />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollBox>
    </section>
  );
}

function Downloads({ envelope, onDownload }: { envelope: Envelope; onDownload: (kind: Download) => void }) {
  const { t } = useI18n();
  const document = envelope.documents[0];
  return (
    <section className="card" aria-labelledby="downloads-heading">
      <h2 id="downloads-heading">{t('envelope.downloads')}</h2>
      <p className="lead small">
        {envelope.status === 'completed' ? t('envelope.downloadsLead') : t('envelope.downloadsPending')}
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => onDownload('pdf')} disabled={!document}>
          {t('download.pdf')}
        </button>
        <button type="button" onClick={() => onDownload('report')} disabled={!document}>
          {t('download.report')}
        </button>
        <button type="button" onClick={() => onDownload('evidence')}>
          {t('download.evidence')}
        </button>
        <button
          type="button"
          onClick={() => onDownload('certificate')}
          disabled={!document || envelope.status !== 'completed'}
        >
          {t('download.certificate')}
        </button>
      </div>
      <p className="small">{t('download.certificateNote')}</p>
    </section>
  );
}

/** One envelope: facts, parties, timeline, downloads; the signing panel when it is the user's turn. */
export function EnvelopePage({ id, notice }: { id: string; notice: SentNotice | undefined }) {
  const { lang, t } = useI18n();
  const { user } = useSession();
  const { envelope, approval, error, setError, load } = useEnvelope(id);
  const [outcome, setOutcome] = useState<SignOutcome | undefined>();
  const [codes, setCodes] = useState<AccessCodes | undefined>();
  const [reissuedTo, setReissuedTo] = useState<string | undefined>();
  const { mine: privileges } = usePrivileges();

  if (approval !== undefined && envelope === undefined)
    return <ApproverView approval={approval} onChanged={() => void load()} />;
  if (error !== undefined && envelope === undefined) return <ErrorNotice error={error} hint="hint.reload" />;
  if (envelope === undefined) return <p role="status">{t('common.loading')}</p>;
  const isSender = envelope.createdBy !== undefined && envelope.createdBy === user?.id;
  const mayCorrect = isSender || holdsTenant(privileges, 'tenant.admin');
  const shownCodes = codes ?? notice?.accessCodes;
  const mine = envelope.parties.find(
    (p) => p.userId === user?.id && p.status === 'waiting' && p.signingMode === 'signer-type',
  );
  const live = envelope.status === 'draft' || envelope.status === 'sent';
  function onDownload(kind: Download) {
    if (envelope?.documents[0] === undefined) return;
    setError(undefined);
    download(envelope, kind, lang, t).catch(setError);
  }

  return (
    <div className="envelope">
      <div className="title-row">
        <h1>{envelope.title}</h1>
        <StatusBadge status={envelope.status} />
      </div>
      {shownCodes !== undefined && shownCodes.length > 0 ? (
        <AccessCodesNotice codes={shownCodes} reissuedTo={reissuedTo} />
      ) : null}
      {outcome !== undefined ? (
        <SignResult
          outcome={outcome}
          title={envelope.title}
          completed={envelope.status === 'completed' || envelope.status === 'completing'}
        />
      ) : null}
      <FactsAndTimeline envelope={envelope} />
      <PartiesTable
        envelope={envelope}
        isSender={isSender}
        onReissued={(p, r) => {
          setCodes([{ email: r.email, accessCode: r.accessCode }]);
          setReissuedTo(p.name);
          void load();
        }}
      />
      {mine !== undefined && envelope.status === 'sent' && outcome === undefined ? (
        <SignerPanel
          envelope={envelope}
          party={mine}
          onSigned={(o) => {
            setOutcome(o);
            void load();
          }}
        />
      ) : null}
      {isSender && envelope.status === 'draft' ? (
        <InternalApproval
          envelopeId={envelope.id}
          isSender
          onChanged={() => void load()}
          onSent={(sent) => setCodes(sent)}
        />
      ) : null}
      {isSender && live ? <SenderReminders envelope={envelope} /> : null}
      {isSender && live ? <SenderActions envelope={envelope} onChanged={() => void load()} /> : null}
      <Downloads envelope={envelope} onDownload={onDownload} />
      {mayCorrect && envelope.status !== 'draft' ? (
        <CorrectionForm record={envelope} onCorrected={() => void load()} />
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} /> : null}
    </div>
  );
}
