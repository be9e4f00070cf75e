import { useI18n } from '../i18n/index.tsx';
import { consolePaths, usePrivileges } from '../privileges.ts';
import { usePath } from '../router.tsx';
import '../console.css';

/** The operator console's sections the user may open (from GET /api/me/privileges). */
export function ConsoleNav() {
  const { t } = useI18n();
  const { mine } = usePrivileges();
  const { path, navigate } = usePath();
  const items = consolePaths(mine);
  if (items.length === 0) return null;
  return (
    <nav className="console-nav" aria-label={t('console.nav')}>
      <ul>
        {items.map(({ section, path: to }) => (
          <li key={section}>
            <a
              href={to}
              aria-current={path === to ? 'page' : undefined}
              onClick={(event) => {
                if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                event.preventDefault();
                navigate(to);
              }}
            >
              {t(`console.section.${section}`)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
