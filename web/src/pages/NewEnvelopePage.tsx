import { type FormEvent, useState } from 'react';
import { postBytes, sendJson } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PdfPages } from '../components/LazyPdfPages.tsx';
import { PartiesSection, type PartyDraft, sealLabel, usePartyDrafts } from '../components/PartyDrafts.tsx';
import { SealChips } from '../components/SealChips.tsx';
import { NO_SPOT, placementOf as placementOfSpot } from '../components/SealPlacement.tsx';
import type { SealBox } from '../components/seal.ts';
import { TextField } from '../components/TextField.tsx';
import { useI18n } from '../i18n/index.tsx';
import { usePath } from '../router.tsx';
import { type SessionUser, useSession } from '../session.tsx';
import type { Envelope } from './envelope-types.ts';

const sameEmail = (a: string, b: string | undefined) =>
  b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

function placementOf(p: PartyDraft): ReturnType<typeof placementOfSpot> {
  return placementOfSpot(p.seal);
}

export interface SentNotice {
  readonly accessCodes: readonly { email: string; accessCode: string }[];
}

interface Basics {
  readonly title: string;
  readonly counterparty: string;
  readonly transactionDate: string;
  readonly amount: string;
  readonly order: 'parallel' | 'sequential';
}
const NO_BASICS: Basics = { title: '', counterparty: '', transactionDate: '', amount: '', order: 'parallel' };
type PdfFile = { name: string; bytes: ArrayBuffer };
type Drafts = ReturnType<typeof usePartyDrafts>;

/** POST /api/envelopes's body: parties by person — my own party by my account, anyone else by e-mail. */
function envelopeBody(basics: Basics, parties: readonly PartyDraft[], user: SessionUser | undefined) {
  return {
    title: basics.title.trim(),
    counterparty: basics.counterparty.trim(),
    ...(basics.transactionDate === '' ? {} : { transactionDate: basics.transactionDate }),
    ...(basics.amount.trim() === '' ? {} : { amount: Number.parseInt(basics.amount, 10) }),
    signingOrder: basics.order,
    parties: parties.map((p) => ({
      role: 'signer',
      signingMode: p.mode,
      // A signer-type party chooses one of their own credentials when signing.
      ...(p.mode === 'signer-type' && sameEmail(p.email, user?.email)
        ? { userId: user?.id }
        : { email: p.email.trim() }),
      ...(p.company.trim() === '' ? {} : { company: p.company.trim() }),
      ...(p.title.trim() === '' ? {} : { title: p.title.trim() }),
      ...(p.name.trim() === '' ? {} : { name: p.name.trim() }),
      placement: placementOf(p),
    })),
  };
}

/** Creates the draft, adds the PDF and sends; a send that fails leaves no orphan draft behind. */
async function createAndSend(body: unknown, file: PdfFile): Promise<{ id: string; sent: SentNotice }> {
  const envelope = await sendJson<Envelope>('POST', '/api/envelopes', body);
  try {
    await postBytes(
      `/api/envelopes/${envelope.id}/documents?name=${encodeURIComponent(file.name)}`,
      file.bytes,
      'application/pdf',
    );
    return {
      id: envelope.id,
      sent: await sendJson<SentNotice>('POST', `/api/envelopes/${envelope.id}/send`),
    };
  } catch (e) {
    // The draft goes, the form keeps its input.
    await sendJson('POST', `/api/envelopes/${envelope.id}/delete`, { reason: 'send failed' }).catch(
      () => undefined,
    );
    throw e;
  }
}

/** Title, counterparty, date, amount, order and the PDF. */
function BasicsSection({
  basics,
  onChange,
  onFile,
}: {
  basics: Basics;
  onChange: (change: Partial<Basics>) => void;
  onFile: (file: PdfFile) => void;
}) {
  const { t } = useI18n();
  return (
    <section className="card form-grid" aria-labelledby="new-basics">
      <h2 id="new-basics">{t('new.basics')}</h2>
      <TextField
        required
        mark
        id="env-title"
        label={t('envelope.title')}
        value={basics.title}
        onChange={(title) => onChange({ title })}
      />
      <TextField
        required
        mark
        id="env-counterparty"
        label={t('envelope.counterparty')}
        value={basics.counterparty}
        onChange={(counterparty) => onChange({ counterparty })}
      />
      <div className="field">
        <label htmlFor="env-date">{t('envelope.transactionDate')}</label>
        <input
          id="env-date"
          type="date"
          value={basics.transactionDate}
          onChange={(e) => onChange({ transactionDate: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor="env-amount">{t('envelope.amountYen')}</label>
        <input
          id="env-amount"
          type="number"
          min={0}
          inputMode="numeric"
          value={basics.amount}
          onChange={(e) => onChange({ amount: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor="env-order">{t('envelope.order')}</label>
        <select
          id="env-order"
          value={basics.order}
          onChange={(e) => onChange({ order: e.target.value === 'sequential' ? 'sequential' : 'parallel' })}
        >
          <option value="parallel">{t('order.parallel')}</option>
          <option value="sequential">{t('order.sequential')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="env-file">{t('new.file')}</label>
        <input
          id="env-file"
          type="file"
          accept="application/pdf,.pdf"
          onChange={(e) => {
            const chosen = e.target.files?.[0];
            if (chosen === undefined) return;
            void chosen.arrayBuffer().then((bytes) => onFile({ name: chosen.name, bytes }));
          }}
        />
      </div>
    </section>
  );
}

/** The PDF with the placed seal fields; chips select a field or take it off. */
function PreviewSection({
  file,
  drafts,
  onPages,
}: {
  file: PdfFile | undefined;
  drafts: Drafts;
  onPages: (pages: number) => void;
}) {
  const { t } = useI18n();
  const [selectedSeal, setSelectedSeal] = useState<string | undefined>();
  const { parties, update, onDropSeal } = drafts;
  const boxes: SealBox[] = parties.flatMap((p, i) => {
    const placement = placementOf(p);
    return placement === undefined
      ? []
      : [
          {
            key: p.key,
            label: sealLabel(p, i, t),
            page: placement.page,
            rect: placement.rect,
            selected: selectedSeal === p.key,
          },
        ];
  });
  return (
    <section className="card" aria-labelledby="new-preview">
      <h2 id="new-preview">{t('new.preview')}</h2>
      <p className="lead small">{t('new.previewLead')}</p>
      {file === undefined ? (
        <p>{t('new.noFileYet')}</p>
      ) : (
        <div className="preview-with-chips">
          <SealChips
            chips={parties.map((p, i) => ({
              key: p.key,
              label: sealLabel(p, i, t),
              page: placementOf(p)?.page,
            }))}
            selected={selectedSeal}
            onSelect={(key) => {
              setSelectedSeal(key);
              // The selected field may be pages away: bring it into view once, after it is drawn.
              if (key !== undefined)
                requestAnimationFrame(() =>
                  document.querySelector(`[data-seal="${key}"]`)?.scrollIntoView({ block: 'nearest' }),
                );
            }}
            onRemove={(key) => {
              update(key, { seal: NO_SPOT });
              if (selectedSeal === key) setSelectedSeal(undefined);
            }}
            onDrop={onDropSeal}
          />
          <PdfPages bytes={file.bytes} boxes={boxes} onDropSeal={onDropSeal} onLoaded={onPages} />
        </div>
      )}
    </section>
  );
}

/** Asks before sending, naming who will be mailed. */
function ConfirmSend({
  title,
  parties,
  onConfirm,
  onCancel,
}: {
  title: string;
  parties: readonly PartyDraft[];
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  return (
    <ConfirmDialog
      title={t('new.confirmTitle', { title: title.trim() })}
      confirmLabel={t('new.send')}
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      <p>{t('new.confirmLead')}</p>
      <ul data-testid="send-recipients">
        {parties.map((p) => (
          <li key={p.key}>
            {[p.company.trim(), p.name.trim()].filter((x) => x !== '').join(' ')} ({p.email.trim()})
          </li>
        ))}
      </ul>
    </ConfirmDialog>
  );
}

/** The checks the browser cannot make: a PDF is chosen and every party's seal is placed. */
function problemOf(
  file: PdfFile | undefined,
  parties: readonly PartyDraft[],
  t: ReturnType<typeof useI18n>['t'],
): string | undefined {
  if (file === undefined) return t('new.needFile');
  const unplaced = parties.findIndex((p) => placementOf(p) === undefined);
  return unplaced >= 0 ? t('new.needSeal', { n: unplaced + 1 }) : undefined;
}

/** Upload a PDF, add parties, place their seals (drag and drop, or page + x/y), send. */
export function NewEnvelopePage({ onSent }: { onSent: (id: string, notice: SentNotice) => void }) {
  const { t } = useI18n();
  const { navigate } = usePath();
  const { user } = useSession();
  const [basics, setBasics] = useState<Basics>(NO_BASICS);
  const [file, setFile] = useState<PdfFile | undefined>();
  const [pages, setPages] = useState(0);
  const drafts = usePartyDrafts();
  const [error, setError] = useState<unknown>();
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  function submit(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    const found = problemOf(file, drafts.parties, t);
    setProblem(found);
    if (found === undefined) setConfirming(true);
  }

  async function send() {
    setConfirming(false);
    if (file === undefined) return;
    setBusy(true);
    try {
      const { id, sent } = await createAndSend(envelopeBody(basics, drafts.parties, user), file);
      onSent(id, sent);
      navigate(`/envelopes/${id}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <form className="new-envelope" onSubmit={submit}>
        <h1>{t('new.title')}</h1>
        <BasicsSection
          basics={basics}
          onChange={(change) => setBasics((b) => ({ ...b, ...change }))}
          onFile={setFile}
        />
        <PartiesSection drafts={drafts} pages={pages} />
        <PreviewSection file={file} drafts={drafts} onPages={setPages} />
        {problem !== undefined ? (
          <p role="alert" className="notice notice-error">
            {problem}
          </p>
        ) : null}
        {error !== undefined ? <ErrorNotice error={error} hint="hint.checkForm" /> : null}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('new.sending') : t('new.send')}
          </button>
        </div>
      </form>
      {confirming ? (
        // Outside the form: the dialog has a form of its own, and forms do not nest.
        <ConfirmSend
          title={basics.title}
          parties={drafts.parties}
          onConfirm={() => void send()}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </>
  );
}
