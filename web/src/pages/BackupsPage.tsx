import { useCallback, useEffect, useState } from 'react';
import { getJson, sendJson } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ConsoleNav } from '../components/ConsoleNav.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { formatDateTime } from '../format.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import { holds, usePrivileges } from '../privileges.ts';
import '../console.css';
import { ScrollBox } from '../components/ScrollBox.tsx';
import type { Approval as ApprovalRequest, Backup } from './console-types.ts';

type BackupState = Backup['state'];

interface Said {
  readonly key: MessageKey;
  readonly values: { readonly id: string; readonly until: string };
}

const STATE_TONE: Record<BackupState, string> = {
  creating: 'warn',
  ready: 'ok',
  failed: 'bad',
  interrupted: 'bad',
};
const POLL_MS = 1500;

function formatSize(bytes: number | undefined, lang: string): string {
  if (bytes === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const number = new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
  return `${number} ${units[unit]}`;
}

/** The backup list (polled while a backup or a verification runs) and the actions on it. */
function useBackups(readable: boolean) {
  const [backups, setBackups] = useState<readonly Backup[] | undefined>();
  const [loadError, setLoadError] = useState<unknown>();
  const [error, setError] = useState<unknown>();
  const [outcome, setOutcome] = useState<Said>();
  const [starting, setStarting] = useState(false);

  const load = useCallback(() => {
    getJson<{ backups: Backup[] }>('/api/admin/backups')
      .then((body) => {
        setBackups(body.backups);
        setLoadError(undefined);
      })
      .catch((e: unknown) => setLoadError(e));
  }, []);
  useEffect(() => {
    if (readable) load();
  }, [readable, load]);

  const running = backups?.some((b) => b.state === 'creating' || b.verifying === true) ?? false;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(load, POLL_MS);
    return () => clearInterval(timer);
  }, [running, load]);

  /** Starts a server-side action, then reloads the list (the poll follows it while it runs). */
  async function act(path: string, whileStarting = false) {
    if (whileStarting) setStarting(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      await sendJson('POST', path, {});
      load();
    } catch (e) {
      setError(e);
    } finally {
      if (whileStarting) setStarting(false);
    }
  }
  const create = () => act('/api/admin/backups', true);
  const verify = (id: string) => act(`/api/admin/backups/${encodeURIComponent(id)}/verify`);
  return { backups, loadError, error, setError, outcome, setOutcome, starting, running, create, verify };
}

/**
 * Operator console — backups: recent backups on the server with who took them, size, manifest hash
 * and the last verification; create and verify run on the server (the list polls while they run);
 * restore is requested here and takes effect only when a second person approves it.
 */
export function BackupsPage() {
  const { lang, era, t } = useI18n();
  const when = (iso: string | undefined) => formatDateTime(iso, lang, era);
  const { loaded, mine } = usePrivileges();
  const readable = holds(mine, 'backups.read');
  const may: May = {
    manage: holds(mine, 'backups.manage'),
    restore: mine?.operations.some((o) => o.id === 'backup.restore' && o.mayRequest === true) ?? false,
  };
  const list = useBackups(readable);
  const [restoring, setRestoring] = useState<Backup | undefined>();
  const [busy, setBusy] = useState(false);

  async function requestRestore() {
    if (restoring === undefined) return;
    setBusy(true);
    list.setError(undefined);
    try {
      const request = await sendJson<ApprovalRequest>(
        'POST',
        `/api/admin/backups/${encodeURIComponent(restoring.id)}/restore`,
        {},
      );
      list.setOutcome({ key: 'console.requested', values: { id: request.id, until: request.expiresAt } });
    } catch (e) {
      list.setError(e);
    } finally {
      setBusy(false);
      setRestoring(undefined);
    }
  }

  return (
    <div>
      <h1>{t('console.backups.title')}</h1>
      <ConsoleNav />
      <p className="lead">{t('console.backups.lead')}</p>
      {!loaded ? <p role="status">{t('common.loading')}</p> : null}
      {loaded && !readable ? (
        <div role="alert" className="notice notice-error">
          <p>{t('console.notPermitted')}</p>
        </div>
      ) : null}
      {readable ? (
        <BackupsSection
          list={list}
          may={may}
          onRestore={(b) => {
            list.setOutcome(undefined);
            setRestoring(b);
          }}
        />
      ) : null}
      {restoring !== undefined ? (
        <ConfirmDialog
          title={t('console.backups.restoreConfirm', { when: when(restoring.createdAt) })}
          confirmLabel={t('console.requestApproval')}
          danger
          busy={busy}
          onConfirm={() => void requestRestore()}
          onCancel={() => setRestoring(undefined)}
        >
          <p>{t('console.backups.restoreExplain')}</p>
          <p className="hash-short">{restoring.manifestSha256}</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

/** What the signed-in operator may do here (from their privileges, read once by the page). */
interface May {
  readonly manage: boolean;
  readonly restore: boolean;
}

function BackupsSection({
  list,
  may,
  onRestore,
}: {
  list: ReturnType<typeof useBackups>;
  may: May;
  onRestore: (backup: Backup) => void;
}) {
  const { lang, era, t } = useI18n();
  const when = (iso: string | undefined) => formatDateTime(iso, lang, era);
  const { backups, loadError, error, outcome, running } = list;
  return (
    <section className="card" aria-labelledby="console-backups">
      <div className="title-row">
        <h2 id="console-backups">{t('console.backups.recent')}</h2>
        {may.manage ? (
          <button
            type="button"
            className="primary"
            onClick={() => void list.create()}
            disabled={list.starting || running}
          >
            {t('console.backups.create')}
          </button>
        ) : null}
      </div>
      <p role="status" aria-live="polite">
        {running ? t('console.backups.running') : ''}
      </p>
      {outcome !== undefined ? (
        <p role="status" className="notice-ok">
          {t(outcome.key, { id: outcome.values.id, until: when(outcome.values.until) })}
        </p>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} hint="hint.operator" /> : null}
      {loadError !== undefined ? <ErrorNotice error={loadError} hint="hint.operator" /> : null}
      {backups === undefined && loadError === undefined ? <p role="status">{t('common.loading')}</p> : null}
      {backups !== undefined && backups.length === 0 ? <p className="empty">{t('ops.none')}</p> : null}
      {backups !== undefined && backups.length > 0 ? (
        <BackupsTable
          backups={backups}
          running={running}
          may={may}
          onVerify={list.verify}
          onRestore={onRestore}
        />
      ) : null}
    </section>
  );
}

function BackupsTable({
  backups,
  running,
  may,
  onVerify,
  onRestore,
}: {
  backups: readonly Backup[];
  running: boolean;
  may: May;
  onVerify: (id: string) => Promise<void>;
  onRestore: (backup: Backup) => void;
}) {
  const { t } = useI18n();
  return (
    <ScrollBox>
      <table className="table" data-testid="backups-table">
        <caption className="visually-hidden">{t('console.backups.recent')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('console.createdAt')}</th>
            <th scope="col">{t('console.backups.by')}</th>
            <th scope="col">{t('console.status')}</th>
            <th scope="col">{t('console.backups.size')}</th>
            <th scope="col">{t('console.backups.manifest')}</th>
            <th scope="col">{t('console.backups.lastVerify')}</th>
            <th scope="col">{t('console.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {backups.map((b) => (
            <BackupRow
              key={b.id}
              backup={b}
              running={running}
              may={may}
              onVerify={onVerify}
              onRestore={onRestore}
            />
          ))}
        </tbody>
      </table>
    </ScrollBox>
  );
}

function BackupRow({
  backup: b,
  running,
  may,
  onVerify,
  onRestore,
}: {
  backup: Backup;
  running: boolean;
  may: May;
  onVerify: (id: string) => Promise<void>;
  onRestore: (backup: Backup) => void;
}) {
  const { lang, era, t } = useI18n();
  const when = (iso: string | undefined) => formatDateTime(iso, lang, era);
  return (
    <tr data-backup={b.id}>
      <td>{when(b.createdAt)}</td>
      <td>{b.createdBy.name}</td>
      <td>
        <span className={`badge badge-${STATE_TONE[b.state]}`} data-state={b.state}>
          {t(`console.backups.state.${b.state}`)}
        </span>
        {b.error !== undefined ? <span className="code">{b.error}</span> : null}
      </td>
      <td className="nowrap">{formatSize(b.size, lang)}</td>
      <td className="hash-short">{b.manifestSha256 ?? '—'}</td>
      <td data-testid="last-verify">
        <LastVerify backup={b} />
      </td>
      <td>
        <div className="actions">
          {may.manage && b.state === 'ready' ? (
            <button
              type="button"
              disabled={running}
              aria-label={t('console.backups.verifyOf', { when: when(b.createdAt) })}
              onClick={() => void onVerify(b.id)}
            >
              {t('console.backups.verify')}
            </button>
          ) : null}
          {may.restore && b.state === 'ready' ? (
            <button
              type="button"
              aria-label={t('console.backups.restoreOf', { when: when(b.createdAt) })}
              onClick={() => onRestore(b)}
            >
              {t('console.backups.restore')}
            </button>
          ) : null}
        </div>
      </td>
    </tr>
  );
}

function LastVerify({ backup: b }: { backup: Backup }) {
  const { lang, era, t } = useI18n();
  if (b.verifying === true) return <span className="badge badge-warn">{t('console.backups.verifying')}</span>;
  if (b.lastVerify === undefined) return <>—</>;
  return (
    <>
      <span
        className={`badge badge-${b.lastVerify.valid ? 'ok' : 'bad'}`}
        data-valid={b.lastVerify.valid ? 'yes' : 'no'}
      >
        {b.lastVerify.valid ? t('console.backups.valid') : t('console.backups.invalid')}
      </span>
      <br />
      <span className="small">
        {formatDateTime(b.lastVerify.at, lang, era)} ({b.lastVerify.byName ?? b.lastVerify.by})
      </span>
    </>
  );
}
