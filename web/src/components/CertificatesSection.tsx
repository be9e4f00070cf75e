import { type FormEvent, useEffect, useState } from 'react';
import { getJson, sendJson } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Certificate, CertificateDetail } from '../pages/console-types.ts';
import type { MyPrivileges } from '../privileges.ts';
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

const PROFILES = ['signer', 'e-seal', 'tsa', 'ocsp-responder', 'tls-server', 'tls-client', 'ca', 'imported'];
const CERTIFICATE_REASONS = [
  'unspecified',
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
] as const;
type CertificateReason = (typeof CERTIFICATE_REASONS)[number];
type CertificateFilter = { status: string; profile: string; q: string };

/** Reasons the CA may record that the console has names for; anything else reads as "unspecified". */
function reasonKey(reason: string): CertificateReason {
  return (CERTIFICATE_REASONS as readonly string[]).includes(reason)
    ? (reason as CertificateReason)
    : 'unspecified';
}

/** The opened certificate (fetched with its PEM) and its revocation, requested by dual control. */
function useCertificateAction() {
  const [selected, setSelected] = useState<CertificateDetail | undefined>();
  const [confirm, setConfirm] = useState(false);
  const [reason, setReason] = useState<CertificateReason>('unspecified');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [outcome, setOutcome] = useState<Said>();
  async function open(serial: string) {
    setError(undefined);
    setOutcome(undefined);
    try {
      setSelected(await getJson<CertificateDetail>(`/api/admin/certificates/${encodeURIComponent(serial)}`));
    } catch (e) {
      setError(e);
    }
  }
  async function revoke() {
    if (selected === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const request = await sendJson<ApprovalRequest>(
        'POST',
        `/api/admin/certificates/${encodeURIComponent(selected.serialNumber)}/revoke`,
        { reason },
      );
      setOutcome({ key: 'console.requested', values: { id: request.id, until: request.expiresAt } });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setConfirm(false);
    }
  }
  const close = () => setSelected(undefined);
  return { selected, open, close, confirm, setConfirm, reason, setReason, busy, error, outcome, revoke };
}

function CertificateFilters({ onFilter }: { onFilter: (filter: CertificateFilter) => void }) {
  const { t } = useI18n();
  const [status, setStatus] = useState('');
  const [profile, setProfile] = useState('');
  const [search, setSearch] = useState('');
  function submit(event: FormEvent) {
    event.preventDefault();
    onFilter({ status, profile, q: search.trim() });
  }
  return (
    <form className="console-filters" onSubmit={submit}>
      <label>
        {t('console.status')}
        <select value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">{t('console.all')}</option>
          <option value="valid">{t('console.certificate.status.valid')}</option>
          <option value="revoked">{t('console.certificate.status.revoked')}</option>
        </select>
      </label>
      <label>
        {t('console.profile')}
        <select value={profile} onChange={(e) => setProfile(e.target.value)}>
          <option value="">{t('console.all')}</option>
          {PROFILES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('console.certificate.search')}
        <input type="search" value={search} maxLength={100} onChange={(e) => setSearch(e.target.value)} />
      </label>
      <button type="submit">{t('console.filter')}</button>
    </form>
  );
}

function CertificateRow({ certificate: c, onOpen }: { certificate: Certificate; onOpen: () => void }) {
  const { t } = useI18n();
  const when = useWhen();
  return (
    <tr>
      <td>{c.subject}</td>
      <td className="hash-short">{c.serialNumber}</td>
      <td>{c.profile}</td>
      <td>
        {when(c.notBefore)} – {when(c.notAfter)}
      </td>
      <td>
        <span className={`badge badge-${c.status === 'valid' ? 'ok' : 'bad'}`} data-status={c.status}>
          {t(`console.certificate.status.${c.status}`)}
        </span>
        {c.revocationReason !== null ? (
          <span className="sub">{t(`console.reason.${reasonKey(c.revocationReason)}`)}</span>
        ) : null}
      </td>
      <td>
        <button type="button" aria-label={t('console.detailsOf', { id: c.serialNumber })} onClick={onOpen}>
          {t('console.details')}
        </button>
      </td>
    </tr>
  );
}

function CertificatesTable({
  rows,
  onOpen,
}: {
  rows: readonly Certificate[];
  onOpen: (serial: string) => void;
}) {
  const { t } = useI18n();
  return (
    <table className="table" data-testid="certificates-table">
      <caption className="visually-hidden">{t('console.certificates')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('console.subject')}</th>
          <th scope="col">{t('console.serial')}</th>
          <th scope="col">{t('console.profile')}</th>
          <th scope="col">{t('console.validity')}</th>
          <th scope="col">{t('console.status')}</th>
          <th scope="col">{t('console.actions')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((c) => (
          <CertificateRow key={c.serialNumber} certificate={c} onOpen={() => onOpen(c.serialNumber)} />
        ))}
      </tbody>
    </table>
  );
}

function CertificateFacts({ certificate: c }: { certificate: CertificateDetail }) {
  const { t } = useI18n();
  const when = useWhen();
  return (
    <dl className="facts">
      <dt>{t('console.subject')}</dt>
      <dd>{c.subject}</dd>
      <dt>{t('console.issuer')}</dt>
      <dd>{c.issuer}</dd>
      <dt>{t('console.profile')}</dt>
      <dd>{c.profile}</dd>
      <dt>{t('console.validity')}</dt>
      <dd>
        {when(c.notBefore)} – {when(c.notAfter)}
      </dd>
      <dt>{t('console.status')}</dt>
      <dd>
        {t(`console.certificate.status.${c.status}`)}
        {c.revokedAt !== null ? ` (${when(c.revokedAt)})` : ''}
        {c.revocationReason !== null ? ` — ${t(`console.reason.${reasonKey(c.revocationReason)}`)}` : ''}
      </dd>
      <dt>{t('console.certificate.fingerprint')}</dt>
      <dd className="hash">{c.sha256}</dd>
      <dt>{t('console.certificate.key')}</dt>
      <dd className="hash">{c.keyId ?? '—'}</dd>
    </dl>
  );
}

function ConfirmRevoke({
  serial,
  busy,
  reason,
  onReason,
  onConfirm,
  onCancel,
}: {
  serial: string;
  busy: boolean;
  reason: CertificateReason;
  onReason: (reason: CertificateReason) => void;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  return (
    <ConfirmDialog
      title={t('console.certificate.confirm', { serial })}
      confirmLabel={t('console.requestApproval')}
      danger
      busy={busy}
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      <p>{t('console.certificate.explain')}</p>
      <label>
        {t('console.reason')}
        <select value={reason} onChange={(e) => onReason(e.target.value as CertificateReason)}>
          {CERTIFICATE_REASONS.map((r) => (
            <option key={r} value={r}>
              {t(`console.reason.${r}`)}
            </option>
          ))}
        </select>
      </label>
    </ConfirmDialog>
  );
}

/** The embedded CA's certificates: filter, details with the PEM, revocation by dual control. */
export function CertificatesSection({ mine }: { mine: MyPrivileges | undefined }) {
  const { t } = useI18n();
  const [filter, setFilter] = useState<CertificateFilter>({ status: '', profile: '', q: '' });
  const [list, setList] = useState<Loaded<Certificate>>();
  useEffect(() => {
    getJson<{ certificates: Certificate[] }>(`/api/admin/certificates${listQuery(filter)}`)
      .then((body) => setList({ rows: body.certificates }))
      .catch((e: unknown) => setList({ error: e }));
  }, [filter]);
  const action = useCertificateAction();
  const { selected } = action;
  const revocable = selected?.status === 'valid' && selected.profile !== 'ca';
  return (
    <section className="card" aria-labelledby="console-certificates">
      <h2 id="console-certificates">{t('console.certificates')}</h2>
      <CertificateFilters
        onFilter={(next) => {
          setList(undefined);
          setFilter(next);
        }}
      />
      <Outcome said={action.outcome} />
      {action.error !== undefined ? <ErrorNotice error={action.error} hint="hint.operator" /> : null}
      <LoadedList list={list}>
        {(rows) => <CertificatesTable rows={rows} onOpen={(serial) => void action.open(serial)} />}
      </LoadedList>
      {selected !== undefined ? (
        <DetailCard shown={selected.serialNumber} labelledBy="certificate-detail">
          <h3 id="certificate-detail">
            {t('console.certificate.detail', { serial: selected.serialNumber })}
          </h3>
          <CertificateFacts certificate={selected} />
          <details>
            <summary>{t('console.certificate.pem')}</summary>
            <pre>{selected.pem}</pre>
          </details>
          <div className="actions">
            {mayRequest(mine, 'certificate.revoke') && revocable ? (
              <button type="button" onClick={() => action.setConfirm(true)}>
                {t('console.certificate.revoke')}
              </button>
            ) : null}
            <button type="button" onClick={action.close}>
              {t('console.close')}
            </button>
          </div>
        </DetailCard>
      ) : null}
      {action.confirm && selected !== undefined ? (
        <ConfirmRevoke
          serial={selected.serialNumber}
          busy={action.busy}
          reason={action.reason}
          onReason={action.setReason}
          onConfirm={() => void action.revoke()}
          onCancel={() => action.setConfirm(false)}
        />
      ) : null}
    </section>
  );
}
