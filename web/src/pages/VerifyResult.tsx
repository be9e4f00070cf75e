import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n/index.tsx';
import type { Indication, SignatureResult, ValidationReport } from './verify-types.ts';

function IndicationBadge({ indication }: { indication: Indication }) {
  const { t } = useI18n();
  const tone = indication === 'TOTAL_PASSED' ? 'ok' : indication === 'TOTAL_FAILED' ? 'bad' : 'warn';
  return (
    <span className={`badge badge-${tone}`} data-indication={indication}>
      {t(`indication.${indication}`)}
    </span>
  );
}

function SignatureCard({ signature }: { signature: SignatureResult }) {
  const { lang, era, t } = useI18n();
  const title =
    signature.kind === 'signature'
      ? t('verify.signature', { id: signature.id })
      : t('verify.docTimestamp', { id: signature.id });
  const changes = signature.modifications?.changes ?? [];
  return (
    <section className="card" aria-label={title} data-signature={signature.id}>
      <h3>
        {title} <IndicationBadge indication={signature.indication} />
        {signature.subIndication ? <code className="sub">{signature.subIndication}</code> : null}
      </h3>
      <dl className="facts">
        {signature.signer ? (
          <>
            <dt>{t('verify.signer')}</dt>
            <dd>{signature.signer.subject}</dd>
            <dt>{t('verify.issuer')}</dt>
            <dd>{signature.signer.issuer}</dd>
          </>
        ) : null}
        <dt>{t('verify.level')}</dt>
        <dd>{signature.level}</dd>
        <dt>{t('verify.claimedTime')}</dt>
        <dd>{formatDateTime(signature.claimedSigningTime, lang, era)}</dd>
        <dt>{t('verify.provenTime')}</dt>
        <dd>{formatDateTime(signature.bestSignatureTime, lang, era)}</dd>
        {signature.timestamps.length > 0 ? (
          <>
            <dt>{t('verify.timestamps')}</dt>
            <dd>
              <ul>
                {signature.timestamps.map((ts) => (
                  <li key={`${ts.kind}-${ts.genTime ?? ''}`}>
                    {formatDateTime(ts.genTime, lang, era)} <IndicationBadge indication={ts.indication} />
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
      </dl>
      {signature.reasons.length > 0 ? (
        <div className="reasons">
          <h4>{t('verify.reasons')}</h4>
          <ul>
            {signature.reasons.map((reason) => (
              <li key={reason.code + reason.en} data-reason={reason.code}>
                {reason[lang]}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {signature.warnings.length > 0 ? (
        <div className="warnings">
          <h4>{t('verify.warnings')}</h4>
          <ul>
            {signature.warnings.map((reason) => (
              <li key={reason.code + reason.en}>{reason[lang]}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {signature.kind === 'signature' ? (
        <div className="changes">
          <h4>{t('verify.modifications')}</h4>
          {changes.length === 0 ? (
            <p>{t('verify.noModifications')}</p>
          ) : (
            <ul>
              {changes.map((change) => (
                <li key={`${change.revision}-${change.description.en}`}>{change.description[lang]}</li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </section>
  );
}

export function VerifyResult({ report }: { report: ValidationReport }) {
  const { lang, era, t } = useI18n();
  return (
    <div className="result" aria-live="polite">
      <section className="card summary">
        <h2>
          {t('verify.overall')} <IndicationBadge indication={report.indication} />
        </h2>
        <dl className="facts">
          <dt>{t('verify.document')}</dt>
          <dd>{report.document.name ?? '—'}</dd>
          <dt>{t('verify.sha256')}</dt>
          <dd className="hash">{report.document.sha256}</dd>
          <dt>{t('verify.validationTime')}</dt>
          <dd>{formatDateTime(report.validationTime, lang, era)}</dd>
        </dl>
      </section>
      {report.signatures.length === 0 ? <p>{t('verify.noSignatures')}</p> : null}
      {report.signatures.map((signature) => (
        <SignatureCard key={signature.id} signature={signature} />
      ))}
    </div>
  );
}
