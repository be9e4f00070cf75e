import { useCallback, useState } from 'react';
import { useI18n } from '../i18n/index.tsx';
import type { SigningMode, SlotRole, TemplateSlot } from '../pages/template-types.ts';
import { useSession } from '../session.tsx';
import {
  NO_SPOT,
  placementOf,
  SealPlacementInputs,
  type SealSpot,
  spotOfDrop,
  spotOfPlacement,
} from './SealPlacement.tsx';

const LABELS = ['甲', '乙', '丙', '丁', '戊', '己'];

/** One slot as the template editor holds it: numbers and ids as typed, the seal as page + x/y. */
export interface SlotDraft {
  readonly key: string;
  label: string;
  role: SlotRole;
  mode: SigningMode;
  order: string;
  userId: string;
  credentialId: string;
  seal: SealSpot;
}

let counter = 0;
export function slotDraft(label: string, from?: TemplateSlot): SlotDraft {
  counter += 1;
  return {
    key: `s${counter}`,
    label: from?.label ?? label,
    role: from?.role ?? 'signer',
    mode: from?.signingMode ?? 'witness-type',
    order: from?.order === undefined ? '' : String(from.order),
    userId: from?.userId ?? '',
    credentialId: from?.credentialId ?? '',
    seal: spotOfPlacement(from?.placement),
  };
}

export const int = (value: string) => (value.trim() === '' ? undefined : Number.parseInt(value, 10));

/** The slot as the API takes it: empty fields left out, the seal on the first document. */
export function slotOfDraft(s: SlotDraft): TemplateSlot {
  const placement = placementOf(s.seal);
  const slotOrder = int(s.order);
  return {
    label: s.label.trim(),
    role: s.role,
    ...(s.role === 'signer' ? { signingMode: s.mode } : {}),
    order: slotOrder,
    placement: placement === undefined ? undefined : { document: 0, ...placement },
    ...(s.userId.trim() === '' ? {} : { userId: s.userId.trim() }),
    ...(s.credentialId.trim() === '' ? {} : { credentialId: s.credentialId.trim() }),
  };
}

/** The slots being edited, starting with 甲 and 乙. */
export function useSlotDrafts() {
  const [slots, setSlots] = useState<SlotDraft[]>(() => [slotDraft('甲'), slotDraft('乙')]);
  const update = (key: string, change: Partial<SlotDraft>) =>
    setSlots((all) => all.map((s) => (s.key === key ? { ...s, ...change } : s)));
  const onDropSeal = useCallback((key: string, page: number, x: number, y: number) => {
    setSlots((all) => all.map((s) => (s.key === key ? { ...s, seal: spotOfDrop(page, x, y) } : s)));
  }, []);
  const remove = (key: string) => setSlots((all) => all.filter((q) => q.key !== key));
  // The next unused label (甲, 乙, 丙 …), else a number.
  const add = () =>
    setSlots((all) => [
      ...all,
      slotDraft(LABELS.find((l) => !all.some((s) => s.label === l)) ?? String(all.length + 1)),
    ]);
  return { slots, setSlots, update, onDropSeal, remove, add };
}

type Slots = ReturnType<typeof useSlotDrafts>;
type Update = Slots['update'];

function RoleAndMode({ s, update }: { s: SlotDraft; update: Update }) {
  const { t } = useI18n();
  return (
    <>
      <div className="field">
        <label htmlFor={`${s.key}-role`}>{t('template.role')}</label>
        <select
          id={`${s.key}-role`}
          value={s.role}
          onChange={(e) => update(s.key, { role: e.target.value as SlotRole })}
        >
          <option value="signer">{t('role.signer')}</option>
          <option value="approver">{t('role.approver')}</option>
          <option value="viewer">{t('role.viewer')}</option>
        </select>
      </div>
      {s.role === 'signer' ? (
        <div className="field">
          <label htmlFor={`${s.key}-mode`}>{t('party.mode')}</label>
          <select
            id={`${s.key}-mode`}
            value={s.mode}
            onChange={(e) =>
              update(s.key, {
                mode: e.target.value === 'signer-type' ? 'signer-type' : 'witness-type',
              })
            }
          >
            <option value="witness-type">{t('mode.witness-type')}</option>
            <option value="signer-type">{t('mode.signer-type')}</option>
          </select>
        </div>
      ) : null}
    </>
  );
}

/** A party fixed by the template (its user id, and for a signer-type signer, its credential). */
function FixedParty({ s, update }: { s: SlotDraft; update: Update }) {
  const { t } = useI18n();
  const { user } = useSession();
  return (
    <>
      <div className="field">
        <label htmlFor={`${s.key}-user`}>{t('template.fixedUser')}</label>
        <input
          id={`${s.key}-user`}
          autoComplete="off"
          value={s.userId}
          onChange={(e) => update(s.key, { userId: e.target.value })}
        />
        <small>{t('template.fixedUserNote')}</small>
        {user !== undefined ? (
          <button type="button" onClick={() => update(s.key, { userId: user.id })}>
            {t('template.fixedMe')}
          </button>
        ) : null}
      </div>
      {s.role === 'signer' && s.mode === 'signer-type' ? (
        <div className="field">
          <label htmlFor={`${s.key}-credential`}>{t('party.credential')}</label>
          <input
            id={`${s.key}-credential`}
            autoComplete="off"
            value={s.credentialId}
            onChange={(e) => update(s.key, { credentialId: e.target.value })}
          />
        </div>
      ) : null}
    </>
  );
}

function SlotFields({ s, update }: { s: SlotDraft; update: Update }) {
  const { t } = useI18n();
  return (
    <div className="form-grid">
      <div className="field">
        <label htmlFor={`${s.key}-label`}>{t('template.label')}</label>
        <input
          id={`${s.key}-label`}
          required
          maxLength={20}
          list="slot-labels"
          value={s.label}
          onChange={(e) => update(s.key, { label: e.target.value })}
        />
      </div>
      <RoleAndMode s={s} update={update} />
      <div className="field">
        <label htmlFor={`${s.key}-order`}>{t('template.slotOrder')}</label>
        <input
          id={`${s.key}-order`}
          type="number"
          min={1}
          max={100}
          inputMode="numeric"
          value={s.order}
          onChange={(e) => update(s.key, { order: e.target.value })}
        />
      </div>
      <FixedParty s={s} update={update} />
    </div>
  );
}

/** The template's slots (甲/乙/丙 …), each with its seal field placed by page + x/y or by dragging. */
export function SlotsSection({ drafts, pages }: { drafts: Slots; pages: number }) {
  const { t } = useI18n();
  const { slots, update, onDropSeal } = drafts;
  return (
    <section className="card" aria-labelledby="tpl-slots">
      <h2 id="tpl-slots">{t('template.slots')}</h2>
      <p className="lead small">{t('template.slotsLead')}</p>
      {slots.map((s, i) => (
        <fieldset key={s.key} className="party" data-slot={i + 1}>
          <legend>{t('template.slot', { label: s.label || String(i + 1) })}</legend>
          <SlotFields s={s} update={update} />
          <SealPlacementInputs
            sealKey={s.key}
            label={t('template.sealLabel', { label: s.label })}
            legend={t('template.sealPosition', { label: s.label })}
            pages={pages}
            spot={s.seal}
            onChange={(seal) => update(s.key, { seal })}
            onDrop={onDropSeal}
          >
            <button type="button" onClick={() => update(s.key, { seal: NO_SPOT })}>
              {t('template.clearSeal')}
            </button>
            {slots.length > 1 ? (
              <button type="button" onClick={() => drafts.remove(s.key)}>
                {t('template.removeSlot')}
              </button>
            ) : null}
          </SealPlacementInputs>
        </fieldset>
      ))}
      <datalist id="slot-labels">
        {LABELS.map((l) => (
          <option key={l} value={l} />
        ))}
      </datalist>
      <div className="actions">
        <button type="button" onClick={drafts.add}>
          {t('template.addSlot')}
        </button>
      </div>
    </section>
  );
}
