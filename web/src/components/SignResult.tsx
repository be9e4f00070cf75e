import { useEffect, useRef } from 'react';
import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n/index.tsx';
import type { ValidationReport } from '../pages/verify-types.ts';

export interface SignOutcome {
  /** Who signed, as shomei knows them (party id and e-mail). */
  readonly signerId: string;
  readonly documentName: string;
  /** SHA-256 of the document as reviewed and signed. */
  readonly signedSha256: string;
  readonly outputName: string;
  readonly outputSha256: string;
  /** The validation of the output (POST /api/verify); the newest signature is this signer's. */
  readonly report: ValidationReport | undefined;
}

/**
 * The result screen of 電子署名の実施 (JT2A guideline appendix 3), plain words first: that it worked,
 * what happens next and the download; behind 「詳細」 the signer's id, what was signed (name and
 * hash), the output, the timestamp's time, the certificate's name and the validation result. The
 * heading takes the focus, so a screen reader announces the result and a phone scrolls to it.
 */
export function SignResult({
  outcome,
  title,
  completed,
  onDownload,
}: {
  outcome: SignOutcome;
  title?: string;
  completed?: boolean;
  onDownload?: () => void;
}) {
  const { lang, era, t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
    heading.current?.scrollIntoView({ block: 'start' });
  }, []);
  const signatures = outcome.report?.signatures.filter((s) => s.kind === 'signature') ?? [];
  const mine = signatures.at(-1);
  const tsTime = mine?.timestamps.find((ts) => ts.genTime !== undefined)?.genTime ?? mine?.bestSignatureTime;
  const ok = mine?.indication === 'TOTAL_PASSED';
  return (
    <section className="card result-screen" aria-labelledby="sign-result-title" data-testid="sign-result">
      <h2 id="sign-result-title" ref={heading} tabIndex={-1} data-result="success">
        {t('done.title')}
      </h2>
      {title === undefined ? null : <p className="lead">{t('done.lead', { title })}</p>}
      <p data-testid="sign-next">{t(completed ? 'done.nextCompleted' : 'done.nextWaiting')}</p>
      {ok ? <p>{t('done.verified')}</p> : null}
      {mine?.indication === 'TOTAL_FAILED' ? <p>{t('done.notVerified')}</p> : null}
      {onDownload === undefined ? null : (
        <p className="actions">
          <button type="button" className="primary" onClick={onDownload}>
            {t('download.pdf')}
          </button>
        </p>
      )}
      <details>
        <summary>{t('done.details')}</summary>
        <dl className="facts">
          <dt>{t('result.signerId')}</dt>
          <dd data-field="signer-id">{outcome.signerId}</dd>
          <dt>{t('result.document')}</dt>
          <dd data-field="document">{outcome.documentName}</dd>
          <dt>{t('result.documentHash')}</dt>
          <dd className="hash" data-field="document-hash">
            {outcome.signedSha256}
          </dd>
          <dt>{t('result.output')}</dt>
          <dd data-field="output">
            {outcome.outputName}
            <br />
            <span className="hash">{outcome.outputSha256}</span>
          </dd>
          <dt>{t('result.signingTime')}</dt>
          <dd data-field="signing-time">{formatDateTime(tsTime, lang, era)}</dd>
          <dt>{t('result.signerName')}</dt>
          <dd data-field="signer-name">{mine?.signer?.subject ?? '—'}</dd>
          <dt>{t('result.validation')}</dt>
          <dd data-field="validation">
            {mine === undefined ? (
              t('result.notValidated')
            ) : (
              <span
                className={`badge badge-${ok ? 'ok' : mine.indication === 'TOTAL_FAILED' ? 'bad' : 'warn'}`}
              >
                {t(`indication.${mine.indication}`)}
              </span>
            )}
          </dd>
        </dl>
      </details>
    </section>
  );
}
