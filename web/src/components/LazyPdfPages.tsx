import { type ComponentProps, lazy, Suspense } from 'react';
import { useI18n } from '../i18n/index.tsx';

// PDF.js is loaded only by the screens that show documents, so the public verifier stays small.
const PdfPagesModule = lazy(() => import('./PdfPages.tsx').then((m) => ({ default: m.PdfPages })));

export function PdfPages(props: ComponentProps<typeof PdfPagesModule>) {
  const { t } = useI18n();
  return (
    <Suspense fallback={<p role="status">{t('pdf.loading')}</p>}>
      <PdfPagesModule {...props} />
    </Suspense>
  );
}
