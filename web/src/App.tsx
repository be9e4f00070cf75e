import { Layout } from './components/Layout.tsx';
import { useI18n } from './i18n/index.tsx';
import { VerifyPage } from './pages/VerifyPage.tsx';
import { Link, usePath } from './router.tsx';

function NotFound() {
  const { t } = useI18n();
  return (
    <div>
      <h1>{t('notFound.title')}</h1>
      <Link to="/">{t('notFound.back')}</Link>
    </div>
  );
}

/** Screens by path. */
export function App() {
  const { path } = usePath();
  let screen = <NotFound />;
  if (path === '/' || path === '/verify') screen = <VerifyPage />;
  return <Layout>{screen}</Layout>;
}
