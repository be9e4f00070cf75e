import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { getJson, sendJson } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import type { ConsoleCredential } from '../pages/console-types.ts';
import { holds, type MyPrivileges } from '../privileges.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import {
  type ApprovalRequest,
  DetailCard,
  type Loaded,
  LoadedList,
  listQuery,
  mayRequest,
  Outcome,
  type Said,
  useWhen,
} from './console-list.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';

type Credential = ConsoleCredential;
type CredentialStatus = Credential['status'];

const CREDENTIAL_STATUSES: readonly CredentialStatus[] = [
  'active',
  'suspended',
  'pending-certificate',
  'revoked',
  'ended',
];
const CREDENTIAL_TONE: Record<CredentialStatus, string> = {
  active: 'ok',
  suspended: 'warn',
  'pending-certificate': 'neutral',
  revoked: 'bad',
  ended: 'neutral',
};
const CREDENTIAL_REASONS = ['unspecified', 'keyCompromise', 'cessationOfOperation', 'superseded'] as const;
type CredentialReason = (typeof CREDENTIAL_REASONS)[number];
type CredentialAction = 'suspend' | 'resume' | 'unlock' | 'revoke';

/** Suspend, resume and unlock take effect at once; a revocation is a dual-control request. */
async function runAction(
  id: string,
  action: CredentialAction,
  reason: CredentialReason,
): Promise<{ said: Said; updated?: Credential }> {
  const base = `/api/admin/credentials/${encodeURIComponent(id)}`;
  if (action === 'revoke') {
    const request = await sendJson<ApprovalRequest>('POST', `${base}/revoke`, { reason });
    return { said: { key: 'console.requested', values: { id: request.id, until: request.expiresAt } } };
  }
  const updated = await sendJson<Credential>('POST', `${base}/${action}`, {});
  return { said: { key: `console.credential.done.${action}`, values: { id } }, updated };
}

/** The opened credential and the action being confirmed on it; `load` refreshes the list after one. */
function useCredentialAction(load: () => void) {
  const [selected, setSelected] = useState<Credential | undefined>();
  const [confirm, setConfirm] = useState<CredentialAction | undefined>();
  const [reason, setReason] = useState<CredentialReason>('unspecified');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [outcome, setOutcome] = useState<Said>();
  async function act() {
    if (selected === undefined || confirm === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const done = await runAction(selected.credentialID, confirm, reason);
      if (done.updated !== undefined) {
        setSelected(done.updated);
        load();
      }
      setOutcome(done.said);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setConfirm(undefined);
    }
  }
  const open = (credential: Credential) => {
    setSelected(credential);
    setOutcome(undefined);
  };
  const close = () => setSelected(undefined);
  return { selected, open, close, confirm, setConfirm, reason, setReason, busy, error, outcome, act };
}

function CredentialFilters({ onFilter }: { onFilter: (filter: { status: string; q: string }) => void }) {
  const { t } = useI18n();
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  function submit(event: FormEvent) {
    event.preventDefault();
    onFilter({ status, q: search.trim() });
  }
  return (
    <form className="console-filters" onSubmit={submit}>
      <label>
        {t('console.status')}
        <select value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">{t('console.all')}</option>
          {CREDENTIAL_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`console.credential.status.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('console.credential.search')}
        <input type="search" value={search} maxLength={100} onChange={(e) => setSearch(e.target.value)} />
      </label>
      <button type="submit">{t('console.filter')}</button>
    </form>
  );
}

function CredentialRow({ credential: c, onOpen }: { credential: Credential; onOpen: () => void }) {
  const { t } = useI18n();
  const when = useWhen();
  return (
    <tr>
      <td className="hash-short">{c.credentialID}</td>
      <td>{c.owner}</td>
      <td className="nowrap">{c.algorithm}</td>
      <td>
        <span className={`badge badge-${CREDENTIAL_TONE[c.status]}`} data-status={c.status}>
          {t(`console.credential.status.${c.status}`)}
        </span>
        {c.locked ? <span className="badge badge-warn">{t('console.credential.locked')}</span> : null}
      </td>
      <td>{c.certificate?.subjectDN ?? '—'}</td>
      <td className="hash-short">{c.certificate?.serialNumber ?? '—'}</td>
      <td>{when(c.certificate?.validTo)}</td>
      <td>{c.scal}</td>
      <td>
        <button type="button" aria-label={t('console.detailsOf', { id: c.credentialID })} onClick={onOpen}>
          {t('console.details')}
        </button>
      </td>
    </tr>
  );
}

function CredentialsTable({
  rows,
  onOpen,
}: {
  rows: readonly Credential[];
  onOpen: (credential: Credential) => void;
}) {
  const { t } = useI18n();
  return (
    <table className="table" data-testid="credentials-table">
      <caption className="visually-hidden">{t('console.credentials')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('console.credential.id')}</th>
          <th scope="col">{t('console.owner')}</th>
          <th scope="col">{t('console.algorithm')}</th>
          <th scope="col">{t('console.status')}</th>
          <th scope="col">{t('console.subject')}</th>
          <th scope="col">{t('console.serial')}</th>
          <th scope="col">{t('console.validTo')}</th>
          <th scope="col">{t('console.scal')}</th>
          <th scope="col">{t('console.actions')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((c) => (
          <CredentialRow key={c.credentialID} credential={c} onOpen={() => onOpen(c)} />
        ))}
      </tbody>
    </table>
  );
}

function CredentialFacts({ credential: c }: { credential: Credential }) {
  const { t } = useI18n();
  const when = useWhen();
  return (
    <dl className="facts">
      <dt>{t('console.owner')}</dt>
      <dd>{c.owner}</dd>
      <dt>{t('console.tenant')}</dt>
      <dd>{c.tenantId ?? '—'}</dd>
      <dt>{t('console.status')}</dt>
      <dd>{t(`console.credential.status.${c.status}`)}</dd>
      <dt>{t('console.algorithm')}</dt>
      <dd>{c.algorithm}</dd>
      <dt>{t('console.scal')}</dt>
      <dd>{c.scal}</dd>
      <dt>{t('console.credential.key')}</dt>
      <dd>{c.keyDestroyed ? t('console.credential.keyDestroyed') : t('console.credential.keyInHsm')}</dd>
      <dt>{t('console.credential.factors')}</dt>
      <dd>
        {c.pinSet ? t('console.credential.pinSet') : t('console.credential.noPin')}
        {c.otpMethod !== null ? ` + ${c.otpMethod}` : ''}
        {c.locked ? ` (${t('console.credential.locked')})` : ''}
      </dd>
      <dt>{t('console.subject')}</dt>
      <dd>{c.certificate?.subjectDN ?? '—'}</dd>
      <dt>{t('console.issuer')}</dt>
      <dd>{c.certificate?.issuerDN ?? '—'}</dd>
      <dt>{t('console.serial')}</dt>
      <dd className="hash">{c.certificate?.serialNumber ?? '—'}</dd>
      <dt>{t('console.validity')}</dt>
      <dd>
        {when(c.certificate?.validFrom)} – {when(c.certificate?.validTo)}
      </dd>
      <dt>{t('console.createdAt')}</dt>
      <dd>{when(c.createdAt)}</dd>
    </dl>
  );
}

/** The actions the operator may take on this credential: at once, or (revoke) by requesting approval. */
function CredentialActions({
  credential: c,
  mine,
  onConfirm,
  onClose,
}: {
  credential: Credential;
  mine: MyPrivileges | undefined;
  onConfirm: (action: CredentialAction) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const manage = holds(mine, 'credentials.manage');
  const revocable = c.status !== 'revoked' && c.status !== 'ended';
  return (
    <div className="actions">
      {manage && c.status === 'active' ? (
        <button type="button" onClick={() => onConfirm('suspend')}>
          {t('console.credential.suspend')}
        </button>
      ) : null}
      {manage && c.status === 'suspended' ? (
        <button type="button" onClick={() => onConfirm('resume')}>
          {t('console.credential.resume')}
        </button>
      ) : null}
      {manage && c.locked ? (
        <button type="button" onClick={() => onConfirm('unlock')}>
          {t('console.credential.unlock')}
        </button>
      ) : null}
      {mayRequest(mine, 'credential.revoke') && revocable ? (
        <button type="button" onClick={() => onConfirm('revoke')}>
          {t('console.credential.revoke')}
        </button>
      ) : null}
      <button type="button" onClick={onClose}>
        {t('console.close')}
      </button>
    </div>
  );
}

function ConfirmCredentialAction({
  id,
  action,
  busy,
  reason,
  onReason,
  onConfirm,
  onCancel,
}: {
  id: string;
  action: CredentialAction;
  busy: boolean;
  reason: CredentialReason;
  onReason: (reason: CredentialReason) => void;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  return (
    <ConfirmDialog
      title={t(`console.credential.confirm.${action}`, { id })}
      confirmLabel={action === 'revoke' ? t('console.requestApproval') : t('console.confirm')}
      danger={action === 'revoke'}
      busy={busy}
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      <p>{t(`console.credential.explain.${action}`)}</p>
      {action === 'revoke' ? (
        <label>
          {t('console.reason')}
          <select value={reason} onChange={(e) => onReason(e.target.value as CredentialReason)}>
            {CREDENTIAL_REASONS.map((r) => (
              <option key={r} value={r}>
                {t(`console.reason.${r}`)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
    </ConfirmDialog>
  );
}

/** The remote signature service's signing credentials: filter, details, suspend/resume/unlock, revoke. */
export function CredentialsSection({ mine }: { mine: MyPrivileges | undefined }) {
  const { t } = useI18n();
  const [filter, setFilter] = useState({ status: '', q: '' });
  const [list, setList] = useState<Loaded<Credential>>();
  const load = useCallback(() => {
    getJson<{ credentials: Credential[] }>(`/api/admin/credentials${listQuery(filter)}`)
      .then((body) => setList({ rows: body.credentials }))
      .catch((e: unknown) => setList({ error: e }));
  }, [filter]);
  useEffect(load, [load]);
  const action = useCredentialAction(load);
  const { selected, confirm } = action;
  return (
    <section className="card" aria-labelledby="console-credentials">
      <h2 id="console-credentials">{t('console.credentials')}</h2>
      <CredentialFilters
        onFilter={(next) => {
          setList(undefined);
          setFilter(next);
        }}
      />
      <Outcome said={action.outcome} />
      {action.error !== undefined ? <ErrorNotice error={action.error} hint="hint.operator" /> : null}
      <LoadedList list={list}>{(rows) => <CredentialsTable rows={rows} onOpen={action.open} />}</LoadedList>
      {selected !== undefined ? (
        <DetailCard shown={selected.credentialID} labelledBy="credential-detail">
          <h3 id="credential-detail">{t('console.credential.detail', { id: selected.credentialID })}</h3>
          <CredentialFacts credential={selected} />
          <CredentialActions
            credential={selected}
            mine={mine}
            onConfirm={action.setConfirm}
            onClose={action.close}
          />
        </DetailCard>
      ) : null}
      {confirm !== undefined && selected !== undefined ? (
        <ConfirmCredentialAction
          id={selected.credentialID}
          action={confirm}
          busy={action.busy}
          reason={action.reason}
          onReason={action.setReason}
          onConfirm={() => void action.act()}
          onCancel={() => action.setConfirm(undefined)}
        />
      ) : null}
    </section>
  );
}
