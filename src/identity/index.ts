/**
 * Identity: organisations and users, usage applications (利用申請) and activation, passwords
 * (argon2id), TOTP, passkeys (WebAuthn), federated login (OIDC), server-side sessions with CSRF
 * protection, lockout, and the account lifecycle.
 */
export { identityMigrations } from './migrations.ts';
export {
  type AccountClosedHook,
  type AccountClosure,
  type AssuranceLevel,
  type AuthenticationMethod,
  type Clock,
  DEFAULT_AUTHENTICATION_POLICY,
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
export {
  authenticateRequests,
  CSRF_HEADER,
  type RequestAuthenticationOptions,
  type RequestSessionResolver,
  requirePrincipal,
  requirePrivilege,
  type SessionCookiePolicy,
} from './request-authentication.ts';
export type { IdentityService, PasswordCheck } from './service.ts';
export type { ResolvedSession, SessionRecord, SessionStage } from './sessions.ts';
export { DEFAULT_IDENTITY_SETTINGS, type IdentitySettings } from './settings.ts';
export type { IdentityTables } from './tables.ts';
