import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { getJson, sendJson } from '../api.ts';
import { ConsoleNav } from '../components/ConsoleNav.tsx';
import { CredentialApplications } from '../components/CredentialApplications.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ScrollBox } from '../components/ScrollBox.tsx';
import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n/index.tsx';
import { holds, usePrivileges } from '../privileges.ts';
import type { Alert, Approval, Grant } from './console-types.ts';

interface Application {
  readonly id: string;
  readonly status: string;
  readonly submittedAt: string;
  readonly organisationName: string;
  readonly user: { readonly email?: string; readonly familyName?: string; readonly givenName?: string };
}
type Loaded<T> = { rows: readonly T[] } | { error: unknown } | undefined;

/** Loads a list only when `path` is given (the user holds the privilege the API asks for). */
function useList<T>(path: string | undefined, pick: (body: never) => readonly T[]): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>();
  const load = useCallback(() => {
    if (path === undefined) return;
    getJson<never>(path)
      .then((body) => setState({ rows: pick(body) }))
      .catch((error: unknown) => setState({ error }));
  }, [path, pick]);
  useEffect(load, [load]);
  return [state, load];
}

const pickApplications = (b: { applications: Application[] }) => b.applications;
const pickApprovals = (b: { approvals: Approval[] }) => b.approvals;
const pickGrants = (b: { grants: Grant[] }) => b.grants;
const pickAlerts = (b: { alerts: Alert[] }) => b.alerts;

function Section<T>({
  id,
  title,
  state,
  head,
  row,
}: {
  id: string;
  title: string;
  state: Loaded<T>;
  head: readonly string[];
  row: (item: T) => ReactNode;
}) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {state === undefined ? <p role="status">{t('common.loading')}</p> : null}
      {state !== undefined && 'error' in state ? (
        <ErrorNotice error={state.error} hint="hint.operator" />
      ) : null}
      {state !== undefined && 'rows' in state ? (
        state.rows.length === 0 ? (
          <p className="empty">{t('ops.none')}</p>
        ) : (
          <ScrollBox>
            <table className="table">
              <thead>
                <tr>
                  {head.map((h) => (
                    <th key={h} scope="col">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>{state.rows.map(row)}</tbody>
            </table>
          </ScrollBox>
        )
      ) : null}
    </section>
  );
}

/**
 * The operator console: applications waiting for the RA, dual-control requests (approve / reject by a
 * second person), privileged role grants and alerts. Each list shows the API's own refusal when the
 * user lacks the privilege or the terminal is not registered.
 */
export function OperatorPage() {
  const { lang, era, t } = useI18n();
  // Only the sections the user may open are shown (and loaded); the API refuses the rest anyway.
  const { loaded, mine } = usePrivileges();
  const may = (privilege: string) => holds(mine, privilege);
  const [applications] = useList(
    may('identity.applications.decide') ? '/api/applications?status=pending' : undefined,
    pickApplications,
  );
  const [approvals, reloadApprovals] = useList(
    may('approvals.read') ? '/api/admin/approvals?status=pending' : undefined,
    pickApprovals,
  );
  const [grants] = useList(may('approvals.read') ? '/api/admin/roles' : undefined, pickGrants);
  const [alerts] = useList(may('alerts.read') ? '/api/admin/alerts?limit=100' : undefined, pickAlerts);
  const nothing =
    loaded &&
    !['identity.applications.decide', 'approvals.read', 'alerts.read', 'credentials.manage'].some((p) =>
      may(p),
    );
  const [error, setError] = useState<unknown>();
  const when = (iso: string) => formatDateTime(iso, lang, era);

  async function decide(id: string, decision: 'approve' | 'reject') {
    setError(undefined);
    try {
      await sendJson('POST', `/api/admin/approvals/${id}/${decision}`, {});
      reloadApprovals();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <div>
      <h1>{t('ops.title')}</h1>
      <ConsoleNav />
      <p className="lead">{t('ops.lead')}</p>
      {!loaded ? <p role="status">{t('common.loading')}</p> : null}
      {nothing ? (
        <div role="alert" className="notice notice-error">
          <p>{t('console.notPermitted')}</p>
        </div>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} hint="hint.operator" /> : null}
      {may('approvals.read') ? (
        <Section
          id="ops-approvals"
          title={t('ops.approvals')}
          state={approvals}
          head={[
            t('ops.kind'),
            t('ops.requestedBy'),
            t('ops.requestedAt'),
            t('ops.expiresAt'),
            t('ops.decision'),
          ]}
          row={(a: Approval) => (
            <tr key={a.id}>
              <td>
                <code>{a.kind}</code>
              </td>
              <td>
                <code>{a.requestedBy}</code>
              </td>
              <td>{when(a.requestedAt)}</td>
              <td>{when(a.expiresAt)}</td>
              <td>
                <div className="actions">
                  <button type="button" className="primary" onClick={() => void decide(a.id, 'approve')}>
                    {t('ops.approve')}
                  </button>
                  <button type="button" onClick={() => void decide(a.id, 'reject')}>
                    {t('ops.reject')}
                  </button>
                </div>
              </td>
            </tr>
          )}
        />
      ) : null}
      {may('credentials.manage') ? <CredentialApplications /> : null}
      {may('identity.applications.decide') ? (
        <Section
          id="ops-applications"
          title={t('ops.applications')}
          state={applications}
          head={[t('ops.organisation'), t('ops.applicant'), t('ops.submittedAt'), t('envelope.status')]}
          row={(a: Application) => (
            <tr key={a.id}>
              <td>{a.organisationName}</td>
              <td>
                {[a.user.familyName, a.user.givenName].filter(Boolean).join(' ')} {a.user.email}
              </td>
              <td>{when(a.submittedAt)}</td>
              <td>{a.status}</td>
            </tr>
          )}
        />
      ) : null}
      {may('approvals.read') ? (
        <Section
          id="ops-roles"
          title={t('ops.roles')}
          state={grants}
          head={[t('ops.user'), t('ops.role'), t('ops.grantedAt')]}
          row={(g: Grant) => (
            <tr key={g.id}>
              <td>
                <code>{g.userId}</code>
              </td>
              <td>
                <code>{g.role}</code>
              </td>
              <td>{when(g.grantedAt)}</td>
            </tr>
          )}
        />
      ) : null}
      {may('alerts.read') ? (
        <Section
          id="ops-alerts"
          title={t('ops.alerts')}
          state={alerts}
          head={[t('ops.severity'), t('ops.raisedAt'), t('ops.summary')]}
          row={(a: Alert) => (
            <tr key={a.id}>
              <td>
                <span className={`badge badge-${a.severity === 'critical' ? 'bad' : 'warn'}`}>
                  {t(`ops.severity.${a.severity}`)}
                </span>
              </td>
              <td>{when(a.raisedAt)}</td>
              <td>{a.summary[lang]}</td>
            </tr>
          )}
        />
      ) : null}
    </div>
  );
}
