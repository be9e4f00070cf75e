/**
 * The identity module's public vocabulary: organisations (tenants), their users, the authenticated
 * principal of a request, and the interfaces other modules implement (privilege checks, hooks run
 * when an account is closed). Kept stable: the admin, rssp and contracts modules build on it.
 */

/** How a person proved who they are in a session (short names; the audit trail records them). */
export type AuthenticationMethod = 'password' | 'totp' | 'recovery-code' | 'passkey' | 'federated';

/** NIST SP 800-63B authenticator assurance level reached by a session. */
export type AssuranceLevel = 'aal1' | 'aal2';

export type SecondFactorKind = 'totp' | 'passkey';

/** Which factors an organisation requires at login. AAL2 (password + TOTP or passkey) is the default. */
export interface TenantAuthenticationPolicy {
  /** `required`: AAL2; `optional`: AAL1 allowed, only where the tenant explicitly configures it. */
  readonly secondFactor: 'required' | 'optional';
  readonly allowedSecondFactors: readonly SecondFactorKind[];
}

export const DEFAULT_AUTHENTICATION_POLICY: TenantAuthenticationPolicy = {
  secondFactor: 'required',
  allowedSecondFactors: ['totp', 'passkey'],
};

/** An organisation using the service (会社・団体). */
export interface Tenant {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly policy: TenantAuthenticationPolicy;
  readonly createdAt: string;
}

export type UserStatus = 'pending-activation' | 'active' | 'suspended' | 'closed';

/** A person with an account (利用者). Email addresses are unique across the installation. */
export interface User {
  readonly id: string;
  readonly tenantId: string;
  readonly email: string;
  readonly displayName: string;
  /** 氏名: family and given name, with optional kana readings (フリガナ). */
  readonly familyName: string;
  readonly givenName: string;
  readonly familyNameKana: string | null;
  readonly givenNameKana: string | null;
  /** 会社名 / 部署 / 役職 */
  readonly organisationName: string | null;
  readonly department: string | null;
  readonly title: string | null;
  readonly status: UserStatus;
  readonly createdAt: string;
  readonly activatedAt: string | null;
  readonly lastLoginAt: string | null;
  /** True while the account is locked after failed attempts (never shown to the person logging in). */
  readonly locked: boolean;
}

/** What an identity provider asserted about a federated login (OIDC). */
export interface FederatedAssertion {
  readonly issuer: string;
  readonly subject: string;
  readonly acr: string | null;
  readonly amr: readonly string[];
}

/**
 * The authenticated person behind a request (`request.principal`). Present only when the session
 * completed every factor the tenant requires.
 */
export interface Principal {
  readonly kind: 'user';
  readonly userId: string;
  readonly tenantId: string;
  readonly email: string;
  readonly displayName: string;
  /** Public id of the session record (not the cookie value, which is secret). */
  readonly sessionRef: string;
  readonly assurance: AssuranceLevel;
  readonly methods: readonly AuthenticationMethod[];
  readonly authenticatedAt: string;
  readonly federation: FederatedAssertion | null;
}

/** Operator functions of this module; the admin module maps them onto its roles. */
export const IDENTITY_PRIVILEGES = [
  'identity.applications.decide',
  'identity.accounts.unlock',
  'identity.accounts.manage',
  'identity.sessions.revoke',
] as const;
export type IdentityPrivilege = (typeof IDENTITY_PRIVILEGES)[number];

/** Answers whether a principal holds a privilege (implemented by the admin module with role grants). */
export type PrivilegeCheck = (principal: Principal, privilege: IdentityPrivilege) => Promise<boolean>;

/** What other modules learn when an account is closed, so they revoke credentials and certificates. */
export interface AccountClosure {
  readonly userId: string;
  readonly tenantId: string;
  readonly reason: string;
  readonly closedAt: string;
  /** Who closed it: a principal's user id, or a process name. */
  readonly closedBy: string;
}

export type AccountClosedHook = (closure: AccountClosure) => Promise<void>;

/** The time source; tests inject one to move through idle and absolute timeouts without sleeping. */
export type { Clock } from '../clock/index.ts';

/** The privilege check used until the admin module provides role grants: nobody holds a privilege. */
export const denyAllPrivileges: PrivilegeCheck = async () => false;
