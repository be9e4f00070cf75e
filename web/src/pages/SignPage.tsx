import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError, getBytes, getJson, saveBytes, sendJson, setPartyToken } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PdfPages } from '../components/LazyPdfPages.tsx';
import { SignProgress, type SignStep } from '../components/SignProgress.tsx';
import { type SignOutcome, SignResult } from '../components/SignResult.tsx';
import { Timeline } from '../components/Timeline.tsx';
import { useI18n } from '../i18n/index.tsx';
import { outcomeOf, placementBoxes, scrollToMySeal } from '../sign-helpers.ts';
import type { Envelope, Party, PartySessionAnswer, WitnessConfirmation } from './envelope-types.ts';

type Opened = PartySessionAnswer;
type Confirmation = WitnessConfirmation;

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

/** The current version's PDF: once everyone has signed, the completed one. */
async function firstDocumentBytes(envelope: Envelope): Promise<ArrayBuffer | undefined> {
  const document = envelope.documents[0];
  return document === undefined
    ? undefined
    : getBytes(`/api/envelopes/${envelope.id}/documents/${document.id}`);
}

/** The witness signature with the confirmed text and document hashes, then what it led to. */
async function signAsWitness(
  opened: Opened,
  envelope: Envelope,
  confirmation: Confirmation,
  lang: 'ja' | 'en',
  setStep: (step: SignStep) => void,
) {
  const after = await sendJson<Envelope>('POST', `/api/envelopes/${opened.envelopeId}/sign/witness`, {
    confirmed: true,
    lang,
    documentSha256: confirmation.documents.map((d) => d.sha256),
  });
  const me = envelope.parties.find((p) => p.id === opened.partyId);
  const outcome = await outcomeOf(
    after,
    { id: opened.partyId, email: me?.email ?? '' },
    confirmation.documents[0]?.sha256 ?? '',
    lang,
    setStep,
  );
  return { after, outcome };
}

/** The signing's state and its three actions (open, sign, download), each with busy and error. */
function useSigning(token: string) {
  const { lang } = useI18n();
  const [opened, setOpened] = useState<Opened | undefined>();
  const [envelope, setEnvelope] = useState<Envelope | undefined>();
  const [confirmation, setConfirmation] = useState<Confirmation | undefined>();
  const [bytes, setBytes] = useState<ArrayBuffer | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [outcome, setOutcome] = useState<SignOutcome | undefined>();
  const [step, setStep] = useState<SignStep | undefined>();

  /** Runs one action with the busy flag and the error notice. */
  async function attempt(work: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  // Each part is shown as it arrives: the session and envelope first, then what to confirm, the PDF.
  const open = (code: string) =>
    attempt(async () => {
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
      const pdf = await firstDocumentBytes(view);
      if (pdf !== undefined) setBytes(pdf);
    });

  async function sign() {
    if (opened === undefined || confirmation === undefined || envelope === undefined) return;
    setStep('sign');
    await attempt(async () => {
      try {
        const signed = await signAsWitness(opened, envelope, confirmation, lang, setStep);
        setOutcome(signed.outcome);
        setEnvelope(signed.after);
        const pdf = await firstDocumentBytes(signed.after);
        if (pdf !== undefined) setBytes(pdf);
      } finally {
        setStep(undefined);
      }
    });
  }

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

  return { opened, envelope, confirmation, bytes, busy, error, outcome, step, open, sign, download };
}

type Signing = ReturnType<typeof useSigning>;

/**
 * A counterparty's signing: the mailed link plus the access code (passed on separately), the whole
 * document with where the seal goes, explicit intent, then the result screen.
 */
export function SignPage({ token }: { token: string }) {
  const signing = useSigning(token);
  const { opened, envelope, outcome, error } = signing;
  if (opened === undefined || envelope === undefined) return <AccessCodeStep signing={signing} />;
  if (outcome !== undefined) {
    // The result page of its own: what happened, what next, the download; the timeline below it.
    return (
      <div className="sign">
        <h1>{envelope.title}</h1>
        <SignResult
          outcome={outcome}
          title={envelope.title}
          completed={envelope.status === 'completed' || envelope.status === 'completing'}
          onDownload={() => void signing.download()}
        />
        <TimelineSection envelope={envelope} />
        {error !== undefined ? <ErrorNotice error={error} /> : null}
      </div>
    );
  }
  return <ReviewStep signing={signing} opened={opened} envelope={envelope} />;
}

function AccessCodeStep({ signing }: { signing: Signing }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const { error } = signing;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void signing.open(code);
  };
  return (
    <div className="narrow">
      <h1>{t('party.openTitle')}</h1>
      <p className="lead">{t('party.openLead')}</p>
      <form className="card form" onSubmit={submit}>
        <label htmlFor="access-code">{t('party.accessCode')}</label>
        <input
          id="access-code"
          autoComplete="off"
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
        <button type="submit" className="primary" disabled={signing.busy}>
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

function TimelineSection({ envelope }: { envelope: Envelope }) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="sign-timeline-heading">
      <h2 id="sign-timeline-heading">{t('envelope.timeline')}</h2>
      <Timeline envelope={envelope} />
    </section>
  );
}

/** The document with where the seal goes, read to the end, then the intent. */
function ReviewStep({ signing, opened, envelope }: { signing: Signing; opened: Opened; envelope: Envelope }) {
  const { t } = useI18n();
  const { confirmation, error } = signing;
  const [pages, setPages] = useState(0);
  const [marker, seenEnd] = useSeenEnd(pages > 0);
  const me: Party | undefined = envelope.parties.find((p) => p.id === opened.partyId);
  return (
    <div className="sign">
      <h1>{envelope.title}</h1>
      <p className="lead">
        {me ? t('party.you', { name: me.company ? `${me.company} ${me.name}` : me.name }) : null}
      </p>
      {confirmation === undefined ? (
        <div className="actions">
          <button type="button" className="primary" onClick={() => void signing.download()}>
            {t('download.pdf')}
          </button>
        </div>
      ) : null}
      <DocumentSection
        signing={signing}
        opened={opened}
        envelope={envelope}
        pages={pages}
        onLoaded={setPages}
        marker={marker}
      />
      {confirmation !== undefined ? (
        <IntentForm signing={signing} confirmation={confirmation} seenEnd={seenEnd} />
      ) : null}
      <TimelineSection envelope={envelope} />
      {error !== undefined ? <ErrorNotice error={error} /> : null}
    </div>
  );
}

function DocumentSection(props: {
  signing: Signing;
  opened: Opened;
  envelope: Envelope;
  pages: number;
  onLoaded: (pages: number) => void;
  marker: React.RefObject<HTMLDivElement | null>;
}) {
  const { t } = useI18n();
  const { signing, opened, envelope, pages } = props;
  const reviewing = signing.confirmation !== undefined;
  // Before signing the signer sees where the seal goes; afterwards the PDF shows the seal itself.
  const boxes = reviewing
    ? placementBoxes(envelope, opened.partyId, {
        mine: t('seal.yours'),
        other: (name) => t('seal.other', { name }),
      })
    : [];
  const myBox = boxes.find((b) => b.variant === 'mine');
  return (
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
      {signing.bytes === undefined ? (
        <p role="status">{t('common.loading')}</p>
      ) : (
        <PdfPages
          bytes={signing.bytes}
          boxes={boxes}
          onLoaded={props.onLoaded}
          footer={
            <div ref={props.marker} className="end-marker" data-testid="document-end">
              {t('party.endOfDocument')}
            </div>
          }
        />
      )}
    </section>
  );
}

function IntentForm({
  signing,
  confirmation,
  seenEnd,
}: {
  signing: Signing;
  confirmation: Confirmation;
  seenEnd: boolean;
}) {
  const { lang, t } = useI18n();
  const [checked, setChecked] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void signing.sign();
  };
  return (
    <form className="card form wide" onSubmit={submit} aria-labelledby="intent-heading">
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
      <button type="submit" className="primary" disabled={signing.busy || !checked}>
        {signing.busy ? t('sign.signing') : t('party.sign')}
      </button>
      {signing.step === undefined ? null : <SignProgress step={signing.step} />}
    </form>
  );
}
