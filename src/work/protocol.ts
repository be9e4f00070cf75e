/**
 * What crosses between the pool and its workers. A ShomeiError loses its code and texts in a
 * structured clone, so a job's typed error travels as data and is rebuilt on the calling thread.
 */
import { isShomeiError, type ShomeiError, shomeiError } from '../errors/index.ts';
import { workFailed } from './errors.ts';

export type JobOutcome =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly error: {
        readonly code: string;
        readonly ja: string;
        readonly en: string;
        readonly status: number;
        readonly details: Readonly<Record<string, unknown>>;
      };
    };

/** Runs one job body; any failure becomes data (untyped ones without their message, which may hold input). */
export async function outcomeOf(work: () => Promise<unknown>): Promise<JobOutcome> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const typed = isShomeiError(error) ? error : workFailed((error as Error)?.name ?? 'unknown');
    return {
      ok: false,
      error: {
        code: typed.code,
        ja: typed.messages.ja,
        en: typed.messages.en,
        status: typed.status,
        details: typed.details,
      },
    };
  }
}

export function unwrapOutcome(outcome: JobOutcome): unknown {
  if (outcome.ok) return outcome.value;
  const e = outcome.error;
  const error: ShomeiError = shomeiError(e.code, e.ja, e.en, { status: e.status, details: e.details });
  throw error;
}
