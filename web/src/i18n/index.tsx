import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { en } from './en.ts';
import { ja, type MessageKey } from './ja.ts';

import type { Era, Lang } from './types.ts';

export type { Era, Lang, MessageKey };

const catalogs: Record<Lang, Record<MessageKey, string>> = { ja, en };

interface I18n {
  readonly lang: Lang;
  readonly era: Era;
  setLang(lang: Lang): void;
  setEra(era: Era): void;
  t(key: MessageKey, values?: Record<string, string | number>): string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

function stored<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  const value = globalThis.localStorage?.getItem(key);
  return allowed.includes(value as T) ? (value as T) : fallback;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => stored('shomei.lang', ['ja', 'en'], 'ja'));
  const [era, setEraState] = useState<Era>(() => stored('shomei.era', ['western', 'japanese'], 'western'));
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem('shomei.lang', next);
    document.documentElement.lang = next;
    setLangState(next);
  }, []);
  const setEra = useCallback((next: Era) => {
    localStorage.setItem('shomei.era', next);
    setEraState(next);
  }, []);
  const value = useMemo<I18n>(
    () => ({
      lang,
      era,
      setLang,
      setEra,
      t: (key, values) =>
        catalogs[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(values?.[name] ?? `{${name}}`)),
    }),
    [lang, era, setLang, setEra],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const context = useContext(I18nContext);
  if (context === undefined) throw new Error('useI18n outside I18nProvider');
  return context;
}
