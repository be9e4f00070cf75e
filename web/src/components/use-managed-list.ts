import { useCallback, useEffect, useState } from 'react';
import { getJson, sendJson } from '../api.ts';

/**
 * A tenant list managed on one screen (API keys, webhooks): load, create with a secret shown once,
 * remove after a confirmation, and one busy flag and error for all of it.
 */
export function useManagedList<T>(url: string, pick: (answer: Record<string, unknown>) => readonly T[]) {
  const [items, setItems] = useState<readonly T[]>();
  const [secret, setSecret] = useState<string>();
  const [removing, setRemoving] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const load = useCallback(() => {
    getJson<Record<string, unknown>>(url)
      .then((answer) => setItems(pick(answer)))
      .catch(setError);
  }, [url, pick]);
  useEffect(load, [load]);
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  /** POSTs the body; the answer's secret (named by `secretField`) is shown once. */
  const create = (body: unknown, secretField: string, then?: () => void) =>
    run(async () => {
      const made = await sendJson<Record<string, unknown>>('POST', url, body);
      setSecret(String(made[secretField]));
      then?.();
    });
  const remove = (id: string) =>
    run(async () => {
      await sendJson('DELETE', `${url}/${encodeURIComponent(id)}`);
      setRemoving(undefined);
    });
  return { items, secret, setSecret, removing, setRemoving, busy, error, create, remove };
}
