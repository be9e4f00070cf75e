import { useEffect, useState } from 'react';
import type { Member } from '../../../src/identity/members.ts';
import { getJson } from '../api.ts';
import { useI18n } from '../i18n/index.tsx';

/** A colleague as GET /api/users/members answers it, typed by the server's own declaration. */
export type { Member } from '../../../src/identity/members.ts';

/**
 * A saved list of account ids back as people (GET /api/users/members?ids=); an id the directory no
 * longer lists (closed or suspended account) stays in the list without a name, so saving keeps it.
 */
export async function approversByName(ids: readonly string[]): Promise<Member[]> {
  if (ids.length === 0) return [];
  const { members } = await getJson<{ members: Member[] }>(
    `/api/users/members?ids=${encodeURIComponent(ids.join(','))}`,
  ).catch(() => ({ members: [] as Member[] }));
  return ids.map(
    (id) => members.find((m) => m.id === id) ?? { id, name: '', email: '', department: null, title: null },
  );
}

/**
 * Picks colleagues of the tenant by name or e-mail (社内承認's approvers) instead of typing user
 * ids: a search box, the matches to add, and the chosen people to take out again.
 */
export function MemberPicker({
  id,
  chosen,
  onChange,
  exclude,
  max = 10,
}: {
  id: string;
  chosen: readonly Member[];
  onChange: (members: readonly Member[]) => void;
  /** Not offered (e.g. the sender, who cannot approve the own envelope). */
  exclude?: string | undefined;
  max?: number;
}) {
  const { t } = useI18n();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<readonly Member[] | undefined>();
  useEffect(() => {
    let cancelled = false;
    // A short pause so each keystroke does not become a request.
    const timer = setTimeout(() => {
      getJson<{ members: Member[] }>(`/api/users/members?q=${encodeURIComponent(query.trim())}`)
        .then((r) => {
          if (!cancelled) setFound(r.members);
        })
        .catch(() => {
          if (!cancelled) setFound([]);
        });
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [query]);
  const offered = (found ?? []).filter((m) => m.id !== exclude && !chosen.some((c) => c.id === m.id));
  const describe = (m: Member) => [m.department, m.title, m.email].filter((x) => x).join(' · ');
  return (
    <div className="member-picker">
      <label htmlFor={id}>{t('members.search')}</label>
      <input id={id} type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
      {chosen.length > 0 ? (
        <ul className="member-chosen" aria-label={t('members.chosen')}>
          {chosen.map((m) => (
            <li key={m.id}>
              <span>
                {m.name || t('approval.unknownMember')} <small>{describe(m)}</small>
              </span>
              <button type="button" onClick={() => onChange(chosen.filter((c) => c.id !== m.id))}>
                {t('members.remove', { name: m.name || t('approval.unknownMember') })}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {found === undefined ? null : offered.length === 0 ? (
        <p className="small" role="status">
          {t('members.none')}
        </p>
      ) : (
        <ul className="member-found" aria-label={t('members.found')}>
          {offered.map((m) => (
            <li key={m.id}>
              <span>
                {m.name} <small>{describe(m)}</small>
              </span>
              <button type="button" disabled={chosen.length >= max} onClick={() => onChange([...chosen, m])}>
                {t('members.add', { name: m.name })}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
