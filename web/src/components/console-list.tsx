import { type ReactNode, useEffect, useRef } from 'react';
import { formatDateTime } from '../format.ts';
import { type MessageKey, useI18n } from '../i18n/index.tsx';
import type { Approval } from '../pages/console-types.ts';
import type { MyPrivileges } from '../privileges.ts';
import { ErrorNotice } from './ErrorNotice.tsx';
import { ScrollBox } from './ScrollBox.tsx';

/** The parts the console's credential and certificate lists share: filters, loading, outcome, focus. */

/** A list being loaded (undefined), loaded, or failed. */
export type Loaded<T> = { rows: readonly T[] } | { error: unknown } | undefined;

/** A dual-control request's answer (202): the request to approve and until when. */
export type ApprovalRequest = Approval;

/** The filter's non-empty values as a query string. */
export function listQuery(values: { readonly [name: string]: string }): string {
  const entries = Object.entries(values).filter(([, v]) => v !== '');
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries).toString()}`;
}

export function mayRequest(mine: MyPrivileges | undefined, kind: string): boolean {
  return mine?.operations.some((o) => o.id === kind && o.mayRequest === true) ?? false;
}

/** What happened after an action, said near the list (in the language shown, also after a switch). */
export interface Said {
  readonly key: MessageKey;
  readonly values: { readonly id: string; readonly until?: string };
}

export function Outcome({ said }: { said: Said | undefined }) {
  const { lang, era, t } = useI18n();
  if (said === undefined) return null;
  const { id, until } = said.values;
  return (
    <p role="status" className="notice-ok">
      {t(said.key, { id, until: formatDateTime(until, lang, era) })}
    </p>
  );
}

/** Loading, the error, "none", or the table the caller draws from the rows. */
export function LoadedList<T>({
  list,
  children,
}: {
  list: Loaded<T>;
  children: (rows: readonly T[]) => ReactNode;
}) {
  const { t } = useI18n();
  if (list === undefined) return <p role="status">{t('common.loading')}</p>;
  if ('error' in list) return <ErrorNotice error={list.error} hint="hint.operator" />;
  if (list.rows.length === 0) return <p className="empty">{t('ops.none')}</p>;
  return <ScrollBox>{children(list.rows)}</ScrollBox>;
}

/** A detail opened from a list (`shown` names the item): keyboard and screen-reader users land on it. */
export function DetailCard({
  shown,
  labelledBy,
  children,
}: {
  shown: string;
  labelledBy: string;
  children: ReactNode;
}) {
  const detail = useRef<HTMLElement>(null);
  // Again when another item is opened while the detail is on screen.
  useEffect(() => {
    if (shown !== '') detail.current?.focus();
  }, [shown]);
  return (
    <section ref={detail} className="card console-detail" aria-labelledby={labelledBy} tabIndex={-1}>
      {children}
    </section>
  );
}

/** The date and time of an optional instant, in the language and era shown. */
export function useWhen(): (iso: string | null | undefined) => string {
  const { lang, era } = useI18n();
  return (iso) => formatDateTime(iso ?? undefined, lang, era);
}
