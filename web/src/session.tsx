import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import type { SessionAnswer, SessionUser } from '../../src/identity/routes/shapes.ts';
import { getJson, setCsrfToken } from './api.ts';

export type { SessionUser } from '../../src/identity/routes/shapes.ts';

interface SessionState {
  readonly loaded: boolean;
  readonly user: SessionUser | undefined;
  refresh(): Promise<void>;
}

const SessionContext = createContext<SessionState>({
  loaded: false,
  user: undefined,
  refresh: async () => {},
});

/** Who is logged in (GET /api/auth/session), and the CSRF token that session expects. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [loaded, setLoaded] = useState(false);
  const [user, setUser] = useState<SessionUser | undefined>();
  const refresh = useCallback(async () => {
    try {
      const info = await getJson<SessionAnswer>('/api/auth/session');
      const session = 'csrfToken' in info ? info : undefined;
      setCsrfToken(session?.csrfToken);
      setUser(session?.authenticated && session.user ? session.user : undefined);
    } catch {
      setUser(undefined);
    } finally {
      setLoaded(true);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return <SessionContext.Provider value={{ loaded, user, refresh }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}
