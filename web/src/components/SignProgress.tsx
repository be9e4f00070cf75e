import { useI18n } from '../i18n/index.tsx';

export type SignStep = 'sign' | 'fetch' | 'verify';
const STEPS: readonly SignStep[] = ['sign', 'fetch', 'verify'];

/**
 * What the 6–8 s of signing are spent on, step by step, announced politely to screen readers (the
 * steps follow the requests the page really makes; nothing is animated on a timer).
 */
export function SignProgress({ step }: { step: SignStep }) {
  const { t } = useI18n();
  const current = STEPS.indexOf(step);
  return (
    <section className="card progress" aria-labelledby="progress-title" data-testid="sign-progress">
      <h2 id="progress-title">{t('progress.title')}</h2>
      <p className="small">{t('progress.lead')}</p>
      <ol className="steps" aria-live="polite">
        {STEPS.map((s, i) => (
          <li key={s} data-step={s} data-state={i < current ? 'done' : i === current ? 'current' : 'todo'}>
            <span className="step-no">{t('progress.stepOf', { n: i + 1, total: STEPS.length })}</span>{' '}
            {t(`progress.${s}`)}
            {i < current ? <span className="badge badge-ok"> {t('progress.done')}</span> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
