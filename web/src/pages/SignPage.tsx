import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError, getBytes, getJson, saveBytes, sendJson, setPartyToken } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PdfPages } from '../components/LazyPdfPages.tsx';
import { SignProgress, type SignStep } from '../components/SignProgress.tsx';
import { type SignOutcome, SignResult } from '../components/SignResult.tsx';
import { Timeline } from '../components/Timeline.tsx';
import { useI18n } from '../i18n/index.tsx';
import { outcomeOf, placementBoxes, scrollToMySeal } from '../sign-helpers.ts';
import type { Envelope, Party } from './envelope-types.ts';

interface Opened {
  readonly partyToken: string;
  readonly envelopeId: string;
  readonly partyId: string;
}

interface Confirmation {
  readonly ja: string;
  readonly en: string;
  readonly documents: readonly { id: string; name: string; sha256: string }[];
}

/** Read to the end: the confirmation unlocks once the end of the last page has been on screen. */
function useSeenEnd(ready: boolean): [React.RefObject<HTMLDivElement | null>, boolean] {
  const marker = useRef<HTMLDivElement>(null);
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    if (!ready || marker.current === null) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setSeen(true);
    });
    observer.observe(marker.current);
    return () => observer.disconnect();
  }, [ready]);
  return [marker, seen];
}

/**
 * A counterparty's signing: the mailed link plus the access code (passed on separately), the whole
 * document with where the seal goes, explicit intent, then the result screen.
 */
export function SignPage({ token }: { token: string }) {
  const { lang, t } = useI18n();
  const [code, setCode] = useState('');
  const [opened, setOpened] = useState<Opened | undefined>();
  const [envelope, setEnvelope] = useState<Envelope | undefined>();
  const [confirmation, setConfirmation] = useState<Confirmation | undefined>();
  const [bytes, setBytes] = useState<ArrayBuffer | undefined>();
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [outcome, setOutcome] = useState<SignOutcome | undefined>();
  const [step, setStep] = useState<SignStep | undefined>();
  const [pages, setPages] = useState(0);
  const [marker, seenEnd] = useSeenEnd(pages > 0);

  async function open(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await sendJson<Opened>('POST', '/api/sign/open', { token, accessCode: code.trim() });
      setPartyToken(session.partyToken);
      setOpened(session);
      const view = await getJson<Envelope>(`/api/envelopes/${session.envelopeId}`);
      setEnvelope(view);
      const me = view.parties.find((p) => p.id === session.partyId);
      if (me?.status === 'waiting' && view.status === 'sent') {
        setConfirmation(
          await getJson<Confirmation>(`/api/envelopes/${session.envelopeId}/witness-confirmation`),
        );
      }
      const document = view.documents[0];
      if (document !== undefined)
        setBytes(await getBytes(`/api/envelopes/${view.id}/documents/${document.id}`));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function sign(event: FormEvent) {
    event.preventDefault();
    if (opened === undefined || confirmation === undefined || envelope === undefined) return;
    setBusy(true);
    setError(undefined);
    setStep('sign');
    try {
      const after = await sendJson<Envelope>('POST', `/api/envelopes/${opened.envelopeId}/sign/witness`, {
        confirmed: true,
        lang,
        documentSha256: confirmation.documents.map((d) => d.sha256),
      });
      const me = envelope.parties.find((p) => p.id === opened.partyId);
      setOutcome(
        await outcomeOf(
          after,
          { id: opened.partyId, email: me?.email ?? '' },
          confirmation.documents[0]?.sha256 ?? '',
          lang,
          setStep,
        ),
      );
      setEnvelope(after);
      const document = after.documents[0];
      if (document !== undefined)
        setBytes(await getBytes(`/api/envelopes/${after.id}/documents/${document.id}`));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setStep(undefined);
    }
  }

  /** The current version: once everyone has signed, the completed PDF. */
  async function download() {
    if (envelope === undefined) return;
    setError(undefined);
    try {
      const view = await getJson<Envelope>(`/api/envelopes/${envelope.id}`);
      const document = view.documents[0];
      if (document === undefined) return;
      saveBytes(
        await getBytes(`/api/envelopes/${view.id}/documents/${document.id}`),
        document.name,
        'application/pdf',
      );
    } catch (e) {
      setError(e);
    }
  }

  if (opened === undefined || envelope === undefined) {
    return (
      <div className="narrow">
        <h1>{t('party.openTitle')}</h1>
        <p className="lead">{t('party.openLead')}</p>
        <form className="card form" onSubmit={open}>
          <label htmlFor="access-code">{t('party.accessCode')}</label>
          <input
            id="access-code"
            autoComplete="off"
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <button type="submit" className="primary" disabled={busy}>
            {t('party.open')}
          </button>
        </form>
        {error !== undefined ? (
          <ErrorNotice
            error={error}
            hint={
              error instanceof ApiError && error.code === 'SHOMEI_SIGNING_LINK_LOCKED'
                ? 'hint.locked'
                : 'hint.accessCode'
            }
          />
        ) : null}
      </div>
    );
  }

  const me: Party | undefined = envelope.parties.find((p) => p.id === opened.partyId);
  const reviewing = confirmation !== undefined && outcome === undefined;
  // Before signing the signer sees where the seal goes; afterwards the PDF shows the seal itself.
  const boxes = reviewing
    ? placementBoxes(envelope, opened.partyId, {
        mine: t('seal.yours'),
        other: (name) => t('seal.other', { name }),
      })
    : [];
  const myBox = boxes.find((b) => b.variant === 'mine');
  if (outcome !== undefined) {
    // The result page of its own: what happened, what next, the download; the timeline below it.
    return (
      <div className="sign">
        <h1>{envelope.title}</h1>
        <SignResult
          outcome={outcome}
          title={envelope.title}
          completed={envelope.status === 'completed' || envelope.status === 'completing'}
          onDownload={() => void download()}
        />
        <section className="card" aria-labelledby="sign-timeline-heading">
          <h2 id="sign-timeline-heading">{t('envelope.timeline')}</h2>
          <Timeline envelope={envelope} />
        </section>
        {error !== undefined ? <ErrorNotice error={error} /> : null}
      </div>
    );
  }
  return (
    <div className="sign">
      <h1>{envelope.title}</h1>
      <p className="lead">
        {me ? t('party.you', { name: me.company ? `${me.company} ${me.name}` : me.name }) : null}
      </p>
      {confirmation === undefined ? (
        <div className="actions">
          <button type="button" className="primary" onClick={() => void download()}>
            {t('download.pdf')}
          </button>
        </div>
      ) : null}
      <section className="card" aria-labelledby="doc-heading">
        <h2 id="doc-heading">{t('party.readTitle')}</h2>
        {reviewing ? <p className="lead small">{t('party.readLead')}</p> : null}
        {myBox !== undefined ? (
          <div className="seal-where">
            <p className="small">{t('seal.where', { page: myBox.page + 1 })}</p>
            <button type="button" onClick={scrollToMySeal} disabled={pages === 0}>
              {t('seal.jump')}
            </button>
          </div>
        ) : null}
        {bytes === undefined ? (
          <p role="status">{t('common.loading')}</p>
        ) : (
          <PdfPages
            bytes={bytes}
            boxes={boxes}
            onLoaded={setPages}
            footer={
              <div ref={marker} className="end-marker" data-testid="document-end">
                {t('party.endOfDocument')}
              </div>
            }
          />
        )}
      </section>
      {confirmation !== undefined && outcome === undefined ? (
        <form className="card form wide" onSubmit={sign} aria-labelledby="intent-heading">
          <h2 id="intent-heading">{t('party.intentTitle')}</h2>
          <p className="small">{t('party.witnessExplain')}</p>
          <label className="check">
            <input
              type="checkbox"
              checked={checked}
              disabled={!seenEnd}
              onChange={(e) => setChecked(e.target.checked)}
              data-testid="witness-confirm"
            />
            <span data-testid="witness-text">{confirmation[lang]}</span>
          </label>
          {!seenEnd ? <p className="small">{t('party.readFirst')}</p> : null}
          <button type="submit" className="primary" disabled={busy || !checked}>
            {busy ? t('sign.signing') : t('party.sign')}
          </button>
          {step === undefined ? null : <SignProgress step={step} />}
        </form>
      ) : null}
      <section className="card" aria-labelledby="sign-timeline-heading">
        <h2 id="sign-timeline-heading">{t('envelope.timeline')}</h2>
        <Timeline envelope={envelope} />
      </section>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
    </div>
  );
}
