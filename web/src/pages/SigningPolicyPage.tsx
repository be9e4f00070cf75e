import { type FormEvent, useEffect, useState } from 'react';
import { getJson, sendJson } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useI18n } from '../i18n/index.tsx';
import { holdsTenant, usePrivileges } from '../privileges.ts';

type Mode = 'signer-type' | 'witness-type';
type Factor = 'credential-otp' | 'login-totp';
const MODES: readonly Mode[] = ['signer-type', 'witness-type'];
const FACTORS: readonly Factor[] = ['credential-otp', 'login-totp'];

interface Policy {
  readonly allowedModes: readonly Mode[];
  readonly signingFactor: Factor;
}

/** /settings/signing: the tenant's allowed signing modes and signing factor (administrators; audited). */
export function SigningPolicyPage() {
  const { t } = useI18n();
  const { loaded, mine } = usePrivileges();
  const [policy, setPolicy] = useState<Policy | undefined>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  useEffect(() => {
    getJson<Policy>('/api/contracts/signing-policy').then(setPolicy).catch(setError);
  }, []);
  async function save(event: FormEvent) {
    event.preventDefault();
    if (policy === undefined) return;
    setError(undefined);
    setNotice(undefined);
    if (policy.allowedModes.length === 0) {
      setNotice(t('policy.needMode'));
      return;
    }
    try {
      setPolicy(await sendJson<Policy>('PUT', '/api/contracts/signing-policy', policy));
      setNotice(t('policy.saved'));
    } catch (e) {
      setError(e);
    }
  }
  if (!loaded || (policy === undefined && error === undefined))
    return <p role="status">{t('common.loading')}</p>;
  if (!holdsTenant(mine, 'tenant.admin')) return <p className="notice">{t('integ.forbidden')}</p>;
  const toggle = (mode: Mode, on: boolean) =>
    setPolicy((p) =>
      p === undefined
        ? p
        : { ...p, allowedModes: MODES.filter((m) => (m === mode ? on : p.allowedModes.includes(m))) },
    );
  return (
    <div>
      <h1>{t('policy.title')}</h1>
      <p className="lead">{t('policy.lead')}</p>
      {policy === undefined ? null : (
        <form className="card form" onSubmit={save}>
          <fieldset>
            <legend>{t('policy.modes')}</legend>
            {MODES.map((m) => (
              <label key={m} style={{ display: 'block' }}>
                <input
                  type="checkbox"
                  name="mode"
                  value={m}
                  checked={policy.allowedModes.includes(m)}
                  onChange={(e) => toggle(m, e.target.checked)}
                />{' '}
                {t(`mode.${m}`)}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>{t('policy.factor')}</legend>
            {FACTORS.map((f) => (
              <label key={f} style={{ display: 'block' }}>
                <input
                  type="radio"
                  name="factor"
                  value={f}
                  checked={policy.signingFactor === f}
                  onChange={() => setPolicy({ ...policy, signingFactor: f })}
                />{' '}
                {t(`policy.factor.${f}`)}
              </label>
            ))}
          </fieldset>
          <button type="submit" className="primary">
            {t('policy.save')}
          </button>
        </form>
      )}
      {notice !== undefined ? (
        <p role="status" className="notice">
          {notice}
        </p>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} /> : null}
    </div>
  );
}
