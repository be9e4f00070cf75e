import { type FormEvent, useEffect, useState } from 'react';
import { getJson, sendJson } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useI18n } from '../i18n/index.tsx';
import { usePath } from '../router.tsx';
import type { Envelope } from './envelope-types.ts';
import type { SentNotice } from './NewEnvelopePage.tsx';
import { openSlots, type TemplateView } from './template-types.ts';

interface Fill {
  email: string;
  name: string;
  company: string;
}

const NO_FILL: Fill = { email: '', name: '', company: '' };

/** The envelope's own facts; a title equal to the template's is left to the server's default. */
interface Basics {
  title: string;
  transactionDate: string;
  amount: string;
}

function partiesOf(slots: readonly { label: string }[], fills: Record<string, Fill>) {
  return Object.fromEntries(
    slots.map((s) => {
      const f = fills[s.label] ?? NO_FILL;
      return [
        s.label,
        {
          email: f.email.trim(),
          name: f.name.trim(),
          ...(f.company.trim() === '' ? {} : { company: f.company.trim() }),
        },
      ];
    }),
  );
}

function requestBody(template: TemplateView, fills: Record<string, Fill>, basics: Basics, send: boolean) {
  const { title, transactionDate, amount } = basics;
  return {
    parties: partiesOf(openSlots(template), fills),
    ...(title.trim() === '' || title.trim() === template.definition.title ? {} : { title: title.trim() }),
    ...(transactionDate === '' ? {} : { transactionDate }),
    ...(amount.trim() === '' ? {} : { amount: Number.parseInt(amount, 10) }),
    send,
  };
}

/** The template, loaded once; its title starts the envelope's. */
function useTemplate(id: string, setBasics: (change: (b: Basics) => Basics) => void) {
  const [template, setTemplate] = useState<TemplateView | undefined>();
  const [loadError, setLoadError] = useState<unknown>();
  useEffect(() => {
    getJson<TemplateView>(`/api/templates/${id}`)
      .then((tpl) => {
        setTemplate(tpl);
        setBasics((b) => ({ ...b, title: tpl.definition.title }));
      })
      .catch(setLoadError);
  }, [id, setBasics]);
  return { template, loadError };
}

/** An envelope from a template: each open slot (乙, 丙 …) is filled with an e-mail, name and company. */
export function UseTemplatePage({
  id,
  onSent,
}: {
  id: string;
  onSent: (envelopeId: string, notice: SentNotice) => void;
}) {
  const { t } = useI18n();
  const { navigate } = usePath();
  const [basics, setBasics] = useState<Basics>({ title: '', transactionDate: '', amount: '' });
  const { template, loadError } = useTemplate(id, setBasics);
  const [fills, setFills] = useState<Record<string, Fill>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  if (template === undefined)
    return loadError === undefined ? (
      <p role="status">{t('common.loading')}</p>
    ) : (
      <ErrorNotice error={loadError} hint="hint.reload" />
    );
  const approvals = (template.definition.internalApprovers ?? []).length > 0;

  async function create(event: FormEvent, send: boolean) {
    event.preventDefault();
    if (template === undefined) return;
    setError(undefined);
    setBusy(true);
    try {
      const result = await sendJson<{ envelope: Envelope; accessCodes: SentNotice['accessCodes'] }>(
        'POST',
        `/api/templates/${id}/envelopes`,
        requestBody(template, fills, basics, send),
      );
      onSent(result.envelope.id, { accessCodes: result.accessCodes });
      navigate(`/envelopes/${result.envelope.id}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="new-envelope" onSubmit={(e) => void create(e, true)}>
      <h1>{t('use.title', { name: template.name })}</h1>
      <p className="lead">{approvals ? t('use.leadApproval') : t('use.lead')}</p>
      <BasicsSection basics={basics} onChange={(change) => setBasics((b) => ({ ...b, ...change }))} />
      <SlotsSection
        slots={openSlots(template)}
        fills={fills}
        onChange={(label, change) =>
          setFills((all) => ({ ...all, [label]: { ...(all[label] ?? NO_FILL), ...change } }))
        }
      />
      {error !== undefined ? <ErrorNotice error={error} hint="hint.checkForm" /> : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {approvals ? t('use.requestApproval') : t('use.send')}
        </button>
        {approvals ? null : (
          <button type="button" disabled={busy} onClick={(e) => void create(e, false)}>
            {t('use.draft')}
          </button>
        )}
      </div>
    </form>
  );
}

function BasicsSection({
  basics,
  onChange,
}: {
  basics: Basics;
  onChange: (change: Partial<Basics>) => void;
}) {
  const { t } = useI18n();
  return (
    <section className="card form-grid" aria-labelledby="use-basics">
      <h2 id="use-basics">{t('new.basics')}</h2>
      <div className="field">
        <label htmlFor="use-title">{t('envelope.title')}</label>
        <input
          id="use-title"
          required
          maxLength={200}
          value={basics.title}
          onChange={(e) => onChange({ title: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor="use-date">{t('envelope.transactionDate')}</label>
        <input
          id="use-date"
          type="date"
          value={basics.transactionDate}
          onChange={(e) => onChange({ transactionDate: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor="use-amount">{t('envelope.amountYen')}</label>
        <input
          id="use-amount"
          type="number"
          min={0}
          inputMode="numeric"
          value={basics.amount}
          onChange={(e) => onChange({ amount: e.target.value })}
        />
      </div>
    </section>
  );
}

function SlotsSection({
  slots,
  fills,
  onChange,
}: {
  slots: readonly { label: string }[];
  fills: Record<string, Fill>;
  onChange: (label: string, change: Partial<Fill>) => void;
}) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="use-slots">
      <h2 id="use-slots">{t('use.slots')}</h2>
      {slots.length === 0 ? <p>{t('use.noOpenSlots')}</p> : null}
      {slots.map((s) => (
        <SlotFill
          key={s.label}
          label={s.label}
          fill={fills[s.label] ?? NO_FILL}
          onChange={(change) => onChange(s.label, change)}
        />
      ))}
    </section>
  );
}

function SlotFill({
  label,
  fill,
  onChange,
}: {
  label: string;
  fill: Fill;
  onChange: (change: Partial<Fill>) => void;
}) {
  const { t } = useI18n();
  return (
    <fieldset className="party" data-fill={label}>
      <legend>{t('template.slot', { label })}</legend>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`fill-${label}-email`}>{t('party.email')}</label>
          <input
            id={`fill-${label}-email`}
            type="email"
            required
            value={fill.email}
            onChange={(e) => onChange({ email: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={`fill-${label}-name`}>{t('party.name')}</label>
          <input
            id={`fill-${label}-name`}
            required
            maxLength={100}
            value={fill.name}
            onChange={(e) => onChange({ name: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={`fill-${label}-company`}>{t('party.company')}</label>
          <input
            id={`fill-${label}-company`}
            maxLength={200}
            value={fill.company}
            onChange={(e) => onChange({ company: e.target.value })}
          />
        </div>
      </div>
    </fieldset>
  );
}
