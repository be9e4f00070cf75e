import { useState } from 'react';
import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n/index.tsx';
import type { WebhookView } from '../pages/envelope-types.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { SecretOnce } from './SecretOnce.tsx';
import { useManagedList } from './use-managed-list.ts';

const pickHooks = (answer: Record<string, unknown>) => answer.webhooks as readonly WebhookView[];

/** List, register (the server refuses private and loopback URLs) and delete the tenant's webhooks. */
export function WebhooksSection() {
  const { lang, era, t } = useI18n();
  const list = useManagedList<WebhookView>('/api/contracts/webhooks', pickHooks);
  const { items: hooks, secret, setSecret, removing: deleting, setRemoving: setDeleting, busy, error } = list;
  const [url, setUrl] = useState('');
  const register = () => list.create({ url }, 'secret', () => setUrl(''));
  const remove = (id: string) => list.remove(id);
  return (
    <section className="card" aria-labelledby="hooks-title">
      <h2 id="hooks-title">{t('integ.webhooks')}</h2>
      <p className="lead">{t('integ.webhooksLead')}</p>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      {secret !== undefined ? (
        <SecretOnce
          label={t('integ.newSecret')}
          warning={t('integ.secretWarning')}
          value={secret}
          onDone={() => setSecret(undefined)}
        />
      ) : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void register();
        }}
      >
        <label>
          {t('integ.url')}
          <input type="url" required maxLength={2000} value={url} onChange={(e) => setUrl(e.target.value)} />
        </label>{' '}
        <button type="submit" disabled={busy}>
          {t('integ.register')}
        </button>
      </form>
      {hooks !== undefined && hooks.length === 0 ? <p className="empty">{t('integ.webhooksNone')}</p> : null}
      {hooks !== undefined && hooks.length > 0 ? (
        <ul>
          {hooks.map((hook) => (
            <li key={hook.id} data-webhook-id={hook.id}>
              <code>{hook.url}</code> ({formatDateTime(hook.createdAt, lang, era)}){' '}
              <button type="button" disabled={busy} onClick={() => setDeleting(hook.id)}>
                {t('integ.delete')}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {deleting !== undefined ? (
        <ConfirmDialog
          title={t('integ.deleteTitle')}
          confirmLabel={t('integ.delete')}
          danger
          busy={busy}
          onConfirm={() => void remove(deleting)}
          onCancel={() => setDeleting(undefined)}
        >
          <p>{t('integ.deleteBody')}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
