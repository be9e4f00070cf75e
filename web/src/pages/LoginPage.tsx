import { type FormEvent, useState } from 'react';
import { sendJson } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PasskeyButton } from '../components/PasskeyButton.tsx';
import { useI18n } from '../i18n/index.tsx';
import { Link, usePath } from '../router.tsx';
import { useSession } from '../session.tsx';

type Step = 'password' | 'totp' | 'enrol';

interface TotpEnrolment {
  readonly secret: string;
  readonly otpauthUri?: string;
  readonly qrCodeDataUrl?: string;
}

interface LoginOutcome {
  readonly next: 'done' | 'second-factor' | 'enrolment';
  /** The second factors the account has: a passkey is offered when it has one. */
  readonly secondFactors?: readonly string[];
}

/** Password, then the second factor (TOTP), or TOTP enrolment on the first login. */
export function LoginPage() {
  const { t } = useI18n();
  const { navigate } = usePath();
  const { refresh } = useSession();
  const [step, setStep] = useState<Step>('password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [secret, setSecret] = useState<TotpEnrolment | undefined>();
  const [recovery, setRecovery] = useState<readonly string[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [factors, setFactors] = useState<readonly string[]>([]);

  async function done() {
    await refresh();
    navigate('/envelopes');
  }

  async function submitPassword(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const outcome = await sendJson<LoginOutcome>('POST', '/api/auth/login', { email, password });
      setFactors(outcome.secondFactors ?? []);
      if (outcome.next === 'done') await done();
      else if (outcome.next === 'second-factor') setStep('totp');
      else {
        setSecret(await sendJson<TotpEnrolment>('POST', '/api/auth/totp/enrol'));
        setStep('enrol');
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function submitCode(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (step === 'totp') {
        await sendJson('POST', '/api/auth/login/totp', { code: code.trim() });
        await done();
      } else {
        const confirmed = await sendJson<{ recoveryCodes: string[] }>('POST', '/api/auth/totp/confirm', {
          code: code.trim(),
        });
        setRecovery(confirmed.recoveryCodes);
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  if (recovery !== undefined) {
    return (
      <div className="narrow">
        <h1>{t('login.recoveryTitle')}</h1>
        <p>{t('login.recoveryLead')}</p>
        <ul className="codes">
          {recovery.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
        <p className="actions">
          <a
            className="button"
            download="shomei-recovery-codes.txt"
            href={`data:text/plain;charset=utf-8,${encodeURIComponent(`${recovery.join('\r\n')}\r\n`)}`}
          >
            {t('login.recoveryDownload')}
          </a>
          <button type="button" onClick={() => window.print()}>
            {t('login.recoveryPrint')}
          </button>
        </p>
        <button type="button" className="primary" onClick={() => void done()}>
          {t('login.continue')}
        </button>
      </div>
    );
  }

  return (
    <div className="narrow">
      <h1>{t('login.title')}</h1>
      {step === 'password' ? (
        <form className="card form" onSubmit={submitPassword}>
          <label htmlFor="login-email">{t('login.email')}</label>
          <input
            id="login-email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <label htmlFor="login-password">{t('login.password')}</label>
          <input
            id="login-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <button type="submit" className="primary" disabled={busy}>
            {t('login.next')}
          </button>
          <Link to="/forgot-password">{t('account.forgotLink')}</Link>
        </form>
      ) : (
        <form className="card form" onSubmit={submitCode}>
          {step === 'enrol' ? (
            // At enrolment the person chooses: a passkey (the device's lock) or an authenticator app.
            <section className="passkey-choice" aria-labelledby="passkey-choice">
              <p id="passkey-choice">{t('passkey.enrolChoice')}</p>
              <p className="small">{t('passkey.enrolLead')}</p>
              <PasskeyButton ceremony="register" onDone={done} onError={setError} />
              <h2 className="or-heading">{t('passkey.orApp')}</h2>
            </section>
          ) : null}
          {step === 'totp' && factors.includes('passkey') ? (
            <section className="passkey-choice">
              <PasskeyButton ceremony="sign-in" onDone={done} onError={setError} />
              <h2 className="or-heading">{t('passkey.orCode')}</h2>
            </section>
          ) : null}
          {step === 'enrol' && secret !== undefined ? (
            <>
              <p>{t('login.enrolLead')}</p>
              {secret.qrCodeDataUrl === undefined ? null : (
                <img
                  className="qr"
                  src={secret.qrCodeDataUrl}
                  alt={t('login.enrolQrAlt')}
                  width={200}
                  height={200}
                />
              )}
              <details>
                <summary>{t('login.enrolNoCamera')}</summary>
                <p>
                  {t('login.enrolSecret')} <code data-testid="totp-secret">{secret.secret}</code>
                </p>
              </details>
            </>
          ) : (
            <p>{t('login.totpLead')}</p>
          )}
          <label htmlFor="login-code">{t('login.code')}</label>
          <input
            id="login-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <button type="submit" className="primary" disabled={busy}>
            {t('login.submit')}
          </button>
        </form>
      )}
      {error !== undefined ? <ErrorNotice error={error} hint="hint.login" /> : null}
    </div>
  );
}
