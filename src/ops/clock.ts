/**
 * Clock health (JT2A 7.1.2): the offset of the local clock against a configured NTP server, measured
 * in the background, reported at /readyz and enforced by `ClockGuard.assertSynchronised()`, which
 * signing code calls before it puts a time into a signature, certificate or timestamp.
 */
import { shomeiError } from '../errors/index.ts';
import { querySntp, type SntpResult } from './sntp.ts';

export interface ClockSettings {
  /** `host[:port]` of the NTP server; undefined: the host's own synchronisation is trusted. */
  readonly ntpServer: string | undefined;
  /** Largest tolerated offset in milliseconds. */
  readonly maxOffsetMs: number;
  /** Seconds between measurements. */
  readonly intervalSeconds: number;
}

export type ClockState =
  | { readonly status: 'unconfigured' }
  | { readonly status: 'unknown'; readonly error?: string | undefined }
  | {
      readonly status: 'ok' | 'skewed';
      readonly offsetMs: number;
      readonly roundTripMs: number;
      readonly server: string;
      readonly measuredAt: string;
      readonly error?: string | undefined;
    };

export class ClockGuard {
  private last: SntpResult | undefined;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly settings: ClockSettings,
    private readonly query: (server: string) => Promise<SntpResult> = (server) => querySntp(server),
  ) {}

  /** Measures once now; errors are kept as the state (a failed measurement is not a crash). */
  async measure(): Promise<ClockState> {
    if (this.settings.ntpServer === undefined) return this.state();
    try {
      this.last = await this.query(this.settings.ntpServer);
      this.lastError = undefined;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
    }
    return this.state();
  }

  /** Starts periodic measurement (unref'd, so it never keeps the process alive). */
  start(): void {
    if (this.settings.ntpServer === undefined || this.timer !== undefined) return;
    void this.measure();
    this.timer = setInterval(() => void this.measure(), this.settings.intervalSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  state(): ClockState {
    if (this.settings.ntpServer === undefined) return { status: 'unconfigured' };
    // A measurement older than three intervals no longer says anything about the clock now.
    const stale =
      this.last === undefined ||
      Date.now() - this.last.measuredAt.getTime() > this.settings.intervalSeconds * 3000;
    if (this.last === undefined || stale) {
      return { status: 'unknown', error: this.lastError };
    }
    return {
      status: Math.abs(this.last.offsetMs) <= this.settings.maxOffsetMs ? 'ok' : 'skewed',
      offsetMs: Math.round(this.last.offsetMs),
      roundTripMs: Math.round(this.last.roundTripMs),
      server: this.last.server,
      measuredAt: this.last.measuredAt.toISOString(),
      error: this.lastError,
    };
  }

  /**
   * Throws SHOMEI_CLOCK_UNSYNCHRONISED when an NTP server is configured and the clock is off by more
   * than the bound, or its offset is not known. Without an NTP server the host's synchronisation
   * (chrony/systemd-timesyncd) is trusted, as the practice statement says.
   */
  assertSynchronised(): void {
    const state = this.state();
    if (state.status === 'unconfigured' || state.status === 'ok') return;
    const offset = state.status === 'skewed' ? state.offsetMs : undefined;
    throw shomeiError(
      'SHOMEI_CLOCK_UNSYNCHRONISED',
      offset === undefined
        ? '時刻のずれを確認できないため、署名を行いません (NTP サーバに到達できません)。'
        : `時刻が NTP サーバから ${offset} ms ずれているため、署名を行いません (許容 ${this.settings.maxOffsetMs} ms)。`,
      offset === undefined
        ? 'Refusing to sign: the clock offset cannot be established (the NTP server is unreachable).'
        : `Refusing to sign: the clock is ${offset} ms off the NTP server (limit ${this.settings.maxOffsetMs} ms).`,
      { status: 503, details: { offsetMs: offset ?? null, maxOffsetMs: this.settings.maxOffsetMs } },
    );
  }
}
