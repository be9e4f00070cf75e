/**
 * The one door every product timestamp goes through when an outside TSA is configured: retries
 * for a TSA that could not be reached, a circuit breaker that stops asking a TSA that keeps failing,
 * a check of the TSA certificate (revocation) before a token is handed out, and a report of every
 * failure (the composition root turns it into audit records and, when the circuit opens, an alert).
 * Wrong imprints, wrong nonces and untrusted certificates are never retried: they are not outages.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DigestAlgorithm } from '../crypto/index.ts';
import { isShomeiError, type ShomeiError } from '../errors/index.ts';
import { tsaErrors } from './errors.ts';
import type { TimestampRequestOptions, TimestampSource, TimestampToken } from './types.ts';

export interface TimestampFailure {
  readonly error: ShomeiError;
  readonly consecutiveFailures: number;
  /** True when this failure opened (or re-opened) the circuit. */
  readonly circuitOpened: boolean;
}

export interface GuardedTimestampOptions {
  /** Shown in errors and reports (the TSA's origin; never credentials). */
  readonly origin: string;
  /** Extra attempts after a TSA that could not be reached (default 2). */
  readonly retries?: number;
  /** Consecutive failed requests that open the circuit (default 5). */
  readonly breakerFailures?: number;
  /** How long an open circuit refuses requests before one is let through again (default 60 s). */
  readonly breakerSeconds?: number;
  /** Pause before the first retry, doubled for each next one (default 200 ms). */
  readonly retryDelayMillis?: number;
  /** Checks the TSA certificate of a token (revocation); throws to refuse the token. */
  readonly checkToken?: (token: TimestampToken) => Promise<void>;
  readonly onFailure?: (failure: TimestampFailure) => Promise<void> | void;
  readonly now?: () => number;
}

const RETRIED = new Set(['SHOMEI_TSA_UNREACHABLE']);

function asShomeiError(error: unknown): ShomeiError {
  return isShomeiError(error) ? error : tsaErrors.malformed('unexpected failure');
}

export class GuardedTimestampSource implements TimestampSource {
  private consecutiveFailures = 0;
  private openUntil = 0;

  constructor(
    private readonly inner: TimestampSource,
    private readonly options: GuardedTimestampOptions,
  ) {}

  async timestamp(
    digest: Uint8Array,
    digestAlgorithm: DigestAlgorithm = 'SHA-256',
    options: TimestampRequestOptions = {},
  ): Promise<Buffer> {
    return (await this.timestampWithDetails(digest, digestAlgorithm, options)).token;
  }

  async timestampWithDetails(
    digest: Uint8Array,
    digestAlgorithm: DigestAlgorithm = 'SHA-256',
    options: TimestampRequestOptions = {},
  ): Promise<TimestampToken> {
    const now = this.now();
    if (now < this.openUntil) {
      const error = tsaErrors.circuitOpen(this.options.origin, Math.ceil((this.openUntil - now) / 1000));
      await this.report(error, false);
      throw error;
    }
    try {
      const token = await this.attempt(digest, digestAlgorithm, options);
      await this.options.checkToken?.(token);
      this.consecutiveFailures = 0;
      return token;
    } catch (error) {
      const failure = asShomeiError(error);
      this.consecutiveFailures += 1;
      const threshold = this.options.breakerFailures ?? 5;
      const opened = this.consecutiveFailures >= threshold;
      if (opened) this.openUntil = this.now() + (this.options.breakerSeconds ?? 60) * 1000;
      await this.report(failure, opened);
      throw failure;
    }
  }

  /** Facts for readiness and reports: whether the circuit is open now. */
  state(): { readonly circuit: 'closed' | 'open'; readonly consecutiveFailures: number } {
    return {
      circuit: this.now() < this.openUntil ? 'open' : 'closed',
      consecutiveFailures: this.consecutiveFailures,
    };
  }

  private async attempt(
    digest: Uint8Array,
    digestAlgorithm: DigestAlgorithm,
    options: TimestampRequestOptions,
  ): Promise<TimestampToken> {
    const retries = this.options.retries ?? 2;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.inner.timestampWithDetails(digest, digestAlgorithm, options);
      } catch (error) {
        if (attempt >= retries || !isShomeiError(error) || !RETRIED.has(error.code)) throw error;
        await sleep((this.options.retryDelayMillis ?? 200) * 2 ** attempt);
      }
    }
  }

  private async report(error: ShomeiError, circuitOpened: boolean): Promise<void> {
    try {
      await this.options.onFailure?.({ error, consecutiveFailures: this.consecutiveFailures, circuitOpened });
    } catch {
      // Reporting must not hide the TSA's own error from the caller.
    }
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
