import { type FormEvent, useState } from 'react';
import type {
  LoginAnswer,
  TotpConfirmedAnswer,
  TotpEnrolmentView,
} from '../../../src/identity/routes/shapes.ts';
import { sendJson } from '../api.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PasskeyButton } from '../components/PasskeyButton.tsx';
import { useI18n } from '../i18n/index.tsx';
import { Link, usePath } from '../router.tsx';
import { useSession } from '../session.tsx';

type Step = 'password' | 'totp' | 'enrol';

/** The login's state and its two submissions (password, then a code), shared by the forms below. */
function useLogin() {
  const { navigate } = usePath();
  const { refresh } = useSession();
  const [step, setStep] = useState<Step>('password');
  const [secret, setSecret] = useState<TotpEnrolmentView | undefined>();
  const [recovery, setRecovery] = useState<readonly string[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [factors, setFactors] = useState<readonly string[]>([]);

  async function done() {
    await refresh();
    navigate('/envelopes');
  }

  /** Runs one submission with the busy flag and the error notice. */
  async function attempt(work: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const submitPassword = (email: string, password: string) =>
    attempt(async () => {
      const outcome = await sendJson<LoginAnswer>('POST', '/api/auth/login', { email, password });
      setFactors(outcome.secondFactors);
      if (outcome.next === 'done') await done();
      else if (outcome.next === 'second-factor') setStep('totp');
      else {
        setSecret(await sendJson<TotpEnrolmentView>('POST', '/api/auth/totp/enrol'));
        setStep('enrol');
      }
    });

  const submitCode = (code: string) =>
    attempt(async () => {
      if (step === 'totp') {
        await sendJson('POST', '/api/auth/login/totp', { code: code.trim() });
        await done();
      } else {
        const confirmed = await sendJson<TotpConfirmedAnswer>('POST', '/api/auth/totp/confirm', {
          code: code.trim(),
        });
        setRecovery(confirmed.recoveryCodes);
      }
    });

  return { step, secret, recovery, error, setError, busy, factors, done, submitPassword, submitCode };
}

/** Password, then the second factor (TOTP), or TOTP enrolment on the first login. */
export function LoginPage() {
  const { t } = useI18n();
  const login = useLogin();
  if (login.recovery !== undefined) {
    return <RecoveryCodes codes={login.recovery} onContinue={() => void login.done()} />;
  }
  return (
    <div className="narrow">
      <h1>{t('login.title')}</h1>
      {login.step === 'password' ? (
        <PasswordForm
          busy={login.busy}
          onSubmit={(email, password) => void login.submitPassword(email, password)}
        />
      ) : (
        <CodeForm login={login} />
      )}
      {login.error !== undefined ? <ErrorNotice error={login.error} hint="hint.login" /> : null}
    </div>
  );
}

function RecoveryCodes({ codes, onContinue }: { codes: readonly string[]; onContinue: () => void }) {
  const { t } = useI18n();
  return (
    <div className="narrow">
      <h1>{t('login.recoveryTitle')}</h1>
      <p>{t('login.recoveryLead')}</p>
      <ul className="codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <p className="actions">
        <a
          className="button"
          download="shomei-recovery-codes.txt"
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(`${codes.join('\r\n')}\r\n`)}`}
        >
          {t('login.recoveryDownload')}
        </a>
        <button type="button" onClick={() => window.print()}>
          {t('login.recoveryPrint')}
        </button>
      </p>
      <button type="button" className="primary" onClick={onContinue}>
        {t('login.continue')}
      </button>
    </div>
  );
}

function PasswordForm({
  busy,
  onSubmit,
}: {
  busy: boolean;
  onSubmit: (email: string, password: string) => void;
}) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(email, password);
  };
  return (
    <form className="card form" onSubmit={submit}>
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
  );
}

function CodeForm({ login }: { login: ReturnType<typeof useLogin> }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const { step, secret } = login;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void login.submitCode(code);
  };
  return (
    <form className="card form" onSubmit={submit}>
      <PasskeyChoice login={login} />
      {step === 'enrol' && secret !== undefined ? (
        <EnrolSecret secret={secret} />
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
      <button type="submit" className="primary" disabled={login.busy}>
        {t('login.submit')}
      </button>
    </form>
  );
}

/** A passkey beside the code: to enrol one at the first login, or to sign in with an account's own. */
function PasskeyChoice({ login }: { login: ReturnType<typeof useLogin> }) {
  const { t } = useI18n();
  if (login.step === 'enrol') {
    // At enrolment the person chooses: a passkey (the device's lock) or an authenticator app.
    return (
      <section className="passkey-choice" aria-labelledby="passkey-choice">
        <p id="passkey-choice">{t('passkey.enrolChoice')}</p>
        <p className="small">{t('passkey.enrolLead')}</p>
        <PasskeyButton ceremony="register" onDone={login.done} onError={login.setError} />
        <h2 className="or-heading">{t('passkey.orApp')}</h2>
      </section>
    );
  }
  if (login.step === 'totp' && login.factors.includes('passkey')) {
    return (
      <section className="passkey-choice">
        <PasskeyButton ceremony="sign-in" onDone={login.done} onError={login.setError} />
        <h2 className="or-heading">{t('passkey.orCode')}</h2>
      </section>
    );
  }
  return null;
}

function EnrolSecret({ secret }: { secret: TotpEnrolmentView }) {
  const { t } = useI18n();
  return (
    <>
      <p>{t('login.enrolLead')}</p>
      <img className="qr" src={secret.qrCodeDataUrl} alt={t('login.enrolQrAlt')} width={200} height={200} />
      <details>
        <summary>{t('login.enrolNoCamera')}</summary>
        <p>
          {t('login.enrolSecret')} <code data-testid="totp-secret">{secret.secret}</code>
        </p>
      </details>
    </>
  );
}
