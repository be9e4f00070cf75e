/** The identity module's tunable settings; `src/config` reads them from SHOMEI_… variables. */
import type { ShomeiConfig } from '../config/index.ts';
import type { OidcSettings } from './federation.ts';

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

/** The identity settings an installation's configuration asks for. */
export function identitySettingsFrom(config: ShomeiConfig): IdentitySettings {
  const c = config.identity;
  return {
    ...DEFAULT_IDENTITY_SETTINGS,
    sessionIdleTimeoutMs: c.sessionIdleMinutes * MINUTE,
    sessionAbsoluteLifetimeMs: c.sessionAbsoluteHours * HOUR,
    lockoutThreshold: c.lockoutThreshold,
    lockoutDurationMs: c.lockoutMinutes * MINUTE,
    sourceFailureLimit: c.sourceFailureLimit,
    activationTokenLifetimeMs: c.activationHours * HOUR,
    dormantAfterMs: c.dormantDays * DAY,
    secureCookies: config.environment !== 'development',
    publicUrl: config.http.publicUrl,
  };
}

/** The OIDC relying-party settings, when federated login is configured. */
export function oidcSettingsFrom(config: ShomeiConfig): OidcSettings | undefined {
  if (config.oidc === undefined) return undefined;
  return {
    issuer: config.oidc.issuer,
    clientId: config.oidc.clientId,
    clientSecret: config.oidc.clientSecret,
    redirectUri: `${config.http.publicUrl}/api/auth/oidc/callback`,
    multiFactorAcrValues: config.oidc.multiFactorAcrValues,
    allowInsecureIssuer: config.environment === 'development',
  };
}
