import { useCallback, useEffect, useState } from 'react';
import { getJson } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import { NO_SPOT, SealPlacementInputs, type SealSpot, spotOfDrop } from './SealPlacement.tsx';
import { RequiredMark, TextField } from './TextField.tsx';

export type Mode = 'witness-type' | 'signer-type';
const MODES: readonly Mode[] = ['witness-type', 'signer-type'];

/** One party as the sender types it on the new-envelope form. */
export interface PartyDraft {
  readonly key: string;
  mode: Mode;
  company: string;
  title: string;
  name: string;
  email: string;
  /** Seal field: page (1-based in the form), lower-left corner in PDF points. */
  seal: SealSpot;
}

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

/** A placed field names the person (「佐藤 花子 の押印欄」) once the name is typed, not 「押印欄 2」. */
export function sealLabel(p: PartyDraft, i: number, t: ReturnType<typeof useI18n>['t']): string {
  return p.name.trim() === '' ? t('party.sealLabel', { n: i + 1 }) : t('new.sealOf', { name: p.name.trim() });
}

/** The parties being drafted, with only the signing modes the tenant allows offered. */
export function usePartyDrafts() {
  const [parties, setParties] = useState<PartyDraft[]>(() => [newParty('witness-type')]);
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
  const add = (mode: Mode) => setParties((all) => [...all, newParty(mode)]);
  const remove = (key: string) => setParties((all) => all.filter((q) => q.key !== key));
  return { parties, allowed, update, onDropSeal, add, remove };
}

type Drafts = ReturnType<typeof usePartyDrafts>;

/** Who the party is: the signing mode, company, title, name and e-mail. */
function PartyFields({
  p,
  allowed,
  update,
}: {
  p: PartyDraft;
  allowed: readonly Mode[];
  update: Drafts['update'];
}) {
  const { t } = useI18n();
  return (
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
      <TextField
        id={`${p.key}-company`}
        label={t('party.company')}
        value={p.company}
        onChange={(company) => update(p.key, { company })}
      />
      <TextField
        id={`${p.key}-title`}
        label={t('party.title')}
        value={p.title}
        onChange={(title) => update(p.key, { title })}
      />
      <TextField
        id={`${p.key}-name`}
        label={t('party.name')}
        value={p.name}
        onChange={(name) => update(p.key, { name })}
      />
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
  );
}

/** The parties, each with its seal field (page + x/y here, or dropped on the preview). */
export function PartiesSection({ drafts, pages }: { drafts: Drafts; pages: number }) {
  const { t } = useI18n();
  const { parties, allowed, update, onDropSeal } = drafts;
  return (
    <section className="card" aria-labelledby="new-parties">
      <h2 id="new-parties">{t('new.parties')}</h2>
      <p className="lead small">{t('new.partiesLead')}</p>
      {parties.map((p, i) => (
        <fieldset key={p.key} className="party" data-party={i + 1}>
          <legend>{t('party.number', { n: i + 1 })}</legend>
          <PartyFields p={p} allowed={allowed} update={update} />
          <SealPlacementInputs
            sealKey={p.key}
            label={sealLabel(p, i, t)}
            legend={t('party.sealPosition', { n: i + 1 })}
            pages={pages}
            spot={p.seal}
            onChange={(seal) => update(p.key, { seal })}
            onDrop={onDropSeal}
            chip={false}
          >
            {parties.length > 1 ? (
              <button type="button" onClick={() => drafts.remove(p.key)}>
                {t('party.remove')}
              </button>
            ) : null}
          </SealPlacementInputs>
        </fieldset>
      ))}
      <div className="actions">
        {allowed.includes('witness-type') ? (
          <button type="button" onClick={() => drafts.add('witness-type')}>
            {t('party.addWitness')}
          </button>
        ) : null}
        {allowed.includes('signer-type') ? (
          <button type="button" onClick={() => drafts.add('signer-type')}>
            {t('party.addSigner')}
          </button>
        ) : null}
      </div>
    </section>
  );
}
