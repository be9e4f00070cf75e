/**
 * The running server's HSM configuration check (issue #18, ADR 032): the same comparison as
 * `shomei keys hsm-check`, on a timer (SHOMEI_HSM_CHECK_SECONDS) and for /readyz. A change is
 * recorded once per new fingerprint by checkHsmConfiguration, which raises the critical alert once;
 * the watch only keeps the latest answer so a readiness probe does not hash the module every time.
 */
import type { ShomeiConfig } from '../config/index.ts';
import type { Database } from '../store/index.ts';
import { checkHsmConfiguration } from './hsm-configuration.ts';

export type HsmConfigurationState = 'unchanged' | 'changed' | 'recorded' | 'failed';

/** Longest a readiness probe reuses the last answer. */
const READINESS_REUSE_MS = 60_000;

export class HsmConfigurationWatch {
  private last: { state: HsmConfigurationState; at: number } | undefined;

  constructor(
    private readonly config: ShomeiConfig,
    private readonly database: Database,
  ) {}

  /** Compares now; a module or token that cannot be read at all is 'failed', not 'unchanged'. */
  async check(): Promise<HsmConfigurationState> {
    let state: HsmConfigurationState;
    try {
      state = (await checkHsmConfiguration(this.config, this.database)).status;
    } catch {
      state = 'failed';
    }
    this.last = { state, at: Date.now() };
    return state;
  }

  /** What /readyz reports: the last answer while it is fresh, else a new check. */
  async current(): Promise<HsmConfigurationState> {
    const period = Math.min(READINESS_REUSE_MS, this.config.pkcs11.configurationCheckSeconds * 1000);
    if (this.last !== undefined && Date.now() - this.last.at < period) return this.last.state;
    return this.check();
  }

  /** Checks every SHOMEI_HSM_CHECK_SECONDS while the server runs (the timer keeps no process alive). */
  start(onChange: (state: HsmConfigurationState) => void): () => void {
    const run = () =>
      void this.check().then((state) => {
        if (state !== 'unchanged' && state !== 'recorded') onChange(state);
      });
    const timer = setInterval(run, this.config.pkcs11.configurationCheckSeconds * 1000);
    timer.unref();
    return () => clearInterval(timer);
  }
}
