/**
 * Identity: organisations and users, usage applications (利用申請) and activation, passwords
 * (argon2id), TOTP, passkeys (WebAuthn), federated login (OIDC), server-side sessions with CSRF
 * protection, lockout, and the account lifecycle.
 */

export {
  type Application,
  type ApplicationInput,
  type ApprovalInput,
  IDENTITY_CHECK_METHODS,
  type IdentityCheckMethod,
} from './applications.ts';
export type { LoginOutcome, RequestContext } from './authentication.ts';
export type { OidcSettings } from './federation.ts';
export { Identity, type IdentityDependencies } from './identity.ts';
export type { ClosureResult } from './lifecycle.ts';
export { identityMigrations } from './migrations.ts';
export {
  type AccountClosedHook,
  type AccountClosure,
  type AssuranceLevel,
  type AuthenticationMethod,
  type Clock,
  DEFAULT_AUTHENTICATION_POLICY,
  denyAllPrivileges,
  type FederatedAssertion,
  IDENTITY_PRIVILEGES,
  type IdentityPrivilege,
  type Principal,
  type PrivilegeCheck,
  type SecondFactorKind,
  type Tenant,
  type TenantAuthenticationPolicy,
  type User,
  type UserStatus,
} from './model.ts';
export { type Argon2Parameters, DEFAULT_ARGON2_PARAMETERS, PasswordHasher } from './password-hasher.ts';
export { MIN_PASSWORD_LENGTH, passwordRejection } from './password-policy.ts';
export {
  authenticateRequests,
  CSRF_HEADER,
  type RequestAuthenticationOptions,
  type RequestSessionResolver,
  requirePrincipal,
  requirePrivilege,
  type SessionCookiePolicy,
} from './request-authentication.ts';
export { type IdentityRoutesOptions, identityRoutes } from './routes/index.ts';
export {
  generateIdentitySealKey,
  hsmSecretSealer,
  IDENTITY_SEAL_KEY_PURPOSE,
  type SecretSealer,
} from './secret-sealer.ts';
export type { IdentityService, PasswordCheck } from './service.ts';
export type { ResolvedSession, SessionRecord, SessionStage } from './sessions.ts';
export {
  DEFAULT_IDENTITY_SETTINGS,
  type IdentitySettings,
  identitySettingsFrom,
  oidcSettingsFrom,
} from './settings.ts';
export type { IdentityTables } from './tables.ts';
