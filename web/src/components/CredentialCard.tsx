import { type FormEvent, useState } from 'react';
import { freshRequestHeaders, sendJson } from '../api.ts';
import { commonName } from '../cert-name.ts';
import { formatDateTime } from '../format.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import type { MyCredential } from '../pages/my-certificate-types.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';

type Lifecycle = 'suspend' | 'resume' | 'revoke' | 'renew';
const CONFIRM: Record<Lifecycle, MessageKey> = {
  suspend: 'mycert.confirmSuspend',
  resume: 'mycert.confirmResume',
  revoke: 'mycert.confirmRevoke',
  renew: 'mycert.confirmRenew',
};
const DAY_MS = 24 * 3600 * 1000;
/** When the card starts to say the certificate ends soon (the first notice mail goes at 30 days). */
const SOON_DAYS = 30;

/** Sets the PIN the first time, or changes it (the old PIN counts towards the lockout). */
function PinForm({ credential, onDone }: { credential: MyCredential; onDone: (message: string) => void }) {
  const { t } = useI18n();
  const [oldPin, setOldPin] = useState('');
  const [pin, setPin] = useState('');
  const [again, setAgain] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [error, setError] = useState<unknown>();
  const id = credential.credentialID;
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setMismatch(pin !== again);
    if (pin !== again) return;
    try {
      if (credential.pinSet) {
        await sendJson('POST', `/api/me/credentials/${id}/pin/change`, { oldPin, newPin: pin });
        onDone(t('mycert.pinChanged'));
      } else {
        await sendJson('POST', `/api/me/credentials/${id}/pin`, { pin });
        onDone(t('mycert.pinSaved'));
      }
      setOldPin('');
      setPin('');
      setAgain('');
    } catch (e) {
      setError(e);
    }
  }
  return (
    <form
      className="form"
      onSubmit={submit}
      aria-label={t(credential.pinSet ? 'mycert.changePin' : 'mycert.setPin')}
    >
      <h3>{t(credential.pinSet ? 'mycert.changePin' : 'mycert.setPin')}</h3>
      {credential.pinSet ? (
        <>
          <label htmlFor={`${id}-old`}>{t('mycert.oldPin')}</label>
          <input
            id={`${id}-old`}
            type="password"
            inputMode="numeric"
            autoComplete="off"
            required
            value={oldPin}
            onChange={(e) => setOldPin(e.target.value)}
          />
        </>
      ) : null}
      <label htmlFor={`${id}-pin`}>{t(credential.pinSet ? 'mycert.newPin' : 'mycert.pin')}</label>
      <input
        id={`${id}-pin`}
        type="password"
        inputMode="numeric"
        autoComplete="off"
        required
        pattern="[0-9]{6,16}"
        value={pin}
        onChange={(e) => setPin(e.target.value)}
      />
      <label htmlFor={`${id}-again`}>{t('mycert.pinAgain')}</label>
      <input
        id={`${id}-again`}
        type="password"
        inputMode="numeric"
        autoComplete="off"
        required
        value={again}
        onChange={(e) => setAgain(e.target.value)}
      />
      <button type="submit">{t(credential.pinSet ? 'mycert.changePin' : 'mycert.savePin')}</button>
      {mismatch ? (
        <p role="alert" className="notice notice-error">
          {t('mycert.pinMismatch')}
        </p>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} hint="hint.checkForm" /> : null}
    </form>
  );
}

/** The one-time factor: the seed shown once as a QR code (otpauth://) and as text. */
function OtpEnrolment({ credential, onDone }: { credential: MyCredential; onDone: () => void }) {
  const { t } = useI18n();
  const [enrolment, setEnrolment] = useState<{ secret: string; qrCodeDataUrl: string } | undefined>();
  const [error, setError] = useState<unknown>();
  async function enrol() {
    setError(undefined);
    try {
      setEnrolment(await sendJson('POST', `/api/me/credentials/${credential.credentialID}/totp`, {}));
    } catch (e) {
      setError(e);
    }
  }
  return (
    <div className="otp-enrolment">
      <h3>{t('mycert.enrolOtp')}</h3>
      <p className="small">{t('mycert.otpWhich')}</p>
      {enrolment === undefined ? (
        <button type="button" onClick={() => void enrol()}>
          {t('mycert.enrolOtp')}
        </button>
      ) : (
        <div>
          <p className="small">{t('mycert.enrolLead')}</p>
          <img src={enrolment.qrCodeDataUrl} alt={t('mycert.qrAlt')} width={200} height={200} />
          <p>
            {t('mycert.secret')}: <code data-testid="otp-secret">{enrolment.secret}</code>
          </p>
          <button type="button" className="primary" onClick={onDone}>
            {t('mycert.otpDone')}
          </button>
        </div>
      )}
      {error !== undefined ? <ErrorNotice error={error} /> : null}
    </div>
  );
}

/** One credential: certificate facts, PIN, one-time factor, suspend / resume / revoke. */
export function CredentialCard({
  credential,
  signingFactor,
  renewable,
  onChanged,
}: {
  credential: MyCredential;
  signingFactor: 'credential-otp' | 'login-totp';
  /** False while an application (e.g. this renewal) waits for the RA. */
  renewable: boolean;
  onChanged: (message?: string) => void;
}) {
  const { lang, era, t } = useI18n();
  const [asking, setAsking] = useState<Lifecycle | undefined>();
  const [error, setError] = useState<unknown>();
  const id = credential.credentialID;
  const cert = credential.certificate;
  const daysLeft = cert === null ? undefined : Math.floor((Date.parse(cert.validTo) - Date.now()) / DAY_MS);
  async function lifecycle(action: Lifecycle) {
    setError(undefined);
    if (action === 'renew') {
      try {
        await sendJson('POST', `/api/me/credentials/${id}/renew`, {});
        onChanged(t('mycert.renewApplied'));
      } catch (e) {
        setError(e);
      } finally {
        setAsking(undefined);
      }
      return;
    }
    try {
      const after = await sendJson<MyCredential>(
        'POST',
        `/api/me/credentials/${id}/${action}`,
        {},
        freshRequestHeaders(),
      );
      onChanged(t('mycert.done', { id, status: t(`mycert.status.${after.status}`) }));
    } catch (e) {
      setError(e);
    } finally {
      setAsking(undefined);
    }
  }
  return (
    <article
      className="card"
      aria-labelledby={`${id}-h`}
      data-credential={id}
      data-status={credential.status}
    >
      <h2 id={`${id}-h`}>
        {cert === null ? id : commonName(cert.subjectDN)}{' '}
        <span className="badge">{t(`mycert.status.${credential.status}`)}</span>
      </h2>
      <dl className="facts">
        <dt>{t('mycert.id')}</dt>
        <dd>
          <code>{id}</code>
        </dd>
        <dt>{t('mycert.validity')}</dt>
        <dd>
          {cert === null
            ? '—'
            : `${formatDateTime(cert.validFrom, lang, era)} – ${formatDateTime(cert.validTo, lang, era)}`}
          {daysLeft !== undefined && daysLeft < SOON_DAYS && credential.status !== 'revoked' ? (
            <strong className="badge" data-testid="expires-soon">
              {' '}
              {t('mycert.expiresIn', { days: Math.max(daysLeft, 0) })}
            </strong>
          ) : null}
        </dd>
        <dt>{t('mycert.pinState')}</dt>
        <dd>{t(credential.pinSet ? 'mycert.set' : 'mycert.notSet')}</dd>
        <dt>{t('mycert.otpState')}</dt>
        <dd>
          {signingFactor === 'login-totp'
            ? t('mycert.otpIsLogin')
            : credential.otpMethod === null
              ? t('mycert.notSet')
              : `${t('mycert.set')} (${t(credential.otpMethod === 'totp' ? 'factor.totp' : 'factor.email-otp')})`}
        </dd>
      </dl>
      {/* The certificate's technical names, for whoever is asked to check them. */}
      <details>
        <summary>{t('done.details')}</summary>
        <dl className="facts">
          <dt>{t('mycert.subject')}</dt>
          <dd>{cert?.subjectDN ?? '—'}</dd>
          <dt>{t('mycert.issuer')}</dt>
          <dd>{cert?.issuerDN ?? '—'}</dd>
          <dt>{t('mycert.keyAlgorithm')}</dt>
          <dd>{credential.algorithm}</dd>
        </dl>
      </details>
      {credential.status === 'active' ? (
        <PinForm credential={credential} onDone={(m) => onChanged(m)} />
      ) : null}
      {credential.status === 'active' &&
      credential.otpMethod === null &&
      signingFactor === 'credential-otp' ? (
        <OtpEnrolment credential={credential} onDone={() => onChanged()} />
      ) : null}
      {credential.status === 'active' || credential.status === 'suspended' ? (
        <div className="actions">
          {credential.status === 'active' ? (
            <button type="button" onClick={() => setAsking('suspend')}>
              {t('mycert.suspend')}
            </button>
          ) : (
            <button type="button" onClick={() => setAsking('resume')}>
              {t('mycert.resume')}
            </button>
          )}
          {renewable && cert !== null ? (
            <button type="button" onClick={() => setAsking('renew')}>
              {t('mycert.renew')}
            </button>
          ) : null}
          <button type="button" className="danger" onClick={() => setAsking('revoke')}>
            {t('mycert.revoke')}
          </button>
        </div>
      ) : null}
      {asking !== undefined ? (
        <ConfirmDialog
          title={t(CONFIRM[asking], { id })}
          confirmLabel={t(`mycert.${asking}`)}
          danger={asking === 'revoke'}
          onConfirm={() => void lifecycle(asking)}
          onCancel={() => setAsking(undefined)}
        >
          {asking === 'revoke' ? <p>{t('mycert.revokeNote')}</p> : null}
          {asking === 'renew' ? <p>{t('mycert.renewNote')}</p> : null}
        </ConfirmDialog>
      ) : null}
      {error !== undefined ? <ErrorNotice error={error} /> : null}
    </article>
  );
}
