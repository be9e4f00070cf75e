import { useState } from 'react';
import { Layout } from './components/Layout.tsx';
import { useI18n } from './i18n/index.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { BackupsPage } from './pages/BackupsPage.tsx';
import { CredentialsPage } from './pages/CredentialsPage.tsx';
import { DashboardPage } from './pages/DashboardPage.tsx';
import { EnvelopePage } from './pages/EnvelopePage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { NewEnvelopePage, type SentNotice } from './pages/NewEnvelopePage.tsx';
import { OperatorPage } from './pages/OperatorPage.tsx';
import { SignPage } from './pages/SignPage.tsx';
import { VerifyPage } from './pages/VerifyPage.tsx';
import { Link, usePath } from './router.tsx';
import { useSession } from './session.tsx';

function NotFound() {
  const { t } = useI18n();
  return (
    <div>
      <h1>{t('notFound.title')}</h1>
      <Link to="/">{t('notFound.back')}</Link>
    </div>
  );
}

/** Screens that need a login send the visitor to the login screen first. */
function NeedsLogin({ children }: { children: React.ReactNode }) {
  const { loaded, user } = useSession();
  const { t } = useI18n();
  if (!loaded) return <p role="status">{t('common.loading')}</p>;
  if (user === undefined) return <LoginPage />;
  return <>{children}</>;
}

/** Screens by path. */
export function App() {
  const { path } = usePath();
  // Access codes are shown once, right after sending; they live only in memory.
  const [sent, setSent] = useState<{ id: string; notice: SentNotice } | undefined>();
  let screen = <NotFound />;
  const envelope = /^\/envelopes\/([A-Za-z0-9_-]+)$/.exec(path);
  const signing = /^\/sign\/([A-Za-z0-9_-]+)$/.exec(path);
  if (path === '/' || path === '/verify') screen = <VerifyPage />;
  else if (path === '/login') screen = <LoginPage />;
  else if (path === '/envelopes')
    screen = (
      <NeedsLogin>
        <DashboardPage />
      </NeedsLogin>
    );
  else if (path === '/envelopes/new')
    screen = (
      <NeedsLogin>
        <NewEnvelopePage onSent={(id, notice) => setSent({ id, notice })} />
      </NeedsLogin>
    );
  else if (envelope?.[1] !== undefined) {
    const id = envelope[1];
    screen = (
      <NeedsLogin>
        <EnvelopePage key={id} id={id} notice={sent?.id === id ? sent.notice : undefined} />
      </NeedsLogin>
    );
  } else if (signing?.[1] !== undefined) screen = <SignPage token={signing[1]} />;
  else if (path === '/admin')
    screen = (
      <NeedsLogin>
        <OperatorPage />
      </NeedsLogin>
    );
  else if (path === '/admin/credentials')
    screen = (
      <NeedsLogin>
        <CredentialsPage />
      </NeedsLogin>
    );
  else if (path === '/admin/backups')
    screen = (
      <NeedsLogin>
        <BackupsPage />
      </NeedsLogin>
    );
  else if (path === '/admin/audit')
    screen = (
      <NeedsLogin>
        <AuditPage />
      </NeedsLogin>
    );
  return <Layout>{screen}</Layout>;
}
