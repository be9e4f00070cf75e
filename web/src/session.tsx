import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { getJson, setCsrfToken } from './api.ts';

export interface SessionUser {
  readonly id: string;
  readonly tenantId: string;
  readonly email: string;
  readonly displayName: string;
}

interface SessionInfo {
  readonly authenticated: boolean;
  readonly csrfToken?: string;
  readonly user?: SessionUser | null;
}

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
      const info = await getJson<SessionInfo>('/api/auth/session');
      setCsrfToken(info.csrfToken);
      setUser(info.authenticated && info.user ? info.user : undefined);
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
