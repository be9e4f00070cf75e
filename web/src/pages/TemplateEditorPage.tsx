import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { getJson, postBytes, sendJson } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PdfPages } from '../components/LazyPdfPages.tsx';
import { approversByName, type Member, MemberPicker } from '../components/MemberPicker.tsx';
import {
  NO_SPOT,
  placementOf,
  SealPlacementInputs,
  type SealSpot,
  spotOfDrop,
  spotOfPlacement,
} from '../components/SealPlacement.tsx';
import type { SealBox } from '../components/seal.ts';
import { useI18n } from '../i18n/index.tsx';
import { Link, usePath } from '../router.tsx';
import { useSession } from '../session.tsx';
import type {
  SigningMode,
  SlotRole,
  TemplateDefinition,
  TemplateSlot,
  TemplateView,
} from './template-types.ts';

const LABELS = ['甲', '乙', '丙', '丁', '戊', '己'];

interface SlotDraft {
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
function slotDraft(label: string, from?: TemplateSlot): SlotDraft {
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

const int = (value: string) => (value.trim() === '' ? undefined : Number.parseInt(value, 10));

/**
 * Create or edit a template: name, envelope title, PDF, slots (甲/乙/丙, role, signing mode, order,
 * an optional fixed party, seal placed by dragging onto the rendered page), expiry, reminders and
 * internal approvers (社内承認).
 */
export function TemplateEditorPage({ id }: { id: string | undefined }) {
  const { t } = useI18n();
  const { navigate } = usePath();
  const { user } = useSession();
  const [loaded, setLoaded] = useState<TemplateView | undefined>();
  const [name, setName] = useState('');
  const [title, setTitle] = useState('');
  const [counterparty, setCounterparty] = useState('');
  const [order, setOrder] = useState<'sequential' | 'parallel'>('sequential');
  const [expires, setExpires] = useState('');
  const [interval, setIntervalDays] = useState('');
  const [maxReminders, setMaxReminders] = useState('');
  const [approvers, setApprovers] = useState<readonly Member[]>([]);
  const [slots, setSlots] = useState<SlotDraft[]>(() => [slotDraft('甲'), slotDraft('乙')]);
  const [file, setFile] = useState<{ name: string; bytes: ArrayBuffer } | undefined>();
  const [pages, setPages] = useState(0);
  const [error, setError] = useState<unknown>();
  const [problem, setProblem] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  useEffect(() => {
    if (id === undefined) return;
    getJson<TemplateView>(`/api/templates/${id}`)
      .then((tpl) => {
        const d = tpl.definition;
        setLoaded(tpl);
        setName(d.name);
        setTitle(d.title);
        setCounterparty(d.counterparty ?? '');
        setOrder(d.signingOrder ?? 'sequential');
        setExpires(d.expiresInDays === undefined ? '' : String(d.expiresInDays));
        setIntervalDays(d.reminders === undefined ? '' : String(d.reminders.intervalDays));
        setMaxReminders(d.reminders === undefined ? '' : String(d.reminders.maxReminders));
        void approversByName(d.internalApprovers ?? []).then(setApprovers);
        setSlots(d.slots.map((s) => slotDraft(s.label, s)));
      })
      .catch(setError);
  }, [id]);

  const update = (key: string, change: Partial<SlotDraft>) =>
    setSlots((all) => all.map((s) => (s.key === key ? { ...s, ...change } : s)));
  const onDropSeal = useCallback((key: string, page: number, x: number, y: number) => {
    setSlots((all) => all.map((s) => (s.key === key ? { ...s, seal: spotOfDrop(page, x, y) } : s)));
  }, []);
  const sealLabel = (label: string) => t('template.sealLabel', { label });
  const boxes: SealBox[] = slots.flatMap((s) => {
    const placement = placementOf(s.seal);
    return placement === undefined ? [] : [{ key: s.key, label: sealLabel(s.label), ...placement }];
  });

  function definition(): TemplateDefinition | string {
    if (slots.length === 0) return t('template.needSlot');
    if (new Set(slots.map((s) => s.label.trim())).size !== slots.length) return t('template.labelsUnique');
    if (!slots.some((s) => s.role === 'signer')) return t('template.needSigner');
    const reminders =
      interval.trim() === '' && maxReminders.trim() === ''
        ? undefined
        : { intervalDays: int(interval) ?? 3, maxReminders: int(maxReminders) ?? 3 };
    const approverIds = approvers.map((m) => m.id);
    const expiresInDays = int(expires);
    return {
      name: name.trim(),
      title: title.trim(),
      ...(counterparty.trim() === '' ? {} : { counterparty: counterparty.trim() }),
      signingOrder: order,
      ...(expiresInDays === undefined ? {} : { expiresInDays }),
      ...(reminders === undefined ? {} : { reminders }),
      ...(approverIds.length === 0 ? {} : { internalApprovers: approverIds }),
      slots: slots.map((s): TemplateSlot => {
        const placement = placementOf(s.seal);
        const slotOrder = int(s.order);
        return {
          label: s.label.trim(),
          role: s.role,
          ...(s.role === 'signer' ? { signingMode: s.mode } : {}),
          ...(slotOrder === undefined ? {} : { order: slotOrder }),
          ...(placement === undefined ? {} : { placement: { document: 0, ...placement } }),
          ...(s.userId.trim() === '' ? {} : { userId: s.userId.trim() }),
          ...(s.credentialId.trim() === '' ? {} : { credentialId: s.credentialId.trim() }),
        };
      }),
    };
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setProblem(undefined);
    setSaved(false);
    const body = definition();
    if (typeof body === 'string') {
      setProblem(body);
      return;
    }
    if (id === undefined && file === undefined) {
      setProblem(t('new.needFile'));
      return;
    }
    setBusy(true);
    try {
      let view =
        id === undefined
          ? await sendJson<TemplateView>('POST', '/api/templates', body)
          : await sendJson<TemplateView>('PUT', `/api/templates/${id}`, body);
      if (file !== undefined) {
        view = await postBytes<TemplateView>(
          `/api/templates/${view.id}/documents?name=${encodeURIComponent(file.name)}`,
          file.bytes,
          'application/pdf',
        );
        setFile(undefined);
      }
      setLoaded(view);
      setSaved(true);
      if (id === undefined) navigate(`/templates/${view.id}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (id === undefined) return;
    setConfirming(false);
    try {
      await sendJson('DELETE', `/api/templates/${id}`);
      navigate('/templates');
    } catch (e) {
      setError(e);
    }
  }

  if (id !== undefined && loaded === undefined && error === undefined)
    return <p role="status">{t('common.loading')}</p>;
  return (
    <form className="new-envelope" onSubmit={save}>
      <div className="title-row">
        <h1>{id === undefined ? t('template.newTitle') : t('template.editTitle', { name })}</h1>
        {id !== undefined ? (
          <div className="actions">
            <Link to={`/templates/${id}/use`} className="button primary">
              {t('templates.use')}
            </Link>
            <Link to={`/templates/${id}/bulk`} className="button">
              {t('templates.bulk')}
            </Link>
          </div>
        ) : null}
      </div>
      <section className="card form-grid" aria-labelledby="tpl-basics">
        <h2 id="tpl-basics">{t('template.basics')}</h2>
        <div className="field">
          <label htmlFor="tpl-name">{t('template.name')}</label>
          <input
            id="tpl-name"
            required
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="tpl-title">{t('template.envelopeTitle')}</label>
          <input
            id="tpl-title"
            required
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="tpl-counterparty">{t('template.counterparty')}</label>
          <input
            id="tpl-counterparty"
            maxLength={200}
            value={counterparty}
            onChange={(e) => setCounterparty(e.target.value)}
          />
          <small>{t('template.counterpartyNote')}</small>
        </div>
        <div className="field">
          <label htmlFor="tpl-order">{t('envelope.order')}</label>
          <select
            id="tpl-order"
            value={order}
            onChange={(e) => setOrder(e.target.value === 'parallel' ? 'parallel' : 'sequential')}
          >
            <option value="sequential">{t('order.sequential')}</option>
            <option value="parallel">{t('order.parallel')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="tpl-expires">{t('template.expires')}</label>
          <input
            id="tpl-expires"
            type="number"
            min={1}
            max={365}
            inputMode="numeric"
            value={expires}
            onChange={(e) => setExpires(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="tpl-file">{id === undefined ? t('new.file') : t('template.addFile')}</label>
          <input
            id="tpl-file"
            type="file"
            accept="application/pdf,.pdf"
            onChange={(e) => {
              const chosen = e.target.files?.[0];
              if (chosen === undefined) return;
              void chosen.arrayBuffer().then((bytes) => setFile({ name: chosen.name, bytes }));
            }}
          />
          {loaded !== undefined && loaded.documents.length > 0 ? (
            <small>
              {t('template.documents', { names: loaded.documents.map((d) => d.name).join(', ') })}
            </small>
          ) : null}
        </div>
      </section>

      <section className="card form-grid" aria-labelledby="tpl-workflow">
        <h2 id="tpl-workflow">{t('template.workflow')}</h2>
        <div className="field">
          <label htmlFor="tpl-interval">{t('reminders.interval')}</label>
          <input
            id="tpl-interval"
            type="number"
            min={1}
            max={90}
            inputMode="numeric"
            value={interval}
            onChange={(e) => setIntervalDays(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="tpl-max">{t('reminders.max')}</label>
          <input
            id="tpl-max"
            type="number"
            min={0}
            max={20}
            inputMode="numeric"
            value={maxReminders}
            onChange={(e) => setMaxReminders(e.target.value)}
          />
          <small>{t('reminders.defaultNote')}</small>
        </div>
        <fieldset className="field wide-field">
          <legend>{t('template.approvers')}</legend>
          <MemberPicker
            id="tpl-approvers"
            chosen={approvers}
            onChange={setApprovers}
            {...(user === undefined ? {} : { exclude: user.id })}
          />
          <small>{t('template.approversNote')}</small>
        </fieldset>
      </section>

      <section className="card" aria-labelledby="tpl-slots">
        <h2 id="tpl-slots">{t('template.slots')}</h2>
        <p className="lead small">{t('template.slotsLead')}</p>
        {slots.map((s, i) => (
          <fieldset key={s.key} className="party" data-slot={i + 1}>
            <legend>{t('template.slot', { label: s.label || String(i + 1) })}</legend>
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
            </div>
            <SealPlacementInputs
              sealKey={s.key}
              label={sealLabel(s.label)}
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
                <button type="button" onClick={() => setSlots((all) => all.filter((q) => q.key !== s.key))}>
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
          <button
            type="button"
            onClick={() =>
              setSlots((all) => [
                ...all,
                slotDraft(LABELS.find((l) => !all.some((s) => s.label === l)) ?? String(all.length + 1)),
              ])
            }
          >
            {t('template.addSlot')}
          </button>
        </div>
      </section>

      <section className="card" aria-labelledby="tpl-preview">
        <h2 id="tpl-preview">{t('new.preview')}</h2>
        <p className="lead small">{t('new.previewLead')}</p>
        {file === undefined ? (
          <p>{id === undefined ? t('new.noFileYet') : t('template.previewNeedsFile')}</p>
        ) : (
          <PdfPages bytes={file.bytes} boxes={boxes} onDropSeal={onDropSeal} onLoaded={setPages} />
        )}
      </section>

      {problem !== undefined ? (
        <p role="alert" className="notice notice-error">
          {problem}
        </p>
      ) : null}
      {saved ? (
        <p role="status" className="notice notice-info">
          {t('template.saved')}
        </p>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} hint="hint.checkForm" /> : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('template.saving') : t('template.save')}
        </button>
        {id !== undefined ? (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            {t('template.delete')}
          </button>
        ) : null}
      </div>
      {confirming ? (
        <ConfirmDialog
          title={t('template.delete')}
          confirmLabel={t('template.delete')}
          danger
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        >
          <p>{t('template.deleteConfirm')}</p>
        </ConfirmDialog>
      ) : null}
    </form>
  );
}
