import { useState } from 'react';
import { Layout } from './components/Layout.tsx';
import { useI18n } from './i18n/index.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { BackupsPage } from './pages/BackupsPage.tsx';
import { BulkSendPage } from './pages/BulkSendPage.tsx';
import { CorrectionsLogPage } from './pages/CorrectionsLogPage.tsx';
import { CredentialsPage } from './pages/CredentialsPage.tsx';
import { DashboardPage } from './pages/DashboardPage.tsx';
import { EnvelopePage } from './pages/EnvelopePage.tsx';
import { ImportDetailPage } from './pages/ImportDetailPage.tsx';
import { ImportPage } from './pages/ImportPage.tsx';
import { IntegrationsPage } from './pages/IntegrationsPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { MyCertificatePage } from './pages/MyCertificatePage.tsx';
import { NewEnvelopePage, type SentNotice } from './pages/NewEnvelopePage.tsx';
import { OperatorPage } from './pages/OperatorPage.tsx';
import { ForgotPasswordPage, SetPasswordPage } from './pages/PasswordPages.tsx';
import { SigningPolicyPage } from './pages/SigningPolicyPage.tsx';
import { SignPage } from './pages/SignPage.tsx';
import { TemplateEditorPage } from './pages/TemplateEditorPage.tsx';
import { TemplatesPage } from './pages/TemplatesPage.tsx';
import { UseTemplatePage } from './pages/UseTemplatePage.tsx';
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
  // /contracts/<id> is the link mailed to account holders; it opens the same envelope screen.
  const envelope = /^\/(?:envelopes|contracts)\/([A-Za-z0-9_-]+)$/.exec(path);
  const signing = /^\/sign\/([A-Za-z0-9_-]+)$/.exec(path);
  const template = /^\/templates\/([A-Za-z0-9_-]+)(?:\/(use|bulk))?$/.exec(path);
  const imported = /^\/imports\/([A-Za-z0-9_-]+)$/.exec(path);
  const onSent = (id: string, notice: SentNotice) => setSent({ id, notice });
  if (path === '/' || path === '/verify') screen = <VerifyPage />;
  else if (path === '/login') screen = <LoginPage />;
  else if (path === '/forgot-password') screen = <ForgotPasswordPage />;
  else if (path === '/reset-password') screen = <SetPasswordPage mode="reset" />;
  else if (path === '/activate') screen = <SetPasswordPage mode="activate" />;
  else if (path === '/envelopes')
    screen = (
      <NeedsLogin>
        <DashboardPage />
      </NeedsLogin>
    );
  else if (path === '/me/certificate')
    screen = (
      <NeedsLogin>
        <MyCertificatePage />
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
  else if (path === '/templates')
    screen = (
      <NeedsLogin>
        <TemplatesPage />
      </NeedsLogin>
    );
  else if (template?.[1] !== undefined) {
    const id = template[1] === 'new' ? undefined : template[1];
    let page = <TemplateEditorPage key={id ?? 'new'} id={id} />;
    if (id !== undefined && template[2] === 'use')
      page = <UseTemplatePage key={id} id={id} onSent={onSent} />;
    if (id !== undefined && template[2] === 'bulk') page = <BulkSendPage key={id} id={id} />;
    screen = <NeedsLogin>{page}</NeedsLogin>;
  } else if (path === '/imports/new')
    screen = (
      <NeedsLogin>
        <ImportPage />
      </NeedsLogin>
    );
  else if (imported?.[1] !== undefined)
    screen = (
      <NeedsLogin>
        <ImportDetailPage key={imported[1]} id={imported[1]} />
      </NeedsLogin>
    );
  else if (path === '/records/log')
    screen = (
      <NeedsLogin>
        <CorrectionsLogPage />
      </NeedsLogin>
    );
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
  else if (path === '/settings/signing')
    screen = (
      <NeedsLogin>
        <SigningPolicyPage />
      </NeedsLogin>
    );
  else if (path === '/settings/integrations')
    screen = (
      <NeedsLogin>
        <IntegrationsPage />
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
