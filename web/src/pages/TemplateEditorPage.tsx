import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { getJson, postBytes, sendJson } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PdfPages } from '../components/LazyPdfPages.tsx';
import { approversByName, type Member, MemberPicker } from '../components/MemberPicker.tsx';
import { placementOf } from '../components/SealPlacement.tsx';
import type { SealBox } from '../components/seal.ts';
import {
  int,
  type SlotDraft,
  SlotsSection,
  slotDraft,
  slotOfDraft,
  useSlotDrafts,
} from '../components/TemplateSlots.tsx';
import { TextField } from '../components/TextField.tsx';
import { useI18n } from '../i18n/index.tsx';
import { Link, usePath } from '../router.tsx';
import { useSession } from '../session.tsx';
import type { TemplateDefinition, TemplateView } from './template-types.ts';

/** The template's own fields as typed (numbers as strings until saved). */
interface Settings {
  readonly name: string;
  readonly title: string;
  readonly counterparty: string;
  readonly order: 'sequential' | 'parallel';
  readonly expires: string;
  readonly interval: string;
  readonly maxReminders: string;
  readonly approvers: readonly Member[];
}
const NEW_SETTINGS: Settings = {
  name: '',
  title: '',
  counterparty: '',
  order: 'sequential',
  expires: '',
  interval: '',
  maxReminders: '',
  approvers: [],
};
type Change = (change: Partial<Settings>) => void;
type PdfFile = { name: string; bytes: ArrayBuffer };
type Translate = ReturnType<typeof useI18n>['t'];

function settingsOf(d: TemplateDefinition): Omit<Settings, 'approvers'> {
  return {
    name: d.name,
    title: d.title,
    counterparty: d.counterparty ?? '',
    order: d.signingOrder ?? 'sequential',
    expires: d.expiresInDays === undefined ? '' : String(d.expiresInDays),
    interval: d.reminders === undefined ? '' : String(d.reminders.intervalDays),
    maxReminders: d.reminders === undefined ? '' : String(d.reminders.maxReminders),
  };
}

/** What the API takes, or the first problem the browser cannot check (in the language shown). */
function definitionOf(s: Settings, slots: readonly SlotDraft[], t: Translate): TemplateDefinition | string {
  if (slots.length === 0) return t('template.needSlot');
  if (new Set(slots.map((x) => x.label.trim())).size !== slots.length) return t('template.labelsUnique');
  if (!slots.some((x) => x.role === 'signer')) return t('template.needSigner');
  const reminders =
    s.interval.trim() === '' && s.maxReminders.trim() === ''
      ? undefined
      : { intervalDays: int(s.interval) ?? 3, maxReminders: int(s.maxReminders) ?? 3 };
  const approverIds = s.approvers.map((m) => m.id);
  const expiresInDays = int(s.expires);
  return {
    name: s.name.trim(),
    title: s.title.trim(),
    ...(s.counterparty.trim() === '' ? {} : { counterparty: s.counterparty.trim() }),
    signingOrder: s.order,
    expiresInDays,
    reminders,
    ...(approverIds.length === 0 ? {} : { internalApprovers: approverIds }),
    slots: slots.map(slotOfDraft),
  };
}

/** Creates or replaces the definition, then adds the chosen PDF. */
async function saveTemplate(id: string | undefined, body: TemplateDefinition, file: PdfFile | undefined) {
  const view =
    id === undefined
      ? await sendJson<TemplateView>('POST', '/api/templates', body)
      : await sendJson<TemplateView>('PUT', `/api/templates/${id}`, body);
  if (file === undefined) return view;
  return postBytes<TemplateView>(
    `/api/templates/${view.id}/documents?name=${encodeURIComponent(file.name)}`,
    file.bytes,
    'application/pdf',
  );
}

/** The template being edited: a new one, or the stored one loaded into the fields and slots. */
function useTemplateDraft(id: string | undefined) {
  const [loaded, setLoaded] = useState<TemplateView | undefined>();
  const [settings, setSettings] = useState<Settings>(NEW_SETTINGS);
  const slots = useSlotDrafts();
  const [error, setError] = useState<unknown>();
  const change: Change = (c) => setSettings((s) => ({ ...s, ...c }));
  const { setSlots } = slots;
  useEffect(() => {
    if (id === undefined) return;
    getJson<TemplateView>(`/api/templates/${id}`)
      .then((tpl) => {
        const d = tpl.definition;
        setLoaded(tpl);
        setSettings((s) => ({ ...s, ...settingsOf(d) }));
        void approversByName(d.internalApprovers ?? []).then((approvers) =>
          setSettings((s) => ({ ...s, approvers })),
        );
        setSlots(d.slots.map((s) => slotDraft(s.label, s)));
      })
      .catch(setError);
  }, [id, setSlots]);
  return { loaded, setLoaded, settings, change, slots, error, setError };
}

function TitleRow({ id, name }: { id: string | undefined; name: string }) {
  const { t } = useI18n();
  return (
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
  );
}

/** A whole number typed into the form, kept as typed. */
function NumberField({
  id,
  label,
  min,
  max,
  value,
  onChange,
  note,
}: {
  id: string;
  label: string;
  min: number;
  max: number;
  value: string;
  onChange: (value: string) => void;
  note?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        min={min}
        max={max}
        inputMode="numeric"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      {note === undefined ? null : <small>{note}</small>}
    </div>
  );
}

function PdfInput({
  id,
  loaded,
  onFile,
}: {
  id: string | undefined;
  loaded: TemplateView | undefined;
  onFile: (file: PdfFile) => void;
}) {
  const { t } = useI18n();
  return (
    <div className="field">
      <label htmlFor="tpl-file">{id === undefined ? t('new.file') : t('template.addFile')}</label>
      <input
        id="tpl-file"
        type="file"
        accept="application/pdf,.pdf"
        onChange={(e) => {
          const chosen = e.target.files?.[0];
          if (chosen === undefined) return;
          void chosen.arrayBuffer().then((bytes) => onFile({ name: chosen.name, bytes }));
        }}
      />
      {loaded !== undefined && loaded.documents.length > 0 ? (
        <small>{t('template.documents', { names: loaded.documents.map((d) => d.name).join(', ') })}</small>
      ) : null}
    </div>
  );
}

/** Name, envelope title, counterparty, order, expiry and the PDF. */
function BasicsSection({
  settings: s,
  change,
  children,
}: {
  settings: Settings;
  change: Change;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <section className="card form-grid" aria-labelledby="tpl-basics">
      <h2 id="tpl-basics">{t('template.basics')}</h2>
      <TextField
        required
        id="tpl-name"
        label={t('template.name')}
        value={s.name}
        onChange={(name) => change({ name })}
      />
      <TextField
        required
        id="tpl-title"
        label={t('template.envelopeTitle')}
        value={s.title}
        onChange={(title) => change({ title })}
      />
      <div className="field">
        <label htmlFor="tpl-counterparty">{t('template.counterparty')}</label>
        <input
          id="tpl-counterparty"
          maxLength={200}
          value={s.counterparty}
          onChange={(e) => change({ counterparty: e.target.value })}
        />
        <small>{t('template.counterpartyNote')}</small>
      </div>
      <div className="field">
        <label htmlFor="tpl-order">{t('envelope.order')}</label>
        <select
          id="tpl-order"
          value={s.order}
          onChange={(e) => change({ order: e.target.value === 'parallel' ? 'parallel' : 'sequential' })}
        >
          <option value="sequential">{t('order.sequential')}</option>
          <option value="parallel">{t('order.parallel')}</option>
        </select>
      </div>
      <NumberField
        id="tpl-expires"
        label={t('template.expires')}
        min={1}
        max={365}
        value={s.expires}
        onChange={(expires) => change({ expires })}
      />
      {children}
    </section>
  );
}

/** Reminders and internal approvers (社内承認) for the envelopes made from the template. */
function WorkflowSection({ settings: s, change }: { settings: Settings; change: Change }) {
  const { t } = useI18n();
  const { user } = useSession();
  return (
    <section className="card form-grid" aria-labelledby="tpl-workflow">
      <h2 id="tpl-workflow">{t('template.workflow')}</h2>
      <NumberField
        id="tpl-interval"
        label={t('reminders.interval')}
        min={1}
        max={90}
        value={s.interval}
        onChange={(interval) => change({ interval })}
      />
      <NumberField
        id="tpl-max"
        label={t('reminders.max')}
        min={0}
        max={20}
        value={s.maxReminders}
        onChange={(maxReminders) => change({ maxReminders })}
        note={t('reminders.defaultNote')}
      />
      <fieldset className="field wide-field">
        <legend>{t('template.approvers')}</legend>
        <MemberPicker
          id="tpl-approvers"
          chosen={s.approvers}
          onChange={(approvers) => change({ approvers })}
          exclude={user?.id}
        />
        <small>{t('template.approversNote')}</small>
      </fieldset>
    </section>
  );
}

/** The chosen PDF with the slots' seal fields, which can be dragged onto it. */
function TemplatePreview({
  id,
  file,
  slots,
  onPages,
}: {
  id: string | undefined;
  file: PdfFile | undefined;
  slots: ReturnType<typeof useSlotDrafts>;
  onPages: (pages: number) => void;
}) {
  const { t } = useI18n();
  const boxes: SealBox[] = slots.slots.flatMap((s) => {
    const placement = placementOf(s.seal);
    return placement === undefined
      ? []
      : [{ key: s.key, label: t('template.sealLabel', { label: s.label }), ...placement }];
  });
  return (
    <section className="card" aria-labelledby="tpl-preview">
      <h2 id="tpl-preview">{t('new.preview')}</h2>
      <p className="lead small">{t('new.previewLead')}</p>
      {file === undefined ? (
        <p>{id === undefined ? t('new.noFileYet') : t('template.previewNeedsFile')}</p>
      ) : (
        <PdfPages bytes={file.bytes} boxes={boxes} onDropSeal={slots.onDropSeal} onLoaded={onPages} />
      )}
    </section>
  );
}

function SaveBar({ id, busy, onDelete }: { id: string | undefined; busy: boolean; onDelete: () => void }) {
  const { t } = useI18n();
  return (
    <div className="actions">
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('template.saving') : t('template.save')}
      </button>
      {id !== undefined ? (
        <button type="button" className="danger" onClick={onDelete}>
          {t('template.delete')}
        </button>
      ) : null}
    </div>
  );
}

/**
 * Create or edit a template: name, envelope title, PDF, slots (甲/乙/丙, role, signing mode, order,
 * an optional fixed party, seal placed by dragging onto the rendered page), expiry, reminders and
 * internal approvers (社内承認).
 */
export function TemplateEditorPage({ id }: { id: string | undefined }) {
  const { t } = useI18n();
  const { navigate } = usePath();
  const { loaded, setLoaded, settings, change, slots, error, setError } = useTemplateDraft(id);
  const [file, setFile] = useState<PdfFile | undefined>();
  const [pages, setPages] = useState(0);
  const [problem, setProblem] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setProblem(undefined);
    setSaved(false);
    const body = definitionOf(settings, slots.slots, t);
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
      const view = await saveTemplate(id, body, file);
      setFile(undefined);
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
      <TitleRow id={id} name={settings.name} />
      <BasicsSection settings={settings} change={change}>
        <PdfInput id={id} loaded={loaded} onFile={setFile} />
      </BasicsSection>
      <WorkflowSection settings={settings} change={change} />
      <SlotsSection drafts={slots} pages={pages} />
      <TemplatePreview id={id} file={file} slots={slots} onPages={setPages} />
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
      <SaveBar id={id} busy={busy} onDelete={() => setConfirming(true)} />
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
