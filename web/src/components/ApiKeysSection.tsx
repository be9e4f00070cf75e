import { useState } from 'react';
import { formatDateTime } from '../format.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import type { ApiKeyView } from '../pages/envelope-types.ts';
import { useSession } from '../session.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { ScrollBox } from './ScrollBox.tsx';
import { SecretOnce } from './SecretOnce.tsx';
import { useManagedList } from './use-managed-list.ts';

const SCOPES = ['envelopes:read', 'envelopes:write'] as const;
const pickKeys = (answer: Record<string, unknown>) => answer.keys as readonly ApiKeyView[];

/** List, create (secret shown once) and revoke the tenant's API keys. */
export function ApiKeysSection() {
  const { lang, era, t } = useI18n();
  const { user } = useSession();
  const list = useManagedList<ApiKeyView>('/api/contracts/api-keys', pickKeys);
  const { items: keys, secret, setSecret, removing: revoking, setRemoving: setRevoking, busy, error } = list;
  const [scopes, setScopes] = useState<readonly string[]>(['envelopes:read']);
  const create = () => list.create({ scopes }, 'key');
  const revoke = (id: string) => list.remove(id);
  return (
    <section className="card" aria-labelledby="keys-title">
      <h2 id="keys-title">{t('integ.keys')}</h2>
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      {secret !== undefined ? (
        <SecretOnce
          label={t('integ.newKey')}
          warning={t('integ.keyWarning')}
          value={secret}
          onDone={() => setSecret(undefined)}
        />
      ) : null}
      <fieldset>
        <legend>{t('integ.scopes')}</legend>
        {SCOPES.map((scope) => (
          <label key={scope}>
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(e) =>
                setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))
              }
            />{' '}
            {t(`integ.scope.${scope}` as MessageKey)}
          </label>
        ))}
        {scopes.length === 0 ? <p className="sub">{t('integ.chooseScope')}</p> : null}
      </fieldset>
      <p className="actions">
        <button type="button" disabled={busy || scopes.length === 0} onClick={() => void create()}>
          {t('integ.createKey')}
        </button>
      </p>
      {keys !== undefined && keys.length === 0 ? <p className="empty">{t('integ.keysNone')}</p> : null}
      {keys !== undefined && keys.length > 0 ? (
        <ScrollBox>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('integ.scopes')}</th>
                <th scope="col">{t('integ.createdBy')}</th>
                <th scope="col">{t('integ.createdAt')}</th>
                <th scope="col">{t('integ.status')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('integ.revoke')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id} data-key-id={key.id} data-revoked={key.revokedAt !== null}>
                  <td>
                    {key.scopes
                      .map((s) => t(`integ.scope.${s}` as MessageKey))
                      .join(lang === 'ja' ? '、' : ', ')}
                    <details>
                      <summary>{t('integ.details')}</summary>
                      <p>
                        {t('integ.keyId')}: <code>{key.id}</code>
                      </p>
                      <p>
                        <code>{key.scopes.join(', ')}</code>
                      </p>
                    </details>
                  </td>
                  <td>
                    {key.createdBy === user?.id ? t('integ.createdByYou') : <code>{key.createdBy}</code>}
                  </td>
                  <td>{formatDateTime(key.createdAt, lang, era)}</td>
                  <td>
                    {key.revokedAt === null
                      ? t('integ.active')
                      : t('integ.revokedAt', { when: formatDateTime(key.revokedAt, lang, era) })}
                  </td>
                  <td>
                    {key.revokedAt === null ? (
                      <button type="button" disabled={busy} onClick={() => setRevoking(key.id)}>
                        {t('integ.revoke')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      ) : null}
      {revoking !== undefined ? (
        <ConfirmDialog
          title={t('integ.revokeTitle')}
          confirmLabel={t('integ.revoke')}
          danger
          busy={busy}
          onConfirm={() => void revoke(revoking)}
          onCancel={() => setRevoking(undefined)}
        >
          <p>{t('integ.revokeBody')}</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
