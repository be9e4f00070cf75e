/** The identity module's tunable settings; `src/config` reads them from SHOMEI_… variables. */

export interface IdentitySettings {
  /** A session ends after this long without a request (default 30 minutes). */
  readonly sessionIdleTimeoutMs: number;
  /** A session ends this long after login whatever happens (default 12 hours). */
  readonly sessionAbsoluteLifetimeMs: number;
  /** A login half-way through (waiting for the second factor) ends after this long. */
  readonly pendingLoginLifetimeMs: number;
  /** Failed attempts before an account locks (default 5). */
  readonly lockoutThreshold: number;
  /** How long a lock lasts; 0 means until an administrator unlocks it (default 30 minutes). */
  readonly lockoutDurationMs: number;
  /** Failed logins accepted from one source address per window before it is refused. */
  readonly sourceFailureLimit: number;
  readonly sourceFailureWindowMs: number;
  /** How long an activation link stays valid (default 72 hours). */
  readonly activationTokenLifetimeMs: number;
  /** An active account unused this long is reported as dormant (default 180 days). */
  readonly dormantAfterMs: number;
  /** Cookies carry Secure outside development. */
  readonly secureCookies: boolean;
  /** The public origin (scheme://host[:port]) browsers use; WebAuthn binds passkeys to its host. */
  readonly publicUrl: string;
  /** Shown in authenticator apps and passkey prompts. */
  readonly serviceName: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEFAULT_IDENTITY_SETTINGS: IdentitySettings = {
  sessionIdleTimeoutMs: 30 * MINUTE,
  sessionAbsoluteLifetimeMs: 12 * HOUR,
  pendingLoginLifetimeMs: 10 * MINUTE,
  lockoutThreshold: 5,
  lockoutDurationMs: 30 * MINUTE,
  sourceFailureLimit: 50,
  sourceFailureWindowMs: 15 * MINUTE,
  activationTokenLifetimeMs: 72 * HOUR,
  dormantAfterMs: 180 * DAY,
  secureCookies: true,
  publicUrl: 'http://localhost:8080',
  serviceName: 'shomei',
};
