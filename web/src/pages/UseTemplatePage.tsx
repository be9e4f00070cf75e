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
  const [template, setTemplate] = useState<TemplateView | undefined>();
  const [fills, setFills] = useState<Record<string, Fill>>({});
  const [title, setTitle] = useState('');
  const [transactionDate, setTransactionDate] = useState('');
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    getJson<TemplateView>(`/api/templates/${id}`)
      .then((tpl) => {
        setTemplate(tpl);
        setTitle(tpl.definition.title);
      })
      .catch(setError);
  }, [id]);

  if (template === undefined)
    return error === undefined ? (
      <p role="status">{t('common.loading')}</p>
    ) : (
      <ErrorNotice error={error} hint="hint.reload" />
    );
  const slots = openSlots(template);
  const approvals = (template.definition.internalApprovers ?? []).length > 0;
  const fillOf = (label: string): Fill => fills[label] ?? { email: '', name: '', company: '' };
  const update = (label: string, change: Partial<Fill>) =>
    setFills((all) => ({ ...all, [label]: { ...fillOf(label), ...change } }));

  async function create(event: FormEvent, send: boolean) {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const parties = Object.fromEntries(
        slots.map((s) => {
          const f = fillOf(s.label);
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
      const result = await sendJson<{ envelope: Envelope; accessCodes: SentNotice['accessCodes'] }>(
        'POST',
        `/api/templates/${id}/envelopes`,
        {
          parties,
          ...(title.trim() === '' || title.trim() === template?.definition.title
            ? {}
            : { title: title.trim() }),
          ...(transactionDate === '' ? {} : { transactionDate }),
          ...(amount.trim() === '' ? {} : { amount: Number.parseInt(amount, 10) }),
          send,
        },
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
      <section className="card form-grid" aria-labelledby="use-basics">
        <h2 id="use-basics">{t('new.basics')}</h2>
        <div className="field">
          <label htmlFor="use-title">{t('envelope.title')}</label>
          <input
            id="use-title"
            required
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="use-date">{t('envelope.transactionDate')}</label>
          <input
            id="use-date"
            type="date"
            value={transactionDate}
            onChange={(e) => setTransactionDate(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="use-amount">{t('envelope.amountYen')}</label>
          <input
            id="use-amount"
            type="number"
            min={0}
            inputMode="numeric"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
          />
        </div>
      </section>
      <section className="card" aria-labelledby="use-slots">
        <h2 id="use-slots">{t('use.slots')}</h2>
        {slots.length === 0 ? <p>{t('use.noOpenSlots')}</p> : null}
        {slots.map((s) => (
          <fieldset key={s.label} className="party" data-fill={s.label}>
            <legend>{t('template.slot', { label: s.label })}</legend>
            <div className="form-grid">
              <div className="field">
                <label htmlFor={`fill-${s.label}-email`}>{t('party.email')}</label>
                <input
                  id={`fill-${s.label}-email`}
                  type="email"
                  required
                  value={fillOf(s.label).email}
                  onChange={(e) => update(s.label, { email: e.target.value })}
                />
              </div>
              <div className="field">
                <label htmlFor={`fill-${s.label}-name`}>{t('party.name')}</label>
                <input
                  id={`fill-${s.label}-name`}
                  required
                  maxLength={100}
                  value={fillOf(s.label).name}
                  onChange={(e) => update(s.label, { name: e.target.value })}
                />
              </div>
              <div className="field">
                <label htmlFor={`fill-${s.label}-company`}>{t('party.company')}</label>
                <input
                  id={`fill-${s.label}-company`}
                  maxLength={200}
                  value={fillOf(s.label).company}
                  onChange={(e) => update(s.label, { company: e.target.value })}
                />
              </div>
            </div>
          </fieldset>
        ))}
      </section>
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
