import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { getJson, postBytes, sendJson } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PdfPages } from '../components/LazyPdfPages.tsx';
import { SealChips } from '../components/SealChips.tsx';
import {
  NO_SPOT,
  placementOf as placementOfSpot,
  SealPlacementInputs,
  type SealSpot,
  spotOfDrop,
} from '../components/SealPlacement.tsx';
import type { SealBox } from '../components/seal.ts';
import { useI18n } from '../i18n/index.tsx';
import { usePath } from '../router.tsx';
import { useSession } from '../session.tsx';
import type { Envelope } from './envelope-types.ts';

type Mode = 'witness-type' | 'signer-type';
const MODES: readonly Mode[] = ['witness-type', 'signer-type'];

interface PartyDraft {
  readonly key: string;
  mode: Mode;
  company: string;
  title: string;
  name: string;
  email: string;
  /** Seal field: page (1-based in the form), lower-left corner in PDF points. */
  seal: SealSpot;
}

const sameEmail = (a: string, b: string | undefined) =>
  b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

let counter = 0;
function newParty(mode: Mode): PartyDraft {
  counter += 1;
  return {
    key: `p${counter}`,
    mode,
    company: '',
    title: '',
    name: '',
    email: '',
    seal: NO_SPOT,
  };
}

function placementOf(p: PartyDraft): ReturnType<typeof placementOfSpot> {
  return placementOfSpot(p.seal);
}

export interface SentNotice {
  readonly accessCodes: readonly { email: string; accessCode: string }[];
}

/** 「必須」 beside a required field's label; hidden from screen readers, which read `required`. */
function RequiredMark() {
  const { t } = useI18n();
  return (
    <span className="required-mark" aria-hidden="true">
      {t('form.required')}
    </span>
  );
}

/** Upload a PDF, add parties, place their seals (drag and drop, or page + x/y), send. */
export function NewEnvelopePage({ onSent }: { onSent: (id: string, notice: SentNotice) => void }) {
  const { t } = useI18n();
  const { navigate } = usePath();
  const { user } = useSession();
  const [title, setTitle] = useState('');
  const [counterparty, setCounterparty] = useState('');
  const [transactionDate, setTransactionDate] = useState('');
  const [amount, setAmount] = useState('');
  const [order, setOrder] = useState<'parallel' | 'sequential'>('parallel');
  const [file, setFile] = useState<{ name: string; bytes: ArrayBuffer } | undefined>();
  const [pages, setPages] = useState(0);
  const [parties, setParties] = useState<PartyDraft[]>(() => [newParty('witness-type')]);
  const [error, setError] = useState<unknown>();
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [selectedSeal, setSelectedSeal] = useState<string | undefined>();
  // Only the signing modes the tenant allows are offered (the server refuses the others too).
  const [allowed, setAllowed] = useState<readonly Mode[]>(MODES);
  useEffect(() => {
    getJson<{ allowedModes: Mode[] }>('/api/contracts/signing-policy')
      .then((policy) => {
        const modes = MODES.filter((m) => policy.allowedModes.includes(m));
        setAllowed(modes);
        setParties((all) =>
          all.map((p) => (modes.includes(p.mode) ? p : { ...p, mode: modes[0] ?? p.mode })),
        );
      })
      .catch(() => undefined);
  }, []);

  const update = (key: string, change: Partial<PartyDraft>) =>
    setParties((all) => all.map((p) => (p.key === key ? { ...p, ...change } : p)));

  const onDropSeal = useCallback((key: string, page: number, x: number, y: number) => {
    setParties((all) => all.map((p) => (p.key === key ? { ...p, seal: spotOfDrop(page, x, y) } : p)));
  }, []);

  // A placed field names the person (「佐藤 花子 の押印欄」) once the name is typed, not 「押印欄 2」.
  const sealLabelOf = (p: PartyDraft, i: number): string =>
    p.name.trim() === '' ? t('party.sealLabel', { n: i + 1 }) : t('new.sealOf', { name: p.name.trim() });

  const boxes: SealBox[] = parties.flatMap((p, i) => {
    const placement = placementOf(p);
    return placement === undefined
      ? []
      : [
          {
            key: p.key,
            label: sealLabelOf(p, i),
            page: placement.page,
            rect: placement.rect,
            selected: selectedSeal === p.key,
          },
        ];
  });

  /** Checks what the browser cannot, then asks for a confirmation naming who will be mailed. */
  function submit(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setProblem(undefined);
    if (file === undefined) {
      setProblem(t('new.needFile'));
      return;
    }
    const unplaced = parties.findIndex((p) => placementOf(p) === undefined);
    if (unplaced >= 0) {
      setProblem(t('new.needSeal', { n: unplaced + 1 }));
      return;
    }
    setConfirming(true);
  }

  async function send() {
    setConfirming(false);
    if (file === undefined) return;
    setBusy(true);
    try {
      const body = {
        title: title.trim(),
        counterparty: counterparty.trim(),
        ...(transactionDate === '' ? {} : { transactionDate }),
        ...(amount.trim() === '' ? {} : { amount: Number.parseInt(amount, 10) }),
        signingOrder: order,
        parties: parties.map((p) => ({
          role: 'signer',
          signingMode: p.mode,
          // Parties by person: my own party by my account, anyone else by e-mail; a signer-type
          // party chooses one of their own credentials when signing.
          ...(p.mode === 'signer-type' && sameEmail(p.email, user?.email)
            ? { userId: user?.id }
            : { email: p.email.trim() }),
          ...(p.company.trim() === '' ? {} : { company: p.company.trim() }),
          ...(p.title.trim() === '' ? {} : { title: p.title.trim() }),
          ...(p.name.trim() === '' ? {} : { name: p.name.trim() }),
          placement: placementOf(p),
        })),
      };
      const envelope = await sendJson<Envelope>('POST', '/api/envelopes', body);
      try {
        await postBytes(
          `/api/envelopes/${envelope.id}/documents?name=${encodeURIComponent(file.name)}`,
          file.bytes,
          'application/pdf',
        );
        const sent = await sendJson<SentNotice>('POST', `/api/envelopes/${envelope.id}/send`);
        onSent(envelope.id, sent);
        navigate(`/envelopes/${envelope.id}`);
      } catch (e) {
        // A send that fails leaves no orphan draft behind: the draft goes, the form keeps its input.
        await sendJson('POST', `/api/envelopes/${envelope.id}/delete`, { reason: 'send failed' }).catch(
          () => undefined,
        );
        throw e;
      }
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
        <section className="card form-grid" aria-labelledby="new-basics">
          <h2 id="new-basics">{t('new.basics')}</h2>
          <div className="field">
            <label htmlFor="env-title">
              {t('envelope.title')} <RequiredMark />
            </label>
            <input
              id="env-title"
              required
              maxLength={200}
              value={title}
              onChange={(e) => setTitle(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="env-counterparty">
              {t('envelope.counterparty')} <RequiredMark />
            </label>
            <input
              id="env-counterparty"
              required
              maxLength={200}
              value={counterparty}
              onChange={(e) => setCounterparty(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="env-date">{t('envelope.transactionDate')}</label>
            <input
              id="env-date"
              type="date"
              value={transactionDate}
              onChange={(e) => setTransactionDate(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="env-amount">{t('envelope.amountYen')}</label>
            <input
              id="env-amount"
              type="number"
              min={0}
              inputMode="numeric"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="env-order">{t('envelope.order')}</label>
            <select
              id="env-order"
              value={order}
              onChange={(e) => setOrder(e.target.value === 'sequential' ? 'sequential' : 'parallel')}
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
                void chosen.arrayBuffer().then((bytes) => setFile({ name: chosen.name, bytes }));
              }}
            />
          </div>
        </section>

        <section className="card" aria-labelledby="new-parties">
          <h2 id="new-parties">{t('new.parties')}</h2>
          <p className="lead small">{t('new.partiesLead')}</p>
          {parties.map((p, i) => (
            <fieldset key={p.key} className="party" data-party={i + 1}>
              <legend>{t('party.number', { n: i + 1 })}</legend>
              <div className="form-grid">
                <div className="field">
                  <label htmlFor={`${p.key}-mode`}>{t('party.mode')}</label>
                  <select
                    id={`${p.key}-mode`}
                    value={p.mode}
                    onChange={(e) =>
                      update(p.key, {
                        mode: e.target.value === 'signer-type' ? 'signer-type' : 'witness-type',
                      })
                    }
                  >
                    {allowed.map((m) => (
                      <option key={m} value={m}>
                        {t(`mode.${m}`)}
                      </option>
                    ))}
                  </select>
                </div>
                <div className="field">
                  <label htmlFor={`${p.key}-company`}>{t('party.company')}</label>
                  <input
                    id={`${p.key}-company`}
                    value={p.company}
                    onChange={(e) => update(p.key, { company: e.target.value })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${p.key}-title`}>{t('party.title')}</label>
                  <input
                    id={`${p.key}-title`}
                    value={p.title}
                    onChange={(e) => update(p.key, { title: e.target.value })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${p.key}-name`}>{t('party.name')}</label>
                  <input
                    id={`${p.key}-name`}
                    value={p.name}
                    onChange={(e) => update(p.key, { name: e.target.value })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${p.key}-email`}>
                    {t('party.email')} <RequiredMark />
                  </label>
                  <input
                    id={`${p.key}-email`}
                    type="email"
                    required
                    value={p.email}
                    onChange={(e) => update(p.key, { email: e.target.value })}
                  />
                  {p.mode === 'signer-type' ? <small>{t('party.signerTypeNote')}</small> : null}
                </div>
              </div>
              <SealPlacementInputs
                sealKey={p.key}
                label={sealLabelOf(p, i)}
                legend={t('party.sealPosition', { n: i + 1 })}
                pages={pages}
                spot={p.seal}
                onChange={(seal) => update(p.key, { seal })}
                onDrop={onDropSeal}
                chip={false}
              >
                {parties.length > 1 ? (
                  <button
                    type="button"
                    onClick={() => setParties((all) => all.filter((q) => q.key !== p.key))}
                  >
                    {t('party.remove')}
                  </button>
                ) : null}
              </SealPlacementInputs>
            </fieldset>
          ))}
          <div className="actions">
            {allowed.includes('witness-type') ? (
              <button type="button" onClick={() => setParties((all) => [...all, newParty('witness-type')])}>
                {t('party.addWitness')}
              </button>
            ) : null}
            {allowed.includes('signer-type') ? (
              <button type="button" onClick={() => setParties((all) => [...all, newParty('signer-type')])}>
                {t('party.addSigner')}
              </button>
            ) : null}
          </div>
        </section>

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
                  label: sealLabelOf(p, i),
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
              <PdfPages bytes={file.bytes} boxes={boxes} onDropSeal={onDropSeal} onLoaded={setPages} />
            </div>
          )}
        </section>

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
        <ConfirmDialog
          title={t('new.confirmTitle', { title: title.trim() })}
          confirmLabel={t('new.send')}
          onConfirm={() => void send()}
          onCancel={() => setConfirming(false)}
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
      ) : null}
    </>
  );
}
