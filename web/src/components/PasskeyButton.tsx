import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { useState } from 'react';
import { ApiError, sendJson } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';

/**
 * A passkey ceremony in one button: 'register' at enrolment (instead of an authenticator app),
 * 'sign-in' as the second step of a login. The server holds the challenge in the session and checks
 * the origin against its public URL; the browser's own dialog asks for the device's lock (PIN,
 * fingerprint), which makes the passkey a second factor on its own.
 */
export function PasskeyButton({
  ceremony,
  onDone,
  onError,
}: {
  ceremony: 'register' | 'sign-in';
  onDone: () => Promise<void>;
  onError: (error: unknown) => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState(false);
  async function run() {
    setBusy(true);
    setRefused(false);
    onError(undefined);
    try {
      if (ceremony === 'register') {
        const options = await sendJson<Parameters<typeof startRegistration>[0]['optionsJSON']>(
          'POST',
          '/api/auth/passkeys/options',
        );
        const response = await startRegistration({ optionsJSON: options });
        await sendJson('POST', '/api/auth/passkeys', { response, name: t('passkey.defaultName') });
      } else {
        const options = await sendJson<Parameters<typeof startAuthentication>[0]['optionsJSON']>(
          'POST',
          '/api/auth/login/passkey/options',
        );
        const response = await startAuthentication({ optionsJSON: options });
        await sendJson('POST', '/api/auth/login/passkey', { response });
      }
      await onDone();
    } catch (e) {
      // The browser's own refusal (cancelled, timed out, no authenticator) is not a server error.
      if (e instanceof ApiError) onError(e);
      else setRefused(true);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" className="primary" disabled={busy} onClick={() => void run()}>
        {ceremony === 'register' ? t('passkey.register') : t('passkey.signIn')}
      </button>
      {refused ? (
        <p role="alert" className="notice notice-error">
          {t('passkey.refused')}
        </p>
      ) : null}
    </>
  );
}
