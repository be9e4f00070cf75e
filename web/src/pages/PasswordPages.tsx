import { type FormEvent, useState } from 'react';
import { sendJson } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { useI18n } from '../i18n/index.tsx';
import { Link } from '../router.tsx';

/** "Forgot your password?": asks for the address and always says the same thing afterwards. */
export function ForgotPasswordPage() {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await sendJson('POST', '/api/auth/password-reset/request', { email: email.trim() });
      setSent(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="narrow">
      <h1>{t('account.forgotTitle')}</h1>
      {sent ? (
        <p role="status" className="card">
          {t('account.forgotSent')}
        </p>
      ) : (
        <form className="card form" onSubmit={submit}>
          <p>{t('account.forgotLead')}</p>
          <label htmlFor="forgot-email">{t('login.email')}</label>
          <input
            id="forgot-email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <button type="submit" className="primary" disabled={busy}>
            {t('account.forgotSubmit')}
          </button>
        </form>
      )}
      {error !== undefined ? <ErrorNotice error={error} /> : null}
      <p>
        <Link to="/login">{t('account.toLogin')}</Link>
      </p>
    </div>
  );
}

/** The token arrives in the URL fragment (never sent to the server or its logs) and is then hidden. */
function tokenFromFragment(): string | undefined {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? undefined;
  if (token !== undefined) window.history.replaceState(null, '', window.location.pathname);
  return token;
}

/** Sets a password from a mailed link: the first one (/activate) or a new one (/reset-password). */
export function SetPasswordPage({ mode }: { mode: 'activate' | 'reset' }) {
  const { t } = useI18n();
  const [token] = useState(tokenFromFragment);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const [mismatch, setMismatch] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const title = mode === 'activate' ? t('account.activateTitle') : t('account.resetTitle');

  async function submit(event: FormEvent) {
    event.preventDefault();
    setMismatch(password !== confirm);
    if (password !== confirm) return;
    setBusy(true);
    setError(undefined);
    try {
      const path = mode === 'activate' ? '/api/auth/activate' : '/api/auth/password-reset';
      await sendJson('POST', path, { token, password });
      setDone(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <div className="narrow">
        <h1>{title}</h1>
        <p role="status" className="card">
          {mode === 'activate' ? t('account.activateDone') : t('account.resetDone')}
        </p>
        <Link to="/login" className="button primary">
          {t('account.toLogin')}
        </Link>
      </div>
    );
  }
  return (
    <div className="narrow">
      <h1>{title}</h1>
      {token === undefined ? (
        <p className="card">{t('account.noToken')}</p>
      ) : (
        <form className="card form" onSubmit={submit}>
          <p>{mode === 'activate' ? t('account.activateLead') : t('account.resetLead')}</p>
          <label htmlFor="new-password">{t('account.newPassword')}</label>
          <input
            id="new-password"
            type="password"
            autoComplete="new-password"
            minLength={12}
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <label htmlFor="confirm-password">{t('account.confirmPassword')}</label>
          <input
            id="confirm-password"
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
          <button type="submit" className="primary" disabled={busy}>
            {t('account.save')}
          </button>
        </form>
      )}
      {mismatch ? (
        <p role="alert" className="notice notice-error">
          {t('account.mismatch')}
        </p>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} hint="hint.resetLink" /> : null}
    </div>
  );
}
