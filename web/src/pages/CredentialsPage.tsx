import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { getJson, sendJson } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ConsoleNav } from '../components/ConsoleNav.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { formatDateTime } from '../format.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { holds, type MyPrivileges, usePrivileges } from '../privileges.ts';
import '../console.css';
import { ScrollBox } from '../components/ScrollBox.tsx';

type CredentialStatus = 'pending-certificate' | 'active' | 'suspended' | 'revoked' | 'ended';
interface Credential {
  readonly credentialID: string;
  readonly owner: string;
  readonly tenantId: string | null;
  readonly description: string | null;
  readonly status: CredentialStatus;
  readonly algorithm: string;
  readonly scal: string;
  readonly authMode: string;
  readonly keyDestroyed: boolean;
  readonly pinSet: boolean;
  readonly otpMethod: string | null;
  readonly locked: boolean;
  readonly failedAttempts: number;
  readonly certificate: {
    readonly serialNumber: string;
    readonly subjectDN: string | null;
    readonly issuerDN: string | null;
    readonly validFrom: string | null;
    readonly validTo: string | null;
  } | null;
  readonly createdAt: string;
}
interface Certificate {
  readonly serialNumber: string;
  readonly issuer: string;
  readonly profile: string;
  readonly subject: string;
  readonly status: 'valid' | 'revoked';
  readonly notBefore: string;
  readonly notAfter: string;
  readonly issuedAt: string;
  readonly revokedAt: string | null;
  readonly revocationReason: string | null;
}
interface CertificateDetail extends Certificate {
  readonly keyId: string | null;
  readonly applicationId: string | null;
  readonly sha256: string;
  readonly pem: string;
}
interface ApprovalRequest {
  readonly id: string;
  readonly expiresAt: string;
}

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
const PROFILES = ['signer', 'e-seal', 'tsa', 'ocsp-responder', 'tls-server', 'tls-client', 'ca', 'imported'];
const CREDENTIAL_REASONS = ['unspecified', 'keyCompromise', 'cessationOfOperation', 'superseded'] as const;
const CERTIFICATE_REASONS = [
  'unspecified',
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
] as const;

type Loaded<T> = { rows: readonly T[] } | { error: unknown } | undefined;

function query(values: { readonly [name: string]: string }): string {
  const entries = Object.entries(values).filter(([, v]) => v !== '');
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries).toString()}`;
}

function mayRequest(mine: MyPrivileges | undefined, kind: string): boolean {
  return mine?.operations.some((o) => o.id === kind && o.mayRequest === true) ?? false;
}

/** What happened after an action, said near the list (in the language shown, also after a switch). */
interface Said {
  readonly key: MessageKey;
  readonly values: { readonly id: string; readonly until?: string };
}

function Outcome({ said }: { said: Said | undefined }) {
  const { lang, era, t } = useI18n();
  if (said === undefined) return null;
  const { id, until } = said.values;
  return (
    <p role="status" className="notice-ok">
      {t(said.key, { id, until: formatDateTime(until, lang, era) })}
    </p>
  );
}

function CredentialsSection({ mine }: { mine: MyPrivileges | undefined }) {
  const { lang, era, t } = useI18n();
  const when = (iso: string | null | undefined) => formatDateTime(iso ?? undefined, lang, era);
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState({ status: '', q: '' });
  const [list, setList] = useState<Loaded<Credential>>();
  const [selected, setSelected] = useState<Credential | undefined>();
  const [confirm, setConfirm] = useState<'suspend' | 'resume' | 'unlock' | 'revoke' | undefined>();
  const [reason, setReason] = useState<(typeof CREDENTIAL_REASONS)[number]>('unspecified');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [outcome, setOutcome] = useState<Said>();
  const manage = holds(mine, 'credentials.manage');
  const detail = useRef<HTMLElement>(null);
  const shownId = selected?.credentialID;
  // Keyboard and screen-reader users land on the detail they opened.
  useEffect(() => {
    if (shownId !== undefined) detail.current?.focus();
  }, [shownId]);

  const load = useCallback(() => {
    getJson<{ credentials: Credential[] }>(`/api/admin/credentials${query(filter)}`)
      .then((body) => setList({ rows: body.credentials }))
      .catch((e: unknown) => setList({ error: e }));
  }, [filter]);
  useEffect(load, [load]);

  function submit(event: FormEvent) {
    event.preventDefault();
    setList(undefined);
    setFilter({ status, q: search.trim() });
  }

  async function act() {
    if (selected === undefined || confirm === undefined) return;
    setBusy(true);
    setError(undefined);
    const id = selected.credentialID;
    try {
      if (confirm === 'revoke') {
        const request = await sendJson<ApprovalRequest>(
          'POST',
          `/api/admin/credentials/${encodeURIComponent(id)}/revoke`,
          { reason },
        );
        setOutcome({ key: 'console.requested', values: { id: request.id, until: request.expiresAt } });
      } else {
        const updated = await sendJson<Credential>(
          'POST',
          `/api/admin/credentials/${encodeURIComponent(id)}/${confirm}`,
          {},
        );
        setSelected(updated);
        setOutcome({ key: `console.credential.done.${confirm}`, values: { id } });
        load();
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      setConfirm(undefined);
    }
  }

  return (
    <section className="card" aria-labelledby="console-credentials">
      <h2 id="console-credentials">{t('console.credentials')}</h2>
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
      <Outcome said={outcome} />
      {error !== undefined ? <ErrorNotice error={error} hint="hint.operator" /> : null}
      {list === undefined ? <p role="status">{t('common.loading')}</p> : null}
      {list !== undefined && 'error' in list ? <ErrorNotice error={list.error} hint="hint.operator" /> : null}
      {list !== undefined && 'rows' in list ? (
        list.rows.length === 0 ? (
          <p className="empty">{t('ops.none')}</p>
        ) : (
          <ScrollBox>
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
                {list.rows.map((c) => (
                  <tr key={c.credentialID}>
                    <td className="hash-short">{c.credentialID}</td>
                    <td>{c.owner}</td>
                    <td className="nowrap">{c.algorithm}</td>
                    <td>
                      <span className={`badge badge-${CREDENTIAL_TONE[c.status]}`} data-status={c.status}>
                        {t(`console.credential.status.${c.status}`)}
                      </span>
                      {c.locked ? (
                        <span className="badge badge-warn">{t('console.credential.locked')}</span>
                      ) : null}
                    </td>
                    <td>{c.certificate?.subjectDN ?? '—'}</td>
                    <td className="hash-short">{c.certificate?.serialNumber ?? '—'}</td>
                    <td>{when(c.certificate?.validTo)}</td>
                    <td>{c.scal}</td>
                    <td>
                      <button
                        type="button"
                        aria-label={t('console.detailsOf', { id: c.credentialID })}
                        onClick={() => {
                          setSelected(c);
                          setOutcome(undefined);
                        }}
                      >
                        {t('console.details')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollBox>
        )
      ) : null}
      {selected !== undefined ? (
        <section
          ref={detail}
          className="card console-detail"
          aria-labelledby="credential-detail"
          tabIndex={-1}
        >
          <h3 id="credential-detail">{t('console.credential.detail', { id: selected.credentialID })}</h3>
          <dl className="facts">
            <dt>{t('console.owner')}</dt>
            <dd>{selected.owner}</dd>
            <dt>{t('console.tenant')}</dt>
            <dd>{selected.tenantId ?? '—'}</dd>
            <dt>{t('console.status')}</dt>
            <dd>{t(`console.credential.status.${selected.status}`)}</dd>
            <dt>{t('console.algorithm')}</dt>
            <dd>{selected.algorithm}</dd>
            <dt>{t('console.scal')}</dt>
            <dd>{selected.scal}</dd>
            <dt>{t('console.credential.key')}</dt>
            <dd>
              {selected.keyDestroyed
                ? t('console.credential.keyDestroyed')
                : t('console.credential.keyInHsm')}
            </dd>
            <dt>{t('console.credential.factors')}</dt>
            <dd>
              {selected.pinSet ? t('console.credential.pinSet') : t('console.credential.noPin')}
              {selected.otpMethod !== null ? ` + ${selected.otpMethod}` : ''}
              {selected.locked ? ` (${t('console.credential.locked')})` : ''}
            </dd>
            <dt>{t('console.subject')}</dt>
            <dd>{selected.certificate?.subjectDN ?? '—'}</dd>
            <dt>{t('console.issuer')}</dt>
            <dd>{selected.certificate?.issuerDN ?? '—'}</dd>
            <dt>{t('console.serial')}</dt>
            <dd className="hash">{selected.certificate?.serialNumber ?? '—'}</dd>
            <dt>{t('console.validity')}</dt>
            <dd>
              {when(selected.certificate?.validFrom)} – {when(selected.certificate?.validTo)}
            </dd>
            <dt>{t('console.createdAt')}</dt>
            <dd>{when(selected.createdAt)}</dd>
          </dl>
          <div className="actions">
            {manage && selected.status === 'active' ? (
              <button type="button" onClick={() => setConfirm('suspend')}>
                {t('console.credential.suspend')}
              </button>
            ) : null}
            {manage && selected.status === 'suspended' ? (
              <button type="button" onClick={() => setConfirm('resume')}>
                {t('console.credential.resume')}
              </button>
            ) : null}
            {manage && selected.locked ? (
              <button type="button" onClick={() => setConfirm('unlock')}>
                {t('console.credential.unlock')}
              </button>
            ) : null}
            {mayRequest(mine, 'credential.revoke') &&
            selected.status !== 'revoked' &&
            selected.status !== 'ended' ? (
              <button type="button" onClick={() => setConfirm('revoke')}>
                {t('console.credential.revoke')}
              </button>
            ) : null}
            <button type="button" onClick={() => setSelected(undefined)}>
              {t('console.close')}
            </button>
          </div>
        </section>
      ) : null}
      {confirm !== undefined && selected !== undefined ? (
        <ConfirmDialog
          title={t(`console.credential.confirm.${confirm}`, { id: selected.credentialID })}
          confirmLabel={confirm === 'revoke' ? t('console.requestApproval') : t('console.confirm')}
          danger={confirm === 'revoke'}
          busy={busy}
          onConfirm={() => void act()}
          onCancel={() => setConfirm(undefined)}
        >
          <p>{t(`console.credential.explain.${confirm}`)}</p>
          {confirm === 'revoke' ? (
            <label>
              {t('console.reason')}
              <select
                value={reason}
                onChange={(e) => setReason(e.target.value as (typeof CREDENTIAL_REASONS)[number])}
              >
                {CREDENTIAL_REASONS.map((r) => (
                  <option key={r} value={r}>
                    {t(`console.reason.${r}`)}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function CertificatesSection({ mine }: { mine: MyPrivileges | undefined }) {
  const { lang, era, t } = useI18n();
  const when = (iso: string | null | undefined) => formatDateTime(iso ?? undefined, lang, era);
  const [status, setStatus] = useState('');
  const [profile, setProfile] = useState('');
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState({ status: '', profile: '', q: '' });
  const [list, setList] = useState<Loaded<Certificate>>();
  const [selected, setSelected] = useState<CertificateDetail | undefined>();
  const [confirm, setConfirm] = useState(false);
  const [reason, setReason] = useState<(typeof CERTIFICATE_REASONS)[number]>('unspecified');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [outcome, setOutcome] = useState<Said>();
  const detail = useRef<HTMLElement>(null);
  const shownSerial = selected?.serialNumber;
  useEffect(() => {
    if (shownSerial !== undefined) detail.current?.focus();
  }, [shownSerial]);

  useEffect(() => {
    getJson<{ certificates: Certificate[] }>(`/api/admin/certificates${query(filter)}`)
      .then((body) => setList({ rows: body.certificates }))
      .catch((e: unknown) => setList({ error: e }));
  }, [filter]);

  function submit(event: FormEvent) {
    event.preventDefault();
    setList(undefined);
    setFilter({ status, profile, q: search.trim() });
  }

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

  return (
    <section className="card" aria-labelledby="console-certificates">
      <h2 id="console-certificates">{t('console.certificates')}</h2>
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
      <Outcome said={outcome} />
      {error !== undefined ? <ErrorNotice error={error} hint="hint.operator" /> : null}
      {list === undefined ? <p role="status">{t('common.loading')}</p> : null}
      {list !== undefined && 'error' in list ? <ErrorNotice error={list.error} hint="hint.operator" /> : null}
      {list !== undefined && 'rows' in list ? (
        list.rows.length === 0 ? (
          <p className="empty">{t('ops.none')}</p>
        ) : (
          <ScrollBox>
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
                {list.rows.map((c) => (
                  <tr key={c.serialNumber}>
                    <td>{c.subject}</td>
                    <td className="hash-short">{c.serialNumber}</td>
                    <td>{c.profile}</td>
                    <td>
                      {when(c.notBefore)} – {when(c.notAfter)}
                    </td>
                    <td>
                      <span
                        className={`badge badge-${c.status === 'valid' ? 'ok' : 'bad'}`}
                        data-status={c.status}
                      >
                        {t(`console.certificate.status.${c.status}`)}
                      </span>
                      {c.revocationReason !== null ? (
                        <span className="sub">{t(`console.reason.${reasonKey(c.revocationReason)}`)}</span>
                      ) : null}
                    </td>
                    <td>
                      <button
                        type="button"
                        aria-label={t('console.detailsOf', { id: c.serialNumber })}
                        onClick={() => void open(c.serialNumber)}
                      >
                        {t('console.details')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollBox>
        )
      ) : null}
      {selected !== undefined ? (
        <section
          ref={detail}
          className="card console-detail"
          aria-labelledby="certificate-detail"
          tabIndex={-1}
        >
          <h3 id="certificate-detail">
            {t('console.certificate.detail', { serial: selected.serialNumber })}
          </h3>
          <dl className="facts">
            <dt>{t('console.subject')}</dt>
            <dd>{selected.subject}</dd>
            <dt>{t('console.issuer')}</dt>
            <dd>{selected.issuer}</dd>
            <dt>{t('console.profile')}</dt>
            <dd>{selected.profile}</dd>
            <dt>{t('console.validity')}</dt>
            <dd>
              {when(selected.notBefore)} – {when(selected.notAfter)}
            </dd>
            <dt>{t('console.status')}</dt>
            <dd>
              {t(`console.certificate.status.${selected.status}`)}
              {selected.revokedAt !== null ? ` (${when(selected.revokedAt)})` : ''}
              {selected.revocationReason !== null
                ? ` — ${t(`console.reason.${reasonKey(selected.revocationReason)}`)}`
                : ''}
            </dd>
            <dt>{t('console.certificate.fingerprint')}</dt>
            <dd className="hash">{selected.sha256}</dd>
            <dt>{t('console.certificate.key')}</dt>
            <dd className="hash">{selected.keyId ?? '—'}</dd>
          </dl>
          <details>
            <summary>{t('console.certificate.pem')}</summary>
            <pre>{selected.pem}</pre>
          </details>
          <div className="actions">
            {mayRequest(mine, 'certificate.revoke') &&
            selected.status === 'valid' &&
            selected.profile !== 'ca' ? (
              <button type="button" onClick={() => setConfirm(true)}>
                {t('console.certificate.revoke')}
              </button>
            ) : null}
            <button type="button" onClick={() => setSelected(undefined)}>
              {t('console.close')}
            </button>
          </div>
        </section>
      ) : null}
      {confirm && selected !== undefined ? (
        <ConfirmDialog
          title={t('console.certificate.confirm', { serial: selected.serialNumber })}
          confirmLabel={t('console.requestApproval')}
          danger
          busy={busy}
          onConfirm={() => void revoke()}
          onCancel={() => setConfirm(false)}
        >
          <p>{t('console.certificate.explain')}</p>
          <label>
            {t('console.reason')}
            <select
              value={reason}
              onChange={(e) => setReason(e.target.value as (typeof CERTIFICATE_REASONS)[number])}
            >
              {CERTIFICATE_REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(`console.reason.${r}`)}
                </option>
              ))}
            </select>
          </label>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

/** Reasons the CA may record that the console has names for; anything else reads as "unspecified". */
function reasonKey(reason: string): (typeof CERTIFICATE_REASONS)[number] {
  return (CERTIFICATE_REASONS as readonly string[]).includes(reason)
    ? (reason as (typeof CERTIFICATE_REASONS)[number])
    : 'unspecified';
}

/**
 * Operator console — signing credentials of the remote signature service and certificates of the
 * embedded CA: filters, details, suspend / resume / unlock at once, revocation by dual control.
 */
export function CredentialsPage() {
  const { t } = useI18n();
  const { loaded, mine } = usePrivileges();
  return (
    <div>
      <h1>{t('console.credentials.title')}</h1>
      <ConsoleNav />
      <p className="lead">{t('console.credentials.lead')}</p>
      {!loaded ? <p role="status">{t('common.loading')}</p> : null}
      {loaded && !holds(mine, 'credentials.read') && !holds(mine, 'certificates.read') ? (
        <div role="alert" className="notice notice-error">
          <p>{t('console.notPermitted')}</p>
        </div>
      ) : null}
      {holds(mine, 'credentials.read') ? <CredentialsSection mine={mine} /> : null}
      {holds(mine, 'certificates.read') ? <CertificatesSection mine={mine} /> : null}
    </div>
  );
}
